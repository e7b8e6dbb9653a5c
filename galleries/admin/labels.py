"""Labels for the inline rows' fields: the stock tabular inline names a column once, in its header, which a
screen reader does not read out with each field ("Caption of photo 3" rather than an unnamed text box)."""

from django.forms.models import BaseInlineFormSet


class LabelledInlineFormSet(BaseInlineFormSet):
    # What one row is called in the labels; the inline sets it (items are "photo").
    row_name = ""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = self.row_name or str(self.model._meta.verbose_name)
        number = "new" if index is None else index + 1
        for name, field in form.fields.items():
            if field.widget.is_hidden:
                continue
            label = "Delete" if name == "DELETE" else str(field.label or name.replace("_", " ").capitalize())
            field.widget.attrs.setdefault("aria-label", f"{label} of {row} {number}")


def labelled(row_name: str) -> type[LabelledInlineFormSet]:
    return type("LabelledInlineFormSet", (LabelledInlineFormSet,), {"row_name": row_name})
