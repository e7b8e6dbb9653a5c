import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from galleries.models import AuditEvent, Photographer
from tests.factories import GalleryFactory, PhotoFactory, PhotographerFactory


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (500, 400), (30, 120, 90))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "Editing Software 1.0"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_change_page_shows_their_photos_and_galleries(client, editor):
    photographer = PhotographerFactory()
    photo = PhotoFactory(photographer=photographer, headline="Morning market")
    gallery = GalleryFactory(title="Market days")
    gallery.photographers.add(photographer)
    client.force_login(editor)
    html = client.get(reverse("admin:galleries_photographer_change", args=[photographer.pk])).content.decode()
    assert "Morning market" in html
    assert reverse("admin:galleries_photo_change", args=[photo.pk]) in html
    assert "Market days" in html


def test_portrait_is_reencoded_without_metadata(client, editor, settings):
    client.force_login(editor)
    upload = SimpleUploadedFile("me.jpg", jpeg_with_exif(), "image/jpeg")
    data = {"name": "Ada Lens", "slug": "ada-lens", "portrait": upload}
    response = client.post(reverse("admin:galleries_photographer_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    photographer = Photographer.objects.get(slug="ada-lens")
    with photographer.portrait.open("rb") as stored:
        data = stored.read()
    assert b"SecretCam" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()


def test_portrait_that_is_not_a_picture_is_refused(client, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile("me.jpg", b"not a picture", "image/jpeg")
    response = client.post(reverse("admin:galleries_photographer_add"), {"name": "A", "slug": "a", "portrait": upload})
    assert response.status_code == 200
    assert not Photographer.objects.exists()


def test_audit_log_is_read_only(client, editor):
    event = AuditEvent.objects.create(action="gallery.submitted", target_repr="A gallery")
    client.force_login(editor)
    url = reverse("admin:galleries_auditevent_change", args=[event.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    client.post(url, {"action": "gallery.deleted"})
    assert (
        client.post(reverse("admin:galleries_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    event.refresh_from_db()
    assert event.action == "gallery.submitted"


def test_audit_log_refused_to_photographer(client, photographer_user):
    client.force_login(photographer_user)
    assert client.get(reverse("admin:galleries_auditevent_changelist")).status_code == 403
