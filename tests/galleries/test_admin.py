import re

import pytest
from django.urls import reverse

from galleries.models import Gallery, Item
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory, PhotographerFactory


def change_url(gallery: Gallery) -> str:
    return reverse("admin:galleries_gallery_change", args=[gallery.pk])


def change_form_data(client, gallery: Gallery, **changes) -> dict:
    """The change form as the browser would post it back, with `changes` applied."""
    response = client.get(change_url(gallery))
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        formset = formset.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if value is not None and not isinstance(value, bool):
                    data[form.add_prefix(name)] = value
    data.update(changes)
    return data


def test_editor_sees_items_in_position_order_with_move_buttons(client, editor):
    gallery = GalleryFactory()
    ItemFactory(gallery=gallery, position=1, headline="Second")
    ItemFactory(gallery=gallery, position=0, headline="First")
    client.force_login(editor)
    response = client.get(change_url(gallery))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("First") < html.index("Second")
    assert html.count('class="loupe-move"') == 4
    assert 'src="/static/loupe/admin/gallery.js"' in html
    # The page is CSP-clean: no inline handlers from us.
    assert "onclick=" not in html


def test_move_button_without_javascript_reorders_items(client, editor):
    gallery = GalleryFactory(items=3)
    first, second, third = gallery.items.order_by("position")
    client.force_login(editor)
    response = client.post(change_url(gallery), change_form_data(client, gallery, _move=f"{third.pk}:up"))
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(gallery.items.order_by("position").values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]


def test_position_field_sets_the_order_and_is_renumbered(client, editor):
    gallery = GalleryFactory(items=3)
    first, second, third = gallery.items.order_by("position")
    client.force_login(editor)
    data = change_form_data(client, gallery)
    data["items-0-position"] = 7
    response = client.post(change_url(gallery), data)
    assert response.status_code == 302
    assert list(gallery.items.order_by("position").values_list("pk", "position")) == [
        (second.pk, 0),
        (third.pk, 1),
        (first.pk, 2),
    ]


def test_save_bumps_version_and_never_writes_status(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    data = change_form_data(client, gallery, title="A new title", status="published")
    response = client.post(change_url(gallery), data)
    assert response.status_code == 302
    gallery.refresh_from_db()
    assert (gallery.title, gallery.status, gallery.version) == ("A new title", Gallery.Status.DRAFT, 2)


def test_stale_save_is_refused_and_overwrites_nothing(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    stale = change_form_data(client, gallery, title="Mine")
    Gallery.objects.filter(pk=gallery.pk).update(title="Theirs", version=2)
    response = client.post(change_url(gallery), stale)
    assert response.status_code == 200
    assert "Someone else saved this gallery" in response.content.decode()
    gallery.refresh_from_db()
    assert (gallery.title, gallery.version) == ("Theirs", 2)


def test_thumbnail_shows_processing_state_until_renditions_exist(client, editor):
    gallery = GalleryFactory()
    ItemFactory(gallery=gallery, photo=PhotoFactory(state="processing"))
    client.force_login(editor)
    html = client.get(change_url(gallery)).content.decode()
    assert 'loupe-state--processing">Processing' in html


def test_library_photos_ticked_in_the_picker_are_appended(client, editor):
    gallery = GalleryFactory(items=1)
    photos = [PhotoFactory(), PhotoFactory()]
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_library", args=[gallery.pk])
    assert client.post(url, {"photos": [photos[1].pk, photos[0].pk]}).status_code == 302
    assert [item.photo for item in gallery.items.order_by("position")][1:] == [photos[1], photos[0]]


def test_cover_choices_are_the_gallerys_own_photos(client, editor):
    gallery = GalleryFactory(items=2)
    PhotoFactory()
    client.force_login(editor)
    form = client.get(change_url(gallery)).context["adminform"].form
    assert set(form.fields["cover"].queryset) == {item.photo for item in gallery.items.all()}


@pytest.mark.parametrize("size", [10, 100])
def test_change_page_queries_do_not_grow_with_items(client, editor, django_assert_num_queries, size):
    gallery = GalleryFactory(items=size)
    client.force_login(editor)
    client.get(change_url(gallery))
    # Session, user, editor check, the user's and groups' permissions (2), the gallery, its photographers,
    # its tags and photographers as selected values (2), corrections, items with their photos and gallery,
    # their renditions (1, prefetched), links, FAQ entries, the photographers, section, tags and cover
    # choices (4), the cover choices' renditions for their thumbnails (1), the audit content type and events (2),
    # the workflow's readiness check of the items (1), whether readers can see it, for "View on site" (1).
    # Twenty-three, whether 10 items or 100.
    with django_assert_num_queries(QUERIES_ON_CHANGE_PAGE):
        response = client.get(change_url(gallery))
    assert response.status_code == 200
    assert len(re.findall(r'name="items-\d+-headline"', response.content.decode())) == size


QUERIES_ON_CHANGE_PAGE = 23


def test_photographer_edits_own_draft(client, photographer_user):
    gallery = GalleryFactory(created_by=photographer_user, items=1)
    client.force_login(photographer_user)
    response = client.post(change_url(gallery), change_form_data(client, gallery, title="Mine"))
    assert response.status_code == 302
    gallery.refresh_from_db()
    assert gallery.title == "Mine"


def test_photographer_sees_galleries_credited_to_them(client, photographer_user):
    credited = GalleryFactory()
    credited.photographers.add(PhotographerFactory(user=photographer_user))
    other = GalleryFactory()
    client.force_login(photographer_user)
    response = client.get(reverse("admin:galleries_gallery_changelist"))
    assert list(response.context["cl"].result_list) == [credited]
    assert client.get(change_url(other)).status_code == 302  # "does not exist" redirect, nothing shown


def test_photographer_cannot_edit_own_gallery_in_review(client, photographer_user):
    gallery = GalleryFactory(created_by=photographer_user, in_review=True, items=1)
    client.force_login(photographer_user)
    response = client.get(change_url(gallery))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    response = client.post(change_url(gallery), {"title": "Sneaky"})
    assert response.status_code == 403
    gallery.refresh_from_db()
    assert gallery.title != "Sneaky"


def test_reader_is_refused(client, reader):
    gallery = GalleryFactory()
    client.force_login(reader)
    response = client.get(change_url(gallery))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_captions_grid_saves_all_items_at_once(client, editor):
    gallery = GalleryFactory(items=3)
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_captions", args=[gallery.pk])
    response = client.get(url)
    assert response.status_code == 200
    formset = response.context["formset"]
    data = {f"form-{key}": value for key, value in formset.management_form.initial.items()}
    data["version"] = gallery.version
    for index, item in enumerate(gallery.items.order_by("position")):
        data[f"form-{index}-id"] = item.pk
        data[f"form-{index}-headline"] = f"Headline {index}"
        data[f"form-{index}-caption"] = f"Caption {index}."
        data[f"form-{index}-alt_text"] = f"Alt {index}."
    response = client.post(url, data)
    assert response.status_code == 302
    assert list(gallery.items.order_by("position").values_list("headline", "caption", "alt_text")) == [
        (f"Headline {i}", f"Caption {i}.", f"Alt {i}.") for i in range(3)
    ]
    gallery.refresh_from_db()
    assert gallery.version == 2


def test_captions_grid_refuses_a_stale_save(client, editor):
    gallery = GalleryFactory(items=1)
    item = gallery.items.get()
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_captions", args=[gallery.pk])
    data = {
        "form-TOTAL_FORMS": 1,
        "form-INITIAL_FORMS": 1,
        "version": 1,
        "form-0-id": item.pk,
        "form-0-headline": "Mine",
        "form-0-caption": "",
        "form-0-alt_text": "",
    }
    Gallery.objects.filter(pk=gallery.pk).update(version=5)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "your changes were not saved" in response.content.decode()
    item.refresh_from_db()
    assert item.headline != "Mine"


def test_captions_grid_posted_after_a_photo_left_the_gallery_says_so(client, editor):
    gallery = GalleryFactory(items=2)
    first, second = gallery.items.order_by("position")
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_captions", args=[gallery.pk])
    data = {"form-TOTAL_FORMS": 2, "form-INITIAL_FORMS": 2, "version": gallery.version}
    for index, item in enumerate((first, second)):
        data |= {f"form-{index}-id": item.pk, f"form-{index}-headline": f"Mine {index}"}
        data |= {f"form-{index}-caption": "", f"form-{index}-alt_text": ""}
    second.delete()

    response = client.post(url, data)

    assert response.status_code == 200
    assert "A photo was taken out of the gallery after this grid was opened" in response.text
    first.refresh_from_db()
    assert first.headline != "Mine 0"


def test_revision_page_of_an_id_that_is_not_a_number_is_not_found(client, editor):
    client.force_login(editor)
    assert client.get("/admin/galleries/gallery/abc/history/1/").status_code == 404


def test_captions_grid_refused_to_other_photographer(client, photographer_user):
    gallery = GalleryFactory(items=1)
    client.force_login(photographer_user)
    response = client.get(reverse("admin:galleries_gallery_captions", args=[gallery.pk]))
    assert response.status_code == 403


def test_items_keep_their_order_field(db):
    gallery = GalleryFactory(items=2)
    assert [item.number for item in Item.objects.filter(gallery=gallery)] == [1, 2]
