import pytest
from django.urls import reverse

from galleries.models import Photo
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory, PhotographerFactory

CHANGELIST = "admin:galleries_photo_changelist"


def listed(client, **params) -> set[Photo]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_search_finds_photos_by_keyword_photographer_and_item_caption(client, editor):
    by_keyword = PhotoFactory(keywords=["harvest", "drought"])
    by_name = PhotoFactory(photographer=PhotographerFactory(name="Amaka Okafor"))
    by_item = ItemFactory(caption="The river rose overnight.").photo
    PhotoFactory(headline="Nothing to see")
    client.force_login(editor)
    assert listed(client, q="drought") == {by_keyword}
    assert listed(client, q="okafor") == {by_name}
    assert listed(client, q="river rose") == {by_item}


def test_filters_by_use_state_and_photographer(client, editor):
    used = ItemFactory().photo
    unused = PhotoFactory(state=Photo.State.FAILED)
    client.force_login(editor)
    assert listed(client, used="yes") == {used}
    assert listed(client, used="no") == {unused}
    assert listed(client, state="failed") == {unused}
    assert listed(client, photographer__id__exact=used.photographer_id) == {used}


def test_change_page_lists_galleries_using_the_photo_and_file_metadata(client, editor):
    photo = PhotoFactory(imported_metadata={"exif": {"Model": "X100V"}}, removed_metadata=["GPSInfo"])
    gallery = GalleryFactory(title="Flood season")
    ItemFactory(gallery=gallery, photo=photo)
    client.force_login(editor)
    html = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).content.decode()
    assert reverse("admin:galleries_gallery_change", args=[gallery.pk]) in html
    assert "Flood season" in html
    assert "X100V" in html
    assert "GPSInfo" in html


def test_deleting_a_used_photo_is_refused_with_the_galleries(client, editor):
    photo = ItemFactory(gallery=GalleryFactory(title="Flood season")).photo
    client.force_login(editor)
    response = client.post(reverse("admin:galleries_photo_delete", args=[photo.pk]), {"post": "yes"}, follow=True)
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert "cannot be deleted: it is used in “Flood season”" in response.content.decode()


def test_bulk_delete_refuses_when_any_photo_is_used(client, editor):
    used = ItemFactory(gallery=GalleryFactory(title="Flood season")).photo
    unused = PhotoFactory()
    client.force_login(editor)
    data = {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"}
    response = client.post(reverse(CHANGELIST), data, follow=True)
    assert Photo.objects.count() == 2
    assert "used in “Flood season”" in response.content.decode()


def test_bulk_delete_of_unused_photos_works(client, editor):
    unused = PhotoFactory()
    client.force_login(editor)
    data = {"action": "delete_selected", "_selected_action": [unused.pk], "post": "yes"}
    client.post(reverse(CHANGELIST), data)
    assert not Photo.objects.exists()


def photo_form_data(client, url: str) -> dict:
    """The photo's change form as the browser would post it back."""
    form = client.get(url).context["adminform"].form
    return {name: form[name].value() for name in form.fields if form[name].value() is not None}


def test_redactions_must_be_areas_inside_the_photo(client, editor):
    photo = PhotoFactory()
    client.force_login(editor)
    url = reverse("admin:galleries_photo_change", args=[photo.pk])
    data = photo_form_data(client, url)
    data.update(keywords="flood", redactions='[{"x": 0.8, "y": 0.1, "w": 0.5, "h": 0.1}]', focal_x=0.3)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "stay inside the photo" in response.content.decode()
    data["redactions"] = '[{"x": 0.1, "y": 0.1, "w": 0.5, "h": 0.1}]'
    assert client.post(url, data).status_code == 302
    photo.refresh_from_db()
    assert (photo.focal_x, photo.redactions, photo.keywords) == (
        0.3,
        [{"x": 0.1, "y": 0.1, "w": 0.5, "h": 0.1}],
        ["flood"],
    )


def test_keywords_are_typed_as_words_separated_by_commas_and_lose_control_characters(client, editor):
    photo = PhotoFactory()
    client.force_login(editor)
    url = reverse("admin:galleries_photo_change", args=[photo.pk])
    page = client.get(url).text
    assert 'class="loupe-tags' in page
    assert '<textarea name="redactions"' not in page  # blur areas come from the blur tool only
    data = photo_form_data(client, url)
    data.update(keywords="flo\x00od, \x0b, dawn\nlight, Flood", redactions="[]")

    assert client.post(url, data).status_code == 302

    photo.refresh_from_db()
    assert photo.keywords == ["flood", "dawn light"]


@pytest.mark.parametrize("size", [5, 30])
def test_photo_list_queries_do_not_grow(client, editor, django_assert_num_queries, size):
    for _ in range(size):
        PhotoFactory()
    client.force_login(editor)
    client.get(reverse(CHANGELIST))
    # Session, user, the user's and groups' permissions (2), the photographer filter's choices, the filtered
    # and total counts (2), the page of photos with photographer and use count, their renditions.
    with django_assert_num_queries(PHOTO_LIST_QUERIES):
        client.get(reverse(CHANGELIST))


PHOTO_LIST_QUERIES = 9


def test_photo_library_refused_to_reader(client, reader):
    client.force_login(reader)
    assert client.get(reverse(CHANGELIST)).status_code == 302


def test_moderator_cannot_see_the_photo_library(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_the_time_taken_is_entered_in_the_named_newsroom_time_zone(client, editor, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    photo = PhotoFactory()
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).text
    assert "Newsroom time (Asia/Kolkata)." in page
