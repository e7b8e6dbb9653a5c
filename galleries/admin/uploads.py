import json
import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse

from galleries.access import can_change_attribution, photos_visible_to
from galleries.ingest import UploadRejected, ingest_photo
from galleries.library import AppendOrder, Dropped, append_photos
from galleries.models import Gallery

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


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
