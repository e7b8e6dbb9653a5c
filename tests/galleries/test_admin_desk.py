"""The editors' desk: a gallery starts with its photos, items show their photos' state until ready."""

import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from galleries.models import Gallery, Photo
from tests.factories import (
    GalleryFactory,
    PhotoFactory,
    PhotographerFactory,
    UserFactory,
    jpeg_bytes,
    published_gallery,
)
from tests.galleries.test_admin import change_form_data

pytestmark = pytest.mark.django_db


def jpeg_file(name: str, shade: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(size=(400, 300), color=(shade, 90, 200 - shade)), "image/jpeg")


def test_a_new_gallery_is_made_with_the_photos_dropped_on_its_add_form(client, photographer_user):
    client.force_login(photographer_user)
    page = client.get(reverse("admin:galleries_gallery_add"))
    assert 'enctype="multipart/form-data"' in page.text
    assert 'name="upload_files"' in page.text
    assert "Add library photos" not in page.text  # no IDs to type on a gallery that does not exist yet

    response = client.post(
        reverse("admin:galleries_gallery_add"),
        {
            "title": "Harbour at dawn",
            "slug": "harbour-at-dawn",
            "kind": Gallery._meta.get_field("kind").default,
            "comment_mode": Gallery._meta.get_field("comment_mode").default,
            "presentation": Gallery._meta.get_field("presentation").default,
            "upload_files": [
                jpeg_file("dawn-10.jpg", 10),
                jpeg_file("dawn-2.jpg", 20),
                SimpleUploadedFile("bad.jpg", b"not a photo", "image/jpeg"),
            ],
            "upload_order": "name",
            **inline_management(),
        },
        follow=True,
    )

    gallery = Gallery.objects.get(slug="harbour-at-dawn")
    names = [item.photo.original_filename for item in gallery.items.order_by("position")]
    assert names == ["dawn-2.jpg", "dawn-10.jpg"]
    assert gallery.cover_id == gallery.items.order_by("position").first().photo_id
    assert "2 photos added" in response.text
    assert "“bad.jpg” could not be added" in response.text


def inline_management() -> dict:
    data = {}
    for prefix in ("items", "corrections", "links", "faq_entries"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_bad_files_alone_still_make_the_gallery_and_say_why(client, editor):
    client.force_login(editor)
    bad = SimpleUploadedFile("bad.jpg", b"not a photo", "image/jpeg")
    response = client.post(
        reverse("admin:galleries_gallery_add"),
        {
            "title": "Empty start",
            "slug": "empty-start",
            "kind": Gallery._meta.get_field("kind").default,
            "comment_mode": Gallery._meta.get_field("comment_mode").default,
            "presentation": Gallery._meta.get_field("presentation").default,
            "upload_files": [bad],
            **inline_management(),
        },
        follow=True,
    )
    assert Gallery.objects.filter(slug="empty-start").exists()
    assert "“bad.jpg” could not be added" in response.text


def test_the_upload_area_sits_above_the_gallery_form(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text
    assert page.index('id="upload"') < page.index('id="gallery_form"')


def test_status_endpoint_reports_each_items_photo_state(client, editor):
    gallery = GalleryFactory(items=2)
    first, second = gallery.items.order_by("position")
    Photo.objects.filter(pk=second.photo_id).update(state=Photo.State.FAILED, state_reason="The file is truncated.")
    client.force_login(editor)

    answer = client.get(reverse("admin:galleries_gallery_status", args=[gallery.pk])).json()

    assert [entry["item"] for entry in answer["items"]] == [first.pk, second.pk]
    assert answer["items"][1] == {
        "item": second.pk,
        "photo": second.photo_id,
        "state": "failed",
        "label": "Failed",
        "reason": "The file is truncated.",
    }


def test_status_of_a_gallery_you_cannot_edit_is_refused(client, photographer_user):
    gallery = GalleryFactory(items=1)
    client.force_login(photographer_user)
    assert client.get(reverse("admin:galleries_gallery_status", args=[gallery.pk])).status_code == 403


def test_a_failed_item_says_why_and_offers_a_retry_that_queues_it_again(client, editor):
    gallery = GalleryFactory(items=1)
    photo = gallery.items.get().photo
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.FAILED, state_reason="The file is truncated.")
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text
    retry = reverse("admin:galleries_gallery_retry", args=[gallery.pk, photo.pk])
    assert "The file is truncated." in page
    assert f'formaction="{retry}"' in page

    response = client.post(retry)

    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.state != Photo.State.FAILED


def test_retry_leaves_photos_outside_the_gallery_alone(client, editor):
    gallery = GalleryFactory(items=1)
    stranger = PhotoFactory()
    Photo.objects.filter(pk=stranger.pk).update(state=Photo.State.FAILED)
    client.force_login(editor)
    client.post(reverse("admin:galleries_gallery_retry", args=[gallery.pk, stranger.pk]))
    stranger.refresh_from_db()
    assert stranger.state == Photo.State.FAILED


# The photo picker ------------------------------------------------------------------------------------------


def picked(client, gallery, **query) -> set[int]:
    response = client.get(reverse("admin:galleries_gallery_library", args=[gallery.pk]), query)
    assert response.status_code == 200
    return {photo.pk for photo, *_ in response.context["cards"]}


def test_picker_finds_photos_by_caption_photographer_keyword_and_date(client, editor):
    gallery = GalleryFactory()
    flood = PhotoFactory(caption="Water reaches the school steps.", photographer=PhotographerFactory(name="Ines Ruiz"))
    harvest = PhotoFactory(keywords=["harvest", "hay"], taken_at=datetime(2024, 8, 2, 10, tzinfo=UTC))
    old = PhotoFactory(taken_at=datetime(2019, 1, 5, 10, tzinfo=UTC))
    client.force_login(editor)

    assert picked(client, gallery, q="school") == {flood.pk}
    assert picked(client, gallery, q="ruiz") == {flood.pk}
    assert picked(client, gallery, q="HAY") == {harvest.pk}
    assert picked(client, gallery, taken_from="2024-01-01") == {harvest.pk}
    assert picked(client, gallery, taken_to="2020-01-01") == {old.pk}
    page = client.get(reverse("admin:galleries_gallery_library", args=[gallery.pk])).text
    assert 'type="checkbox" name="photos"' in page
    assert "loupe-thumb" in page


def test_photographer_picks_only_from_their_own_and_published_photos(client, photographer_user):
    mine = PhotoFactory(photographer=PhotographerFactory(user=photographer_user))
    public = published_gallery(items=1).items.get().photo
    someone_elses = PhotoFactory()
    gallery = GalleryFactory(created_by=photographer_user)
    client.force_login(photographer_user)

    assert picked(client, gallery) == {mine.pk, public.pk}
    client.post(reverse("admin:galleries_gallery_library", args=[gallery.pk]), {"photos": [someone_elses.pk]})
    assert not gallery.items.exists()


def test_photos_already_in_the_gallery_cannot_be_ticked_again(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_gallery_library", args=[gallery.pk])).text
    assert "already in this gallery" in page


def test_the_cover_is_chosen_from_thumbnails_of_the_gallerys_photos(client, editor):
    gallery = GalleryFactory(items=2)
    second = gallery.items.order_by("position").last().photo
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text
    assert page.count('type="radio" name="cover"') == 3  # no cover, and each photo
    assert "loupe-cover-picker" in page

    data = change_form_data(client, gallery, cover=str(second.pk))
    assert client.post(reverse("admin:galleries_gallery_change", args=[gallery.pk]), data).status_code == 302
    gallery.refresh_from_db()
    assert gallery.cover == second


def test_save_and_submit_saves_the_captions_then_submits_in_one_click(client, photographer_user):
    gallery = GalleryFactory(items=1, created_by=photographer_user)
    item = gallery.items.get()
    client.force_login(photographer_user)
    page = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text
    assert 'name="_save_and_submit"' in page

    data = change_form_data(client, gallery, _save_and_submit="1")
    data["items-0-caption"] = "Boats wait for the tide."
    data["items-0-alt_text"] = "Three fishing boats on mud at low tide."
    response = client.post(reverse("admin:galleries_gallery_change", args=[gallery.pk]), data, follow=True)

    gallery.refresh_from_db()
    item.refresh_from_db()
    assert item.caption == "Boats wait for the tide."
    assert gallery.status == Gallery.Status.IN_REVIEW, response.text
    assert "Saved and submitted for review" in response.text


def test_publish_time_names_the_newsroom_time_zone(client, editor, settings):
    settings.TIME_ZONE = "Europe/Oslo"
    gallery = GalleryFactory(items=1, status=Gallery.Status.IN_REVIEW)
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text
    assert "Newsroom time (Europe/Oslo)" in page


def test_view_on_site_of_a_draft_opens_its_preview(client, editor):
    draft = GalleryFactory(items=1)
    published = published_gallery(items=1)
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_gallery_change", args=[draft.pk])).text
    assert f'href="/preview/{draft.pk}/" class="viewsitelink"' in page
    page = client.get(reverse("admin:galleries_gallery_change", args=[published.pk])).text
    assert f"/galleries/{published.slug}/" in client.get(viewsite_href(page)).url


def viewsite_href(page: str) -> str:
    return re.search(r'href="([^"]+)" class="viewsitelink"', page).group(1)


def test_history_shows_workflow_steps_beside_field_edits(client, photographer_user, editor):
    gallery = GalleryFactory(items=1, created_by=photographer_user, dek="A dek.")
    client.force_login(photographer_user)
    client.post(reverse("admin:galleries_gallery_transition", args=[gallery.pk, "submit"]))
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_gallery_history", args=[gallery.pk])).text
    assert "Audit log" in page
    assert "Draft → In review" in page
    assert "gallery.submitted" not in page


def test_new_gallery_credits_the_signed_in_photographer_and_corrections_are_plural(client, photographer_user):
    photographer = PhotographerFactory(user=photographer_user)
    client.force_login(photographer_user)
    form = client.get(reverse("admin:galleries_gallery_add")).context["adminform"].form
    assert form.initial["photographers"] == [photographer.pk]
    gallery = published_gallery(items=1)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text
    assert "Corrections (“Updated:” notes)" in page
