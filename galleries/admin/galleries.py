from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from galleries.access import photos_visible_to
from galleries.admin.captions import CaptionsGridMixin
from galleries.admin.labels import labelled
from galleries.admin.photos import credentials_summary
from galleries.admin.picker import CoverPicker, PickerMixin
from galleries.admin.stats import GalleryStatsMixin
from galleries.admin.transitions import TransitionsMixin
from galleries.admin.uploads import PhotoFilesField, UploadsMixin, photo_cell
from galleries.history import (
    WORKFLOW_FIELDS,
    ConflictError,
    EditRefused,
    check_version,
    editing_gallery,
    restore_revision,
)
from galleries.library import AppendOrder, move_item, renumber_items
from galleries.models import AuditEvent, CorrectionNote, FaqEntry, Gallery, GalleryLink, Item, Photo
from galleries.removal import DeletionRefused, after_recovery, delete_gallery, deletion_refusal
from galleries.workflow import (
    CORRECTION_MAX_LENGTH,
    available_transitions,
    can_edit_gallery,
    galleries_visible_to,
    is_editor,
    is_owner,
)

# django-reversion hands a revision's extra context on to changeform_view, which runs inside the revert: the
# workflow state to write back over the reverted row travels there, under this key.
_KEEP_STATE = "loupe_keep_workflow_state"
# Set when the revert brings back a deleted gallery, whose public files must then come down.
_RECOVERED = "loupe_recovered"


def _change_comment(form, formsets) -> str:
    fields = [str(form.fields[name].label or name) for name in form.changed_data if name != "version"]
    items = sum(1 for formset in formsets for item_form in formset.forms if item_form.has_changed())
    parts = [f"Changed {', '.join(fields).lower()}"] if fields else []
    if items:
        parts.append(f"{items} item{pluralize(items)} or entr{pluralize(items, 'y,ies')} edited")
    return "; ".join(parts) + "." if parts else "Saved without changes."


class ItemInlineForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "position",
            "photo",
            "headline",
            "caption",
            "alt_text",
            "credit_override",
            "ai_label",
            "graphic",
            "graphic_warning",
        ]
        widgets = {
            # Set by the move buttons and dragging; the row shows its number from 1, never a 0-based field.
            "position": forms.HiddenInput(attrs={"class": "loupe-position"}),
            "headline": forms.TextInput(attrs={"size": 24}),
            "caption": forms.Textarea(attrs={"rows": 4, "cols": 36}),
            "alt_text": forms.Textarea(attrs={"rows": 4, "cols": 28}),
            "credit_override": forms.TextInput(attrs={"size": 16}),
            "graphic_warning": forms.TextInput(attrs={"size": 20}),
        }


class ItemInline(admin.TabularInline):
    model = Item
    form = ItemInlineForm
    formset = labelled("photo")
    extra = 0
    ordering = ["position", "id"]
    # The photo itself is chosen in the picker and shown by `preview`; every other field of the form is a column.
    fields = [
        "move",
        "preview",
        *(name for name in ItemInlineForm.Meta.fields if name != "photo"),
        "provenance",
        "editor_note",
    ]
    readonly_fields = ["move", "preview", "provenance", "editor_note"]
    classes = ["loupe-items"]

    def get_queryset(self, request):
        # The gallery too: each row's label is the item's str(), which names its gallery.
        return super().get_queryset(request).select_related("gallery", "photo").prefetch_related("photo__renditions")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "photo":
            # The choices name photos: only those this person may see in the library.
            kwargs["queryset"] = photos_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        # New items come from the upload area or the library field, which set the photo and position.
        return False

    @admin.display(description="Photo")
    def preview(self, item: Item) -> str:
        return photo_cell(item) if item.pk else ""

    @admin.display(description="Provenance")
    def provenance(self, item: Item) -> str:
        return credentials_summary(item.photo, warnings_only=True) if item.pk else ""

    @admin.display(description="Order")
    def move(self, item: Item) -> str:
        if not item.pk:
            return ""
        # Real submit buttons: without JavaScript they save the form and move the item; with it, they
        # reorder the rows in place. Either way a keyboard user never needs to drag.
        return format_html(
            '<span class="loupe-number">{n}</span>'
            '<span class="loupe-drag-handle" aria-hidden="true" title="Drag to reorder">⠿</span>'
            '<button type="submit" class="loupe-move" name="_move" value="{pk}:up" data-direction="up"'
            ' aria-label="Move photo {n} up">↑</button>'
            '<button type="submit" class="loupe-move" name="_move" value="{pk}:down" data-direction="down"'
            ' aria-label="Move photo {n} down">↓</button>',
            pk=item.pk,
            n=item.number,
        )


class CorrectionInline(admin.TabularInline):
    """Corrections are posted through the workflow (dated and audited), so the list is read-only here."""

    model = CorrectionNote
    extra = 0
    fields = ["created_at", "text", "created_by"]
    readonly_fields = fields
    verbose_name = "correction (“Updated:” note)"
    verbose_name_plural = "Corrections (“Updated:” notes)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


class GalleryLinkInline(admin.TabularInline):
    model = GalleryLink
    formset = labelled("link")
    extra = 0
    fields = ["position", "label", "url"]


class FaqEntryInline(admin.StackedInline):
    model = FaqEntry
    formset = labelled("question")
    extra = 0
    fields = ["position", "question", "answer"]


class GalleryAdminForm(forms.ModelForm):
    # The version the editor started from; a save against a newer one is a conflict, never an overwrite.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    upload_files = PhotoFilesField(
        required=False,
        label="Photos",
        help_text="Drop photos here or choose them: they become the gallery's items when you save.",
        widget=PhotoFilesField.widget(attrs={"accept": "image/*", "class": "loupe-add-files"}),
    )
    upload_order = forms.ChoiceField(choices=AppendOrder.CHOICES, required=False, label="Add them in order of")

    class Meta:
        model = Gallery
        fields = [
            "title",
            "slug",
            "kind",
            "presentation",
            "dek",
            "introduction",
            "photographers",
            "section",
            "tags",
            "cover",
            "disclosure",
            "comment_mode",
            "contains_graphic",
            "graphic_notice",
        ]
        widgets = {
            # Ticked boxes: the stock two-box filter puts ARIA on elements that may not carry it, and makes a
            # picture editor move names between boxes to credit someone.
            "photographers": forms.CheckboxSelectMultiple(attrs={"class": "loupe-checklist"}),
            "tags": forms.CheckboxSelectMultiple(attrs={"class": "loupe-checklist"}),
            "dek": forms.Textarea(attrs={"rows": 3}),
            "introduction": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        if "cover" in self.fields:
            # The cover is one of the gallery's own photos; listing the whole library would be useless and slow.
            self.fields["cover"].queryset = (
                Photo.objects.filter(items__gallery=self.instance).distinct().prefetch_related("renditions")
                if self.instance.pk
                else Photo.objects.none()
            )
            self.fields["cover"].widget = CoverPicker(choices=self.fields["cover"].choices)
            self.fields["cover"].empty_label = "No choice: the first photo"

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            try:
                check_version(self.instance, cleaned.get("version") or 0)
            except ConflictError as conflict:
                raise ValidationError(str(conflict), code="conflict") from None
        return cleaned


@admin.action(permissions=["delete"], description="Delete selected galleries")
def delete_selected(model_admin, request, queryset):
    """Replaces the stock action of this name, which deletes without asking the workflow."""
    refusals = [deletion_refusal(gallery) for gallery in queryset]
    if any(refusals):
        for refusal in filter(None, refusals):
            model_admin.message_user(request, refusal, messages.ERROR)
        return None
    try:
        return admin_actions.delete_selected(model_admin, request, queryset)
    except DeletionRefused as refusal:  # published by someone else between the check and the deletion
        model_admin.message_user(request, str(refusal), messages.ERROR)
        return None


@admin.register(Gallery)
class GalleryAdmin(TransitionsMixin, CaptionsGridMixin, UploadsMixin, PickerMixin, GalleryStatsMixin, VersionAdmin):
    form = GalleryAdminForm
    change_form_template = "admin/galleries/gallery/change_form.html"
    list_display = ["title", "kind", "status", "section", "item_count", "publish_at", "published_at", "updated_at"]
    list_filter = ["status", "kind", "section"]
    search_fields = ["title", "dek", "slug"]
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "status",
        "publish_at",
        "published_at",
        "version_number",
        "review_note",
        "withdrawn_reason",
        "created_by",
        "submitted_by",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "presentation", "dek", "introduction"]}),
        ("Credits and placement", {"fields": ["photographers", "section", "tags", "cover", "disclosure"]}),
        ("Readers", {"fields": ["comment_mode", "contains_graphic", "graphic_notice"]}),
        (
            "Workflow",
            {
                "fields": [
                    "status",
                    "publish_at",
                    "published_at",
                    "review_note",
                    "withdrawn_reason",
                    "created_by",
                    "submitted_by",
                    "version_number",
                    "version",
                ]
            },
        ),
    ]
    inlines = [ItemInline, CorrectionInline, GalleryLinkInline, FaqEntryInline]
    actions = ["submit_selected", "approve_selected", delete_selected]

    def get_queryset(self, request):
        # The workflow decides who sees which galleries: editors all, photographers their own.
        visible = galleries_visible_to(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible)
            .select_related("section")
            .annotate(item_total=Count("items", distinct=True))
        )

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return super().get_fieldsets(request, obj)
        # A new gallery starts with its photos; workflow facts and library IDs mean nothing before it exists.
        start = (
            [("Photos", {"fields": ["upload_files", "upload_order"]})]
            if request.user.has_perm("galleries.add_photo")
            else []
        )
        return [*start, *(fs for fs in self.fieldsets if fs[0] != "Workflow")]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # "version" is the form's own hidden field; the model field of that name is not editable, and the
        # form factory refuses to be asked for it.
        if kwargs.get("fields"):
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "version"]
        form = super().get_form(request, obj, change, **kwargs)
        return form

    @admin.display(description="Version")
    def version_number(self, gallery: Gallery) -> int:
        return gallery.version

    @admin.display(description="Photos", ordering="item_total")
    def item_count(self, gallery: Gallery) -> int:
        return gallery.item_total

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_gallery(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or can_edit_gallery(request.user, obj)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or is_editor(request.user) or is_owner(request.user, obj)

    # Deleting ----------------------------------------------------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        gallery = self.get_object(request, object_id)
        refusal = deletion_refusal(gallery) if gallery is not None else ""
        if not refusal:
            try:
                return super().delete_view(request, object_id, extra_context)
            except DeletionRefused as error:  # published by someone else since the page was shown
                refusal = str(error)
        self.message_user(request, refusal, messages.ERROR)
        return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]))

    def delete_model(self, request, obj):
        delete_gallery(gallery=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for gallery in queryset:
            delete_gallery(gallery=gallery, by=request.user)

    # Saving ------------------------------------------------------------------------------------------------

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Restoring a revision restores content, never a workflow state: a gallery cannot be published (or
        # unpublished) by reverting to a revision saved while it was. The preview (GET) shows the old content
        # with today's state; the restore itself (POST) is the history module's.
        if not (str(object_id).isascii() and str(object_id).isdigit()):
            raise Http404("No such revision.")  # the admin's URL takes any text as an id
        if request.method == "POST":
            gallery = self.get_object(request, object_id)
            if gallery is None or not self.has_change_permission(request, gallery):
                raise PermissionDenied
            try:
                restore_revision(gallery=gallery, version_id=int(version_id), by=request.user)
            except (ConflictError, EditRefused) as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(request, "The earlier version is restored.", messages.SUCCESS)
            return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]))
        state = Gallery.objects.filter(pk=object_id).values(*WORKFLOW_FIELDS).first()
        return super().revision_view(request, object_id, version_id, {**(extra_context or {}), _KEEP_STATE: state})

    def recoverlist_view(self, request, extra_context=None):
        # Deleted galleries belong to nobody any more: only editors, who may delete, may see and bring them back.
        if not is_editor(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        state = {"status": Gallery.Status.DRAFT, "publish_at": None, "published_at": None}
        extra_context = {**(extra_context or {}), _KEEP_STATE: state, _RECOVERED: True}
        return super().recover_view(request, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        state = extra_context.pop(_KEEP_STATE, None)
        recovered = extra_context.pop(_RECOVERED, False)
        if state and object_id:
            # Runs inside the revert's transaction, after django-reversion wrote the old row back.
            Gallery.objects.filter(pk=object_id).update(**state)
            if recovered and request.method == "POST":
                # A preview (GET) is rolled back; a recovery commits, and nothing of a draft stays public.
                after_recovery(gallery=Gallery.objects.get(pk=object_id), by=request.user)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ConflictError, EditRefused) as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect(reverse("admin:galleries_gallery_change", args=[object_id]))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.save()
        # A change is saved in save_related, together with its items, as one checked edit.

    def save_related(self, request, form, formsets, change):
        if not change:
            super().save_related(request, form, formsets, change)
            self._save_order(request, form)
            self.save_new_gallery_files(request, form)
            return
        gallery = form.instance
        # One unit: refused if the gallery moved on since the form was loaded (nothing is written), else saved
        # as one revision with the version bumped and an audit row; a published gallery's files follow.
        with editing_gallery(
            gallery=gallery,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            comment=_change_comment(form, formsets),
        ):
            editable = {field.name for field in Gallery._meta.concrete_fields if field.editable}
            changed = [name for name in form.changed_data if name in editable]
            # Only what the editor touched: status and dates belong to the workflow and are never written here.
            gallery.save(update_fields=[*changed, "updated_at"])
            super().save_related(request, form, formsets, change)
            self._save_order(request, form)

    def _save_order(self, request, form) -> None:
        gallery = form.instance
        move = request.POST.get("_move", "")
        item_id, _, direction = move.partition(":")
        if item_id.isascii() and item_id.isdigit() and direction in ("up", "down"):
            move_item(gallery=gallery, item_id=int(item_id), direction=direction)
        else:
            renumber_items(gallery=gallery)

    def response_change(self, request, obj):
        if "_move" in request.POST:
            return HttpResponseRedirect(reverse("admin:galleries_gallery_change", args=[obj.pk]) + "#items")
        return super().response_change(request, obj)

    # Extra views -------------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/captions/", view(self.captions_view), name="galleries_gallery_captions"),
            path("<int:object_id>/stats/", view(self.stats_view), name="galleries_gallery_stats"),
            path("<int:object_id>/stats.csv", view(self.stats_csv_view), name="galleries_gallery_stats_csv"),
            path("<int:object_id>/upload/", view(self.upload_view), name="galleries_gallery_upload"),
            path("<int:object_id>/library/", view(self.library_view), name="galleries_gallery_library"),
            path("<int:object_id>/status/", view(self.status_view), name="galleries_gallery_status"),
            path("<int:object_id>/retry/<int:photo_id>/", view(self.retry_view), name="galleries_gallery_retry"),
            path("<int:object_id>/upload/known/", view(self.upload_known_view), name="galleries_gallery_upload_known"),
            path(
                "<int:object_id>/upload/append/", view(self.upload_append_view), name="galleries_gallery_upload_append"
            ),
            path(
                "<int:object_id>/workflow/<slug:name>/",
                view(self.transition_view),
                name="galleries_gallery_transition",
            ),
            *super().get_urls(),
        ]

    def _gallery_for_change(self, request: HttpRequest, object_id: int) -> Gallery:
        gallery = self.get_object(request, str(object_id))
        if gallery is None:
            raise PermissionDenied
        if not self.has_change_permission(request, gallery):
            raise PermissionDenied
        return gallery

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(self._change_context(request, obj, context))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _change_context(self, request, gallery: Gallery, context: dict) -> dict:
        events = AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Gallery), target_id=str(gallery.pk)
        ).select_related("actor")[:50]
        items = next(
            (
                [form.instance for form in formset.formset.initial_forms]
                for formset in context.get("inline_admin_formsets", [])
                if formset.formset.model is Item
            ),
            [],
        )
        transitions = available_transitions(gallery=gallery, user=request.user)
        return {
            "audit_events": events,
            "transitions": transitions,
            "can_correct": gallery.status == Gallery.Status.PUBLISHED
            and is_editor(request.user)
            and request.user.has_perm("galleries.add_correctionnote"),
            "review_items": items,
            "upload_orders": AppendOrder.CHOICES,
            "upload_max_bytes": settings.LOUPE_UPLOAD_MAX_BYTES,
            "correction_max_length": CORRECTION_MAX_LENGTH,
        }
