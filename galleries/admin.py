import json
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms import modelformset_factory
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from reversion.admin import VersionAdmin

from galleries import imaging
from galleries.history import (
    WORKFLOW_FIELDS,
    ConflictError,
    EditRefused,
    check_version,
    editing_gallery,
    restore_revision,
)
from galleries.ingest import UploadRejected, ingest_photo
from galleries.library import AppendOrder, Dropped, append_photos, galleries_using, move_item, renumber_items
from galleries.markup import without_control_characters
from galleries.models import CorrectionNote, FaqEntry, Gallery, GalleryLink, Item, Photo, Rendition, Section, Tag
from galleries.tasks import reframe_photo, rerender_photos
from galleries.workflow import (
    TransitionError,
    add_correction,
    approve_gallery,
    available_transitions,
    can_edit_gallery,
    can_edit_photo,
    galleries_visible_to,
    is_editor,
    is_owner,
    publish_gallery,
    recall_gallery,
    reopen_gallery,
    request_changes,
    submit_gallery,
    withdraw_gallery,
)
from newsroom.models import AuditEvent

THUMB_WIDTH = 160
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _change_comment(form, formsets) -> str:
    fields = [str(form.fields[name].label or name) for name in form.changed_data if name != "version"]
    items = sum(1 for formset in formsets for item_form in formset.forms if item_form.has_changed())
    parts = [f"Changed {', '.join(fields).lower()}"] if fields else []
    if items:
        parts.append(f"{items} item{pluralize(items)} or entr{pluralize(items, 'y,ies')} edited")
    return "; ".join(parts) + "." if parts else "Saved without changes."


def _parse_local_datetime(value: str):
    """A datetime-local input, in the newsroom's time zone; empty means now."""
    if not value.strip():
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:  # well formed but not a real time, such as 2026-02-30
        parsed = None
    if parsed is None:
        raise TransitionError("Give the publication time as a date and time, like 2026-05-01 08:00.")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def thumbnail(photo: Photo, *, width: int = THUMB_WIDTH) -> str:
    """A staff-only preview of the photo, or its processing state while it has none."""
    candidates = [
        rendition
        for rendition in photo.renditions.all()
        if rendition.purpose == Rendition.Purpose.RESPONSIVE and rendition.format != Rendition.Format.AVIF
    ]
    preview = min(candidates, key=lambda r: abs(r.width - width * 2), default=None)
    url = preview.preview_url if preview is not None and photo.state == Photo.State.READY else ""
    if url:
        return format_html(
            '<img class="loupe-thumb" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            url,
            photo.alt_text,
            width,
            round(width / photo.aspect_ratio),
        )
    reason = f": {photo.state_reason}" if photo.state == Photo.State.FAILED and photo.state_reason else ""
    return format_html(
        '<span class="loupe-state loupe-state--{}">{}{}</span>', photo.state, photo.get_state_display(), reason
    )


class NoLookupRawIdWidget(ForeignKeyRawIdWidget):
    # The stock widget fetches each row's photo again to label it; the thumbnail already shows it.
    def label_and_url_for_value(self, value):
        return "", ""


class ItemInlineForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = ["position", "photo", "headline", "caption", "alt_text", "credit_override"]
        widgets = {
            "position": forms.NumberInput(attrs={"class": "loupe-position", "min": 0}),
            "headline": forms.TextInput(attrs={"size": 24}),
            "caption": forms.Textarea(attrs={"rows": 4, "cols": 36}),
            "alt_text": forms.Textarea(attrs={"rows": 4, "cols": 28}),
            "credit_override": forms.TextInput(attrs={"size": 16}),
        }


class ItemInline(admin.TabularInline):
    model = Item
    form = ItemInlineForm
    extra = 0
    ordering = ["position", "id"]
    fields = ["move", "preview", "position", "headline", "caption", "alt_text", "credit_override", "editor_note"]
    readonly_fields = ["move", "preview", "editor_note"]
    classes = ["loupe-items"]

    def get_queryset(self, request):
        # The gallery too: each row's label is the item's str(), which names its gallery.
        return super().get_queryset(request).select_related("gallery", "photo").prefetch_related("photo__renditions")

    def has_add_permission(self, request, obj=None):
        # New items come from the upload area or the library field, which set the photo and position.
        return False

    @admin.display(description="Photo")
    def preview(self, item: Item) -> str:
        return thumbnail(item.photo) if item.pk else ""

    @admin.display(description="Order")
    def move(self, item: Item) -> str:
        if not item.pk:
            return ""
        # Real submit buttons: without JavaScript they save the form and move the item; with it, they
        # reorder the rows in place. Either way a keyboard user never needs to drag.
        return format_html(
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
    extra = 0
    fields = ["position", "label", "url"]


class FaqEntryInline(admin.StackedInline):
    model = FaqEntry
    extra = 0
    fields = ["position", "question", "answer"]


class GalleryAdminForm(forms.ModelForm):
    # The version the editor started from; a save against a newer one is a conflict, never an overwrite.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    add_photos = forms.CharField(
        required=False,
        label="Add library photos",
        help_text="Photo IDs from the library, separated by commas; they are appended in this order.",
    )

    class Meta:
        model = Gallery
        fields = [
            "title",
            "slug",
            "kind",
            "dek",
            "introduction",
            "photographers",
            "section",
            "tags",
            "cover",
            "disclosure",
            "comment_mode",
        ]
        widgets = {
            "dek": forms.Textarea(attrs={"rows": 3}),
            "introduction": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        if "cover" in self.fields:
            # The cover is one of the gallery's own photos; listing the whole library would be useless and slow.
            self.fields["cover"].queryset = (
                Photo.objects.filter(items__gallery=self.instance).distinct()
                if self.instance.pk
                else Photo.objects.none()
            )

    def clean_add_photos(self) -> list[Photo]:
        raw = self.cleaned_data["add_photos"].replace(",", " ").split()
        try:
            ids = [int(value) for value in raw]
        except ValueError:
            raise ValidationError("Use photo IDs (numbers), separated by commas.") from None
        photos = Photo.objects.in_bulk(ids)
        missing = [str(pk) for pk in ids if pk not in photos]
        if missing:
            raise ValidationError(f"No photo with ID {', '.join(missing)} in the library.")
        return [photos[pk] for pk in ids]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            try:
                check_version(self.instance, cleaned.get("version") or 0)
            except ConflictError as conflict:
                raise ValidationError(str(conflict), code="conflict") from None
        return cleaned


@admin.register(Gallery)
class GalleryAdmin(VersionAdmin):
    form = GalleryAdminForm
    change_form_template = "admin/galleries/gallery/change_form.html"
    list_display = ["title", "kind", "status", "section", "item_count", "publish_at", "published_at", "updated_at"]
    list_filter = ["status", "kind", "section"]
    search_fields = ["title", "dek", "slug"]
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tags", "photographers"]
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
        (None, {"fields": ["title", "slug", "kind", "dek", "introduction"]}),
        ("Credits and placement", {"fields": ["photographers", "section", "tags", "cover", "disclosure"]}),
        ("Photos", {"fields": ["add_photos"]}),
        ("Readers", {"fields": ["comment_mode"]}),
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
    actions = ["submit_selected", "approve_selected"]

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        # "version" is the form's own hidden field; the model field of that name is not editable, and the
        # form factory refuses to be asked for it.
        if kwargs.get("fields"):
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "version"]
        return super().get_form(request, obj, change, **kwargs)

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
        request._loupe_workflow_state = Gallery.objects.filter(pk=object_id).values(*WORKFLOW_FIELDS).first()
        return super().revision_view(request, object_id, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        # Deleted galleries belong to nobody any more: only editors, who may delete, may see and bring them back.
        if not is_editor(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        request._loupe_workflow_state = {"status": Gallery.Status.DRAFT, "publish_at": None, "published_at": None}
        return super().recover_view(request, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        state = getattr(request, "_loupe_workflow_state", None)
        if state and object_id:
            # Runs inside the revert's transaction, after django-reversion wrote the old row back.
            Gallery.objects.filter(pk=object_id).update(**state)
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
        if form.cleaned_data.get("add_photos"):
            append_photos(
                gallery=gallery,
                dropped=[Dropped(photo=photo, name="") for photo in form.cleaned_data["add_photos"]],
                order=None,
                by=request.user,
            )
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
            path("<int:object_id>/upload/", view(self.upload_view), name="galleries_gallery_upload"),
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
        }

    # Workflow: every button and action calls galleries.workflow; nothing here sets a status.

    def transition_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        gallery = self.get_object(request, str(object_id))
        if gallery is None or not self.has_view_permission(request, gallery):
            raise PermissionDenied
        try:
            message = self._apply_transition(request, gallery, name)
        except TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]))

    def _apply_transition(self, request: HttpRequest, gallery: Gallery, name: str) -> str:
        by, post = request.user, request.POST
        if name == "submit":
            submit_gallery(gallery=gallery, by=by)
            return "Submitted for review. The editors have been told."
        if name == "recall":
            recall_gallery(gallery=gallery, by=by)
            return "Taken back to draft."
        if name == "request_changes":
            item_notes = {
                int(key.removeprefix("item_note_")): value
                for key, value in post.items()
                if re.fullmatch(r"item_note_[0-9]{1,18}", key) and value.strip()
            }
            request_changes(gallery=gallery, by=by, note=post.get("note", ""), item_notes=item_notes)
            return "Sent back to the photographer with your note."
        if name == "approve":
            publish_at = _parse_local_datetime(post.get("publish_at", ""))
            approve_gallery(gallery=gallery, by=by, publish_at=publish_at)
            if gallery.status == Gallery.Status.PUBLISHED:
                return "Approved and published: its photos are being made public; readers see it once all are."
            return f"Approved; scheduled for {timezone.localtime(gallery.publish_at):%Y-%m-%d %H:%M}."
        if name == "publish":
            publish_gallery(gallery=gallery, by=by)
            return "Published."
        if name == "withdraw":
            withdraw_gallery(gallery=gallery, by=by, reason=post.get("reason", ""))
            return "Withdrawn. Its pages now tell readers why."
        if name == "reopen":
            reopen_gallery(gallery=gallery, by=by)
            return "Reopened as a draft."
        if name == "correct":
            add_correction(gallery=gallery, by=by, text=post.get("text", ""))
            return "Correction posted."
        raise TransitionError("There is no such step in the workflow.")

    @admin.action(description="Submit selected galleries for review")
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, lambda gallery: submit_gallery(gallery=gallery, by=request.user), "submitted")

    @admin.action(description="Approve selected galleries (publish now)")
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, lambda gallery: approve_gallery(gallery=gallery, by=request.user), "approved")

    def _bulk(self, request, queryset, step, done: str) -> None:
        succeeded = 0
        for gallery in queryset:
            try:
                step(gallery)
            except TransitionError as error:
                self.message_user(request, f"“{gallery}”: {error}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{succeeded} galler{pluralize(succeeded, 'y,ies')} {done}.", messages.SUCCESS)

    def captions_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        gallery = self._gallery_for_change(request, object_id)
        CaptionFormSet = modelformset_factory(
            Item,
            fields=["headline", "caption", "alt_text"],
            extra=0,
            # The grid edits the gallery's items; a forged extra form must not become a new one.
            edit_only=True,
            widgets={
                "headline": forms.TextInput(attrs={"size": 30}),
                "caption": forms.Textarea(attrs={"rows": 5, "cols": 50}),
                "alt_text": forms.Textarea(attrs={"rows": 5, "cols": 36}),
            },
        )
        queryset = gallery.items.select_related("photo").prefetch_related("photo__renditions").order_by("position")
        formset = CaptionFormSet(request.POST or None, queryset=queryset)
        conflict = ""
        if request.method == "POST" and formset.is_valid():
            submitted = request.POST.get("version", "")
            try:
                with editing_gallery(
                    gallery=gallery,
                    by=request.user,
                    expected_version=int(submitted) if submitted.isascii() and submitted.isdigit() else -1,
                    comment="Captions edited in the grid.",
                ):
                    formset.save()
            except (ConflictError, EditRefused) as refusal:
                conflict = f"{refusal} Copy your text before reloading the page."
            if not conflict:
                self.message_user(request, "Captions saved.", messages.SUCCESS)
                return redirect(reverse("admin:galleries_gallery_captions", args=[gallery.pk]))
        elif request.method == "POST" and any("id" in form.errors for form in formset):
            conflict = "A photo was taken out of the gallery after this grid was opened. Copy your text, then reload."
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Captions: {gallery}",
            "gallery": gallery,
            "formset": formset,
            "rows": [(form, thumbnail(form.instance.photo) if form.instance.photo_id else "") for form in formset],
            "conflict": conflict,
        }
        return TemplateResponse(request, "admin/galleries/gallery/captions.html", context)

    # Bulk upload: one file per request so each file has its own progress and its own error.

    def _check_upload_allowed(self, request: HttpRequest, object_id: int) -> Gallery:
        gallery = self._gallery_for_change(request, object_id)
        if not request.user.has_perm("galleries.add_photo"):
            raise PermissionDenied
        return gallery

    def upload_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        gallery = self._check_upload_allowed(request, object_id)
        files = request.FILES.getlist("files") or request.FILES.getlist("file")
        photographer = getattr(request.user, "photographer", None)
        wants_json = "application/json" in request.headers.get("Accept", "")
        dropped, errors = [], []
        for upload in files:
            try:
                # Refused before reading: a huge file should not be loaded into memory only to be rejected.
                if upload.size > settings.LOUPE_UPLOAD_MAX_BYTES:
                    raise ValidationError(
                        f"The file is larger than the {settings.LOUPE_UPLOAD_MAX_BYTES // (1024 * 1024)} MB limit."
                    )
                result = ingest_photo(
                    data=upload.read(), filename=upload.name, uploaded_by=request.user, photographer=photographer
                )
            except ValidationError as error:
                errors.append((upload.name, " ".join(error.messages)))
                continue
            except UploadRejected as error:
                errors.append((upload.name, str(error)))
                continue
            dropped.append((result, upload.name))
        if wants_json:
            if errors:
                return JsonResponse({"ok": False, "name": errors[0][0], "error": errors[0][1]}, status=400)
            result, name = dropped[0] if dropped else (None, "")
            if result is None:
                return JsonResponse({"ok": False, "error": "No file was sent."}, status=400)
            return JsonResponse(
                {"ok": True, "name": name, "photo": result.photo.pk, "created": result.created}, status=201
            )
        items = append_photos(
            gallery=gallery,
            dropped=[Dropped(photo=result.photo, name=name) for result, name in dropped],
            order=request.POST.get("order", AppendOrder.NAME),
            by=request.user,
        )
        if items:
            added = f"{len(items)} photo{pluralize(len(items))} added to the gallery."
            self.message_user(request, added, messages.SUCCESS)
        for name, message in errors:
            self.message_user(request, f"“{name}” could not be added: {message}", messages.ERROR)
        return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]) + "#items")

    def upload_known_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        self._check_upload_allowed(request, object_id)
        try:
            hashes = [str(value).lower() for value in json.loads(request.body)["hashes"]][:1000]
        except (ValueError, KeyError, TypeError, RecursionError):
            return JsonResponse({"error": 'Send {"hashes": [...]}.'}, status=400)
        # Anything but a SHA-256 in hex names no photo; it never reaches the database.
        hashes = [value for value in hashes if SHA256_HEX.fullmatch(value)]
        known = dict(Photo.objects.filter(sha256__in=hashes).values_list("sha256", "pk"))
        return JsonResponse({"known": known})

    def upload_append_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        gallery = self._check_upload_allowed(request, object_id)
        try:
            payload = json.loads(request.body)
            order = payload.get("order", AppendOrder.NAME)
            names = {int(entry["photo"]): str(entry.get("name", "")) for entry in payload["photos"]}
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError):
            return JsonResponse({"error": 'Send {"order": ..., "photos": [{"photo": id, "name": ...}]}.'}, status=400)
        if order not in (AppendOrder.NAME, AppendOrder.TAKEN):
            return JsonResponse({"error": "Order by name or taken."}, status=400)
        photos = Photo.objects.in_bulk([pk for pk in names if 0 < pk < 2**63])  # SQLite overflows past 64 bits
        items = append_photos(
            gallery=gallery,
            dropped=[Dropped(photo=photo, name=names[pk]) for pk, photo in photos.items()],
            order=order,
            by=request.user,
        )
        return JsonResponse({"added": len(items), "skipped": len(names) - len(items)})


# Photo library ---------------------------------------------------------------------------------------------


class UsedFilter(admin.SimpleListFilter):
    title = "use"
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", "In a gallery"), ("no", "Not in any gallery")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(items__isnull=False).distinct()
        if self.value() == "no":
            return queryset.filter(items__isnull=True)
        return queryset


class PhotoAdminForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = [
            "headline",
            "caption",
            "alt_text",
            "keywords",
            "credit_line",
            "copyright",
            "photographer",
            "taken_at",
            "place_name",
            "focal_x",
            "focal_y",
            "redactions",
            "uploaded_by",
        ]
        widgets = {
            "caption": forms.Textarea(attrs={"rows": 4}),
            "alt_text": forms.Textarea(attrs={"rows": 3}),
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "class": "loupe-focal-x"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "class": "loupe-focal-y"}),
        }

    def clean_redactions(self):
        redactions = self.cleaned_data["redactions"] or []
        error = ValidationError(
            'Give a list of areas like [{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.1}], each number between 0 and 1.'
        )
        if not isinstance(redactions, list):
            raise error
        for area in redactions:
            if not isinstance(area, dict) or set(area) != {"x", "y", "w", "h"}:
                raise error
            if not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in area.values()):
                raise error
            if area["x"] + area["w"] > 1 or area["y"] + area["h"] > 1 or not area["w"] or not area["h"]:
                raise ValidationError("Each area must have a size and stay inside the photo.")
        return redactions

    def clean_keywords(self):
        keywords = self.cleaned_data["keywords"] or []
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ValidationError('Give keywords as a list of words, like ["flood", "harvest"].')
        # JSON may spell a NUL as \u0000, which PostgreSQL cannot store.
        keywords = [" ".join(without_control_characters(k).split()) for k in keywords]
        return [k for k in keywords if k]


def _refuse_used_photos(model_admin, request, photos) -> bool:
    using = galleries_using(list(photos))
    for photo in photos:
        if photo.pk in using:
            names = ", ".join(f"“{gallery}”" for gallery in using[photo.pk])
            model_admin.message_user(
                request,
                f"“{photo}” cannot be deleted: it is used in {names}. Remove it from those galleries first.",
                messages.ERROR,
            )
    return bool(using)


@admin.action(permissions=["delete"], description="Delete selected photos")
def delete_selected(model_admin, request, queryset):
    """Replaces the stock action of this name: a photo a gallery uses is refused in words, not a tree of objects."""
    if _refuse_used_photos(model_admin, request, queryset):
        return None
    return admin_actions.delete_selected(model_admin, request, queryset)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoAdminForm
    list_display = ["list_thumbnail", "__str__", "photographer", "state", "used_in_count", "taken_at", "created_at"]
    list_display_links = ["list_thumbnail", "__str__"]
    list_filter = [("photographer", admin.RelatedOnlyFieldListFilter), "state", UsedFilter]
    list_select_related = ["photographer"]
    search_fields = [
        "headline",
        "caption",
        "alt_text",
        "keywords",
        "photographer__name",
        "items__headline",
        "items__caption",
        "original_filename",
    ]
    raw_id_fields = ["uploaded_by"]
    actions = ["rerender", delete_selected]
    change_form_template = "admin/galleries/photo/change_form.html"
    fieldsets = [
        (None, {"fields": ["preview", "state", "state_reason", "used_in"]}),
        (
            "Words",
            {"fields": ["headline", "caption", "alt_text", "keywords", "credit_line", "copyright", "photographer"]},
        ),
        ("Where and when", {"fields": ["taken_at", "place_name"]}),
        ("Framing", {"fields": ["focal_x", "focal_y", "redactions"]}),
        (
            "From the file",
            {
                "classes": ["collapse"],
                "fields": [
                    "original_filename",
                    "original_format",
                    "width",
                    "height",
                    "file_size",
                    "sha256",
                    "uploaded_by",
                    "imported",
                    "removed",
                ],
            },
        ),
    ]
    readonly_fields = [
        "preview",
        "framing",
        "state",
        "state_reason",
        "used_in",
        "original_filename",
        "original_format",
        "width",
        "height",
        "file_size",
        "sha256",
        "imported",
        "removed",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(used_in_total=Count("items__gallery", distinct=True))
            .prefetch_related("renditions")
        )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_photo(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        # The visual editor for whoever may change the photo; its fields stay below it, for keyboards and no-JS.
        return [
            (name, {**options, "fields": ["framing", *options["fields"]]} if name == "Framing" else options)
            for name, options in fieldsets
        ]

    def get_urls(self):
        upright = self.admin_site.admin_view(self.upright_view)
        return [
            path("<path:object_id>/upright/", upright, name="galleries_photo_upright"),
            *super().get_urls(),
        ]

    def upright_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The photo upright and unblurred, for drawing blur areas on: only for those who may change it."""
        photo = self.get_object(request, object_id)
        if photo is None:
            raise Http404("No such photo.")
        if not self.has_change_permission(request, photo):
            raise PermissionDenied
        try:
            with photo.original.open("rb") as original:
                data = original.read()
            image = imaging.framing_preview(data, max_pixels=settings.LOUPE_UPLOAD_MAX_PIXELS)
        except (FileNotFoundError, imaging.ImageRejected):
            raise Http404("The original cannot be read.") from None
        response = HttpResponse(image, content_type="image/jpeg")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=600"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response

    def delete_view(self, request, object_id, extra_context=None):
        photo = self.get_object(request, object_id)
        if photo is not None and _refuse_used_photos(self, request, [photo]):
            return redirect(reverse("admin:galleries_photo_change", args=[photo.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["change"], description="Re-render selected photos")
    def rerender(self, request, queryset):
        queued = rerender_photos(photos=list(queryset))
        self.message_user(request, f"{queued} photo{pluralize(queued)} queued for re-rendering.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = set(form.changed_data)
        if change and {"focal_x", "focal_y", "redactions"} & changed:
            # Blur areas and the focal point change the pixels readers get, so the renditions are made again.
            reframe_photo(photo=obj, by=request.user, blur_changed="redactions" in changed)

    @admin.display(description="Photo")
    def list_thumbnail(self, photo: Photo) -> str:
        return thumbnail(photo, width=96)

    @admin.display(description="Preview")
    def preview(self, photo: Photo) -> str:
        return thumbnail(photo, width=480)

    @admin.display(description="Blur and focal point")
    def framing(self, photo: Photo) -> str:
        return format_html(
            '<div class="loupe-framer" data-src="{}" data-width="{}" data-height="{}">'
            '<p class="loupe-framer-fallback">With JavaScript on, drag across a face on the photo here to blur '
            "it, and click to set the focal point. The fields below do the same by hand.</p></div>",
            reverse("admin:galleries_photo_upright", args=[photo.pk]),
            photo.width,
            photo.height,
        )

    @admin.display(description="Galleries", ordering="used_in_total")
    def used_in_count(self, photo: Photo) -> int:
        return photo.used_in_total

    @admin.display(description="Used in")
    def used_in(self, photo: Photo) -> str:
        galleries = galleries_using([photo]).get(photo.pk, [])
        if not galleries:
            return "Not in any gallery."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (reverse("admin:galleries_gallery_change", args=[g.pk]), g.title, g.get_status_display())
                    for g in galleries
                ),
            ),
        )

    @admin.display(description="Metadata read from the file")
    def imported(self, photo: Photo) -> str:
        return format_html('<pre class="loupe-json">{}</pre>', json.dumps(photo.imported_metadata, indent=2))

    @admin.display(description="Removed from the public copies")
    def removed(self, photo: Photo) -> str:
        return format_html('<pre class="loupe-json">{}</pre>', json.dumps(photo.removed_metadata, indent=2))


admin.site.register(Section, prepopulated_fields={"slug": ["name"]}, search_fields=["name"])
admin.site.register(Tag, prepopulated_fields={"slug": ["name"]}, search_fields=["name"])
