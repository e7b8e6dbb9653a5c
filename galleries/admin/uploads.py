import json
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse

from galleries.access import can_change_attribution, photos_visible_to, request_rerender
from galleries.admin.thumbnails import thumbnail
from galleries.ingest import UploadRejected, atomic_ingest, ingest_photo
from galleries.library import AppendOrder, Dropped, append_photos
from galleries.models import Gallery, Item, Photo

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoFilesField(forms.FileField):
    """Any number of photo files from one input; each is checked when it is ingested, so one bad file never
    refuses the others."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotoFilesField, self).clean(file, initial) for file in files]


class UploadsMixin:
    """Bulk upload into a gallery: one file per request so each file has its own progress and its own error."""

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
        wants_json = "application/json" in request.headers.get("Accept", "")
        dropped, errors = ingest_files(request, files)
        if wants_json:
            if errors:
                return JsonResponse({"ok": False, "name": errors[0][0], "error": errors[0][1]}, status=400)
            result, name = dropped[0] if dropped else (None, "")
            if result is None:
                return JsonResponse({"ok": False, "error": "No file was sent."}, status=400)
            return JsonResponse(
                {"ok": True, "name": name, "photo": result.photo.pk, "created": result.created}, status=201
            )
        self.add_dropped(request, gallery, dropped, errors, order=request.POST.get("order", AppendOrder.NAME))
        return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]) + "#items")

    def add_dropped(self, request: HttpRequest, gallery: Gallery, dropped, errors, *, order: str) -> None:
        items = append_photos(
            gallery=gallery,
            dropped=[Dropped(photo=result.photo, name=name) for result, name in dropped],
            order=order if order in (AppendOrder.NAME, AppendOrder.TAKEN) else AppendOrder.NAME,
            by=request.user,
        )
        if items:
            added = f"{len(items)} photo{pluralize(len(items))} added to the gallery."
            self.message_user(request, added, messages.SUCCESS)
        for name, message in errors:
            self.message_user(request, f"“{name}” could not be added: {message}", messages.ERROR)

    def add_view(self, request, form_url="", extra_context=None):
        # The add form takes photos with the gallery: their originals are written inside the admin's
        # transaction, and this block removes them again if that transaction rolls back.
        if request.method == "POST" and request.FILES:
            with atomic_ingest():
                return super().add_view(request, form_url, extra_context)
        return super().add_view(request, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        # A photographer making a gallery is, nearly always, its photographer.
        initial = super().get_changeform_initial_data(request)
        photographer = getattr(request.user, "photographer", None)
        if photographer is not None:
            initial.setdefault("photographers", [photographer.pk])
        return initial

    def save_new_gallery_files(self, request: HttpRequest, form) -> None:
        """Photos dropped on the add form become the new gallery's first items."""
        files = form.cleaned_data.get("upload_files") or []
        if files:
            dropped, errors = ingest_files(request, files)
            order = form.cleaned_data.get("upload_order") or AppendOrder.NAME
            self.add_dropped(request, form.instance, dropped, errors, order=order)
        gallery = form.instance
        if gallery.cover_id is None:
            # The first photo stands in as the cover until someone picks another.
            first = gallery.items.order_by("position", "id").first()
            if first is not None:
                gallery.cover_id = first.photo_id
                gallery.save(update_fields=["cover"])

    def status_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Each item's photo state, polled by the gallery page until every photo is ready or failed."""
        gallery = self._gallery_for_change(request, object_id)
        rows = gallery.items.order_by("position", "id").values_list(
            "pk", "photo_id", "photo__state", "photo__state_reason"
        )
        labels = dict(Photo.State.choices)
        return JsonResponse(
            {
                "items": [
                    {"item": item, "photo": photo, "state": state, "label": labels[state], "reason": reason}
                    for item, photo, state, reason in rows
                ]
            },
            headers={"Cache-Control": "private, no-store"},
        )

    def retry_view(self, request: HttpRequest, object_id: int, photo_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        gallery = self._check_upload_allowed(request, object_id)
        photo = Photo.objects.filter(pk=photo_id, items__gallery=gallery, state=Photo.State.FAILED).first()
        if photo is None:
            return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]) + "#items-group")
        queued, refused = request_rerender(photos=[photo], by=request.user)
        if queued:
            self.message_user(request, f"“{photo}” is queued to be processed again.", messages.SUCCESS)
        elif refused:
            self.message_user(request, f"Only an editor or its photographer can try “{photo}” again.", messages.ERROR)
        return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]) + "#items-group")

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
        known = dict(photos_visible_to(request.user).filter(sha256__in=hashes).values_list("sha256", "pk"))
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
        # Only photos this person may see; SQLite overflows past 64 bits.
        photos = photos_visible_to(request.user).in_bulk([pk for pk in names if 0 < pk < 2**63])
        items = append_photos(
            gallery=gallery,
            dropped=[Dropped(photo=photo, name=names[pk]) for pk, photo in photos.items()],
            order=order,
            by=request.user,
        )
        return JsonResponse({"added": len(items), "skipped": len(names) - len(items)})


def ingest_files(request: HttpRequest, files) -> tuple[list, list[tuple[str, str]]]:
    """Each file to a library photo credited to the uploader's photographer; refused files are reported by name."""
    photographer = getattr(request.user, "photographer", None)
    dropped, errors = [], []
    for upload in files:
        try:
            # Refused before reading: a huge file should not be loaded into memory only to be rejected.
            if upload.size > settings.LOUPE_UPLOAD_MAX_BYTES:
                raise ValidationError(
                    f"The file is larger than the {settings.LOUPE_UPLOAD_MAX_BYTES // (1024 * 1024)} MB limit."
                )
            result = ingest_photo(
                data=upload.read(),
                filename=upload.name,
                uploaded_by=request.user,
                photographer=photographer,
                # An Artist tag naming another photographer must not credit them with this upload.
                credit_from_metadata=can_change_attribution(request.user),
            )
        except ValidationError as error:
            errors.append((upload.name, " ".join(error.messages)))
            continue
        except UploadRejected as error:
            errors.append((upload.name, str(error)))
            continue
        if not result.created and not photos_visible_to(request.user).filter(pk=result.photo.pk).exists():
            # The same file is someone else's unpublished photo: its captions and place are not theirs to take.
            errors.append((upload.name, "This photo is already in the library; ask a picture editor to add it."))
            continue
        dropped.append((result, upload.name))
    return dropped, errors


def photo_cell(item: Item) -> str:
    """An item's photo in the gallery's items table: the thumbnail, and the photo's state until it is ready."""
    return render_to_string(
        "admin/galleries/gallery/includes/item_photo.html",
        {"item": item, "photo": item.photo, "thumbnail": thumbnail(item.photo), "State": Photo.State},
    )
