import re

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from galleries.history import ConflictError, check_version
from galleries.models import AuditEvent, Gallery
from galleries.text import TypedTextField
from galleries.workflow import (
    TRANSITIONS,
    ConfirmationNeeded,
    TransitionError,
    add_correction,
    approve_gallery,
    publish_gallery,
    recall_gallery,
    reopen_gallery,
    request_changes,
    rights_to_confirm,
    submit_gallery,
    withdraw_gallery,
)


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


class StepNotesForm(forms.Form):
    """What an editor writes with a workflow step: a note, a reason, a correction, a note on each item."""

    note = TypedTextField(required=False, widget=forms.Textarea)
    reason = TypedTextField(required=False, widget=forms.Textarea)
    text = TypedTextField(required=False, widget=forms.Textarea)

    def __init__(self, data):
        super().__init__(data)
        for key in data:
            if re.fullmatch(r"item_note_[0-9]{1,18}", key):
                self.fields[key] = TypedTextField(required=False, widget=forms.Textarea)

    def item_notes(self) -> dict[int, str]:
        return {
            int(key.removeprefix("item_note_")): value
            for key, value in self.cleaned_data.items()
            if key.startswith("item_note_") and value
        }


def gallery_events(gallery: Gallery):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Gallery), target_id=str(gallery.pk)
    ).select_related("actor")


class TransitionsMixin:
    """The gallery admin's workflow buttons and bulk actions: every one calls galleries.workflow; none sets a status."""

    object_history_template = "admin/galleries/gallery/object_history.html"

    def get_view_on_site_url(self, obj=None):
        # Readers cannot open a gallery before it is published: "View on site" opens what it will look like.
        if obj is not None and obj.pk and not obj.is_public:
            return reverse("galleries:preview", args=[obj.pk])
        return super().get_view_on_site_url(obj)

    def history_view(self, request, object_id, extra_context=None):
        # The history shows the workflow's steps (submitted, sent back, approved…) beside the field edits.
        gallery = self.get_object(request, object_id)
        events = gallery_events(gallery)[:200] if gallery is not None else []
        return super().history_view(request, object_id, {**(extra_context or {}), "audit_events": events})

    def transition_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        gallery = self.get_object(request, str(object_id))
        if gallery is None or not self.has_view_permission(request, gallery):
            raise PermissionDenied
        # The page's buttons carry the version they were shown with: approving, or correcting, a gallery
        # that someone changed since would vouch for words nobody on this page has read.
        shown = request.POST.get("version", "")
        try:
            if shown:
                check_version(gallery, int(shown) if shown.isascii() and shown.isdigit() else -1)
            message = self._apply_transition(request, gallery, name)
        except ConfirmationNeeded as needed:
            return self._confirmation_step(request, gallery, name, needed)
        except ConflictError as conflict:
            self.message_user(request, str(conflict), messages.ERROR)
        except TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]))

    def _confirmation_step(self, request: HttpRequest, gallery: Gallery, name: str, needed) -> HttpResponse:
        """Photos that cost money or carry conditions: the editor confirms them, and the step is asked again."""
        # The step's own fields go round again unchanged; only the confirmation is added.
        kept = [
            (key, value)
            for key, values in request.POST.lists()
            if key not in ("csrfmiddlewaretoken", "confirm_rights")
            for value in values
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "gallery": gallery,
            "title": "Confirm usage rights",
            "step": name,
            "step_label": TRANSITIONS[name].label,
            "to_confirm": needed.problems,
            "photos": [photo for _, photo in rights_to_confirm(gallery)],
            "kept": kept,
            "refused": "confirm_rights" in request.POST,
        }
        return TemplateResponse(request, "admin/galleries/gallery/confirm_rights.html", context)

    def response_change(self, request, obj):
        # "Save and submit for review": the edit is saved (and checked) first, then submitted, in one click.
        if "_save_and_submit" not in request.POST:
            return super().response_change(request, obj)
        try:
            submit_gallery(gallery=obj, by=request.user)
        except TransitionError as error:
            self.message_user(request, f"Saved, but not submitted: {error}", messages.WARNING)
        else:
            self.message_user(request, "Saved and submitted for review. The editors have been told.", messages.SUCCESS)
        return redirect(reverse("admin:galleries_gallery_change", args=[obj.pk]))

    def _apply_transition(self, request: HttpRequest, gallery: Gallery, name: str) -> str:
        by, post = request.user, request.POST
        notes = StepNotesForm(post)
        notes.is_valid()  # every field is optional: the workflow refuses a step without the text it needs
        written = notes.cleaned_data
        if name == "submit":
            submit_gallery(gallery=gallery, by=by)
            return "Submitted for review. The editors have been told."
        if name == "recall":
            recall_gallery(gallery=gallery, by=by)
            return "Taken back to draft."
        if name == "request_changes":
            request_changes(gallery=gallery, by=by, note=written["note"], item_notes=notes.item_notes())
            return "Sent back to the photographer with your note."
        # Ticked on the confirmation step: this editor accepts the cost and conditions, and it is recorded.
        confirm_rights = post.get("confirm_rights") == "yes"
        if name == "approve":
            publish_at = _parse_local_datetime(post.get("publish_at", ""))
            approve_gallery(gallery=gallery, by=by, publish_at=publish_at, confirm_rights=confirm_rights)
            if gallery.status == Gallery.Status.PUBLISHED:
                return "Approved and published: its photos are being made public; readers see it once all are."
            return f"Approved; scheduled for {timezone.localtime(gallery.publish_at):%Y-%m-%d %H:%M}."
        if name == "publish":
            publish_gallery(gallery=gallery, by=by, confirm_rights=confirm_rights)
            return "Published."
        if name == "withdraw":
            withdraw_gallery(gallery=gallery, by=by, reason=written["reason"])
            return "Withdrawn. Its pages now tell readers why."
        if name == "reopen":
            reopen_gallery(gallery=gallery, by=by)
            return "Reopened as a draft."
        if name == "correct":
            add_correction(gallery=gallery, by=by, text=written["text"])
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
