"""Stale saves refused alike on every admin form: the gallery form's conflict check, for rows without a version."""

from django import forms
from django.core.exceptions import ValidationError

from galleries.history import ConflictError, check_unchanged, edit_token

TOKEN_FIELD = "edit_token"  # noqa: S105 -- a form field name, not a secret


class ConflictCheckedForm(forms.ModelForm):
    """A model form that refuses to save over a change someone else made after it was loaded."""

    # What the row held when the form was shown; see galleries.history.edit_token.
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)
    conflict_noun = "item"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[TOKEN_FIELD].initial = edit_token(type(self.instance), self.instance.pk, self.edited_fields())

    # The fields whose change makes a form stale; by default the form's own. A form the admin trims for some
    # people (read-only fields) names them all, so everyone's token means the same.
    conflict_fields: tuple[str, ...] = ()

    def edited_fields(self) -> list[str]:
        concrete = {field.name for field in self._meta.model._meta.concrete_fields}
        return sorted(name for name in (self.conflict_fields or self.fields) if name in concrete)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            try:
                check_unchanged(
                    type(self.instance),
                    self.instance.pk,
                    self.edited_fields(),
                    cleaned.get(TOKEN_FIELD) or "",
                    noun=self.conflict_noun,
                )
            except ConflictError as conflict:
                raise ValidationError(str(conflict), code="conflict") from None
        return cleaned


class ConflictCheckedAdmin:
    """Puts the form's token on the change page of whoever may change the row (it is hidden)."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        if any(TOKEN_FIELD in options["fields"] for _, options in fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], TOKEN_FIELD]}), *rest]
