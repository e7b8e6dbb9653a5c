"""The standards queue: requests from the people pictured, and the editor's decision on each.

Only staff holding `galleries.handle_person_request` (Editors, through their role) see the queue, and so the
requesters' names and addresses. The decisions are the functions of `galleries.standards`.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from galleries.admin.thumbnails import thumbnail
from galleries.models import PersonRequest
from galleries.standards import (
    RequestRefused,
    blur_for_request,
    can_handle_requests,
    correct_caption_for_request,
    decline_request,
    take_down_for_request,
)

# The redaction editor is opened from a request with this in its address; saving a blur there closes the request.
FROM_REQUEST = "person_request"


@admin.register(PersonRequest)
class PersonRequestAdmin(admin.ModelAdmin):
    list_display = ["reference", "ask", "status", "page_title", "created_at", "decided_at"]
    list_filter = ["status", "ask"]
    list_select_related = ["item__gallery", "photo"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"
    change_form_template = "admin/galleries/personrequest/change_form.html"
    fieldsets = [
        (None, {"fields": ["reference", "status", "created_at", "photo_preview", "where"]}),
        ("The request", {"fields": ["ask", "details", "caption_filed", "current_caption"]}),
        ("Who asked (never shown to readers)", {"fields": ["name", "relation", "email"]}),
        ("Decision", {"fields": ["decision_note", "decided_by", "decided_at"]}),
    ]
    readonly_fields = ["photo_preview", "where", "current_caption"]

    def get_queryset(self, request):
        # Open requests first, the desk's work; then the newest.
        waiting = Case(When(status=PersonRequest.Status.OPEN, then=Value(0)), default=Value(1))
        return (
            super()
            .get_queryset(request)
            .select_related("item__gallery", "photo", "decided_by")
            .prefetch_related("photo__renditions")
            .annotate(waiting=waiting)
            .order_by("waiting", "-created_at", "-id")
        )

    def get_object(self, request, object_id, from_field=None):
        # The change page asks twice (its decisions, then Django's form); one query answers both.
        cached = getattr(request, "loupe_person_request", None)
        if cached is None or str(cached.pk) != str(object_id):
            cached = super().get_object(request, object_id, from_field)
            request.loupe_person_request = cached
        return cached

    def has_module_permission(self, request):
        return can_handle_requests(request.user)

    def has_view_permission(self, request, obj=None):
        return can_handle_requests(request.user)

    # Read-only: a request changes only by a decision (below), never by editing what the person wrote.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<int:object_id>/decide/", decide, name="galleries_personrequest_decide"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        person_request = self.get_object(request, object_id)
        extra = {"person_request": person_request, **(extra_context or {})}
        if person_request is not None and person_request.status == PersonRequest.Status.OPEN:
            extra["decide_url"] = reverse("admin:galleries_personrequest_decide", args=[person_request.pk])
            extra["blur_url"] = blur_editor_url(person_request)
            extra["captions_url"] = (
                reverse("admin:galleries_gallery_captions", args=[person_request.item.gallery_id])
                if person_request.item_id
                else ""
            )
        return super().change_view(request, object_id, form_url, extra)

    @admin.display(description="Photo")
    def photo_preview(self, person_request: PersonRequest) -> str:
        return thumbnail(person_request.photo, width=320) if person_request.photo_id else "No longer in the library."

    @admin.display(description="Where")
    def where(self, person_request: PersonRequest) -> str:
        item = person_request.item
        if item is None:
            return person_request.page_title
        return format_html(
            '<a href="{}">{}</a> (<a href="{}">the gallery in the admin</a>)',
            item.get_absolute_url(),
            person_request.page_title,
            reverse("admin:galleries_gallery_change", args=[item.gallery_id]),
        )

    @admin.display(description="Caption now")
    def current_caption(self, person_request: PersonRequest) -> str:
        return person_request.item.caption if person_request.item_id else ""

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return _decide(request, object_id)


@require_POST
def _decide(request: HttpRequest, object_id: int) -> HttpResponse:
    if not can_handle_requests(request.user):
        raise PermissionDenied
    person_request = get_object_or_404(PersonRequest, pk=object_id)
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "").strip()
    try:
        if decision == "blur":
            blur_for_request(person_request=person_request, by=request.user, note=note)
        elif decision == "take_down":
            take_down_for_request(
                person_request=person_request, by=request.user, note=note, hide_item=bool(request.POST.get("hide_item"))
            )
        elif decision == "caption":
            correct_caption_for_request(person_request=person_request, by=request.user, note=note)
        elif decision == "decline":
            decline_request(person_request=person_request, by=request.user, reason=note)
        else:
            raise RequestRefused("Choose a decision.")
    except RequestRefused as refusal:
        messages.error(request, str(refusal))
    else:
        person_request.refresh_from_db(fields=["status"])
        messages.success(
            request, f"{person_request}: {person_request.get_status_display().lower()}. The requester is told by mail."
        )
    return redirect(reverse("admin:galleries_personrequest_change", args=[object_id]))


def blur_editor_url(person_request: PersonRequest) -> str:
    if not person_request.photo_id:
        return ""
    return (
        f"{reverse('admin:galleries_photo_change', args=[person_request.photo_id])}?{FROM_REQUEST}={person_request.pk}"
    )


class BlurFromRequestMixin:
    """For the photo admin: a blur saved in the redaction editor opened from a request closes that request.

    It runs once the photo admin has saved the photo and re-framed it (its old public files down, new ones
    queued), in the same transaction."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pk = request.GET.get(FROM_REQUEST, "")
        if pk.isascii() and pk.isdigit() and can_handle_requests(request.user):
            person_request = PersonRequest.objects.open().filter(pk=pk, photo_id=object_id).first()
            extra_context = {**(extra_context or {}), "blurring_for": person_request}
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        pk = request.GET.get(FROM_REQUEST, "")
        if not (isinstance(response, HttpResponseRedirect) and pk.isascii() and pk.isdigit()):
            return response
        person_request = PersonRequest.objects.filter(pk=pk, photo=obj, status=PersonRequest.Status.OPEN).first()
        if person_request is None or not can_handle_requests(request.user):
            return response
        try:
            blur_for_request(person_request=person_request, by=request.user)
        except RequestRefused as refusal:
            self.message_user(request, str(refusal), messages.WARNING)
            return response
        self.message_user(
            request, f"{person_request} closed as blurred; the requester is told by mail.", messages.SUCCESS
        )
        return redirect(reverse("admin:galleries_personrequest_change", args=[person_request.pk]))
