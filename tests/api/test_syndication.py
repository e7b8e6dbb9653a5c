"""Partners are given only photos whose usage rights allow syndication; readers' apps get every public photo.
A photo taken down is in no answer at all."""

import pytest

from api import representation
from galleries.takedowns import take_down_photo
from tests.factories import published_gallery

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery():
    """Two photos: the first (the cover) with no usage rights recorded, the second a staff photo."""
    gallery = published_gallery(items=2)
    _, second = (item.photo for item in gallery.items.order_by("position"))
    second.rights_category = "staff"
    second.save()
    return gallery


def test_a_partner_gets_the_item_without_a_photo_it_may_not_use(client, gallery, partner):
    body = client.get(f"/api/v1/galleries/{gallery.slug}/", **partner).json()
    first, second = body["items"]
    assert first["photo"] is None
    assert first["withheld"] == representation.WITHHELD
    assert first["headline"] and first["caption"]
    assert second["photo"] is not None and second["withheld"] is None
    # The restricted photo is the cover: no cover, and the social card is the next photo's, as on the site when
    # a cover may not have one.
    assert body["cover"] is None
    assert body["social_card"] == second["photo"]["social_card"] is not None
    assert "social" in body["social_card"]["url"]
    listed = client.get("/api/v1/galleries/", **partner).json()["results"][0]
    assert listed["cover"] is None
    photo = gallery.items.order_by("position").first().photo_id
    assert client.get(f"/api/v1/photos/{photo}/", **partner).status_code == 404


def test_a_photo_whose_rights_allow_it_is_given_to_partners(client, gallery, partner):
    first = gallery.items.order_by("position").first().photo
    first.syndication_allowed = True
    first.save()
    body = client.get(f"/api/v1/galleries/{gallery.slug}/", **partner).json()
    assert all(item["photo"] is not None for item in body["items"])
    assert body["cover"]["id"] == first.pk


def test_anonymous_readers_get_every_public_photo(client, gallery):
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    assert all(item["photo"] is not None and item["withheld"] is None for item in body["items"])
    assert body["cover"] is not None


def test_a_photo_taken_down_leaves_its_item_without_photo_or_description(
    client, gallery, editor, django_capture_on_commit_callbacks
):
    first = gallery.items.order_by("position").first()
    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=first.photo, by=editor, reason="The subject withdrew consent.")
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    item = body["items"][0]
    assert item["photo"] is None
    assert item["withheld"] == representation.TAKEN_DOWN
    assert item["alt_text"] == ""
    assert item["caption"]
    assert item["graphic"] is False and item["credentials"] is None
    # The next photo stands for the gallery, as on its cards and its page.
    second = body["items"][1]["photo"]
    assert body["cover"]["id"] == second["id"] != first.photo_id
    assert body["social_card"] == second["social_card"] is not None
    listed = client.get("/api/v1/galleries/").json()["results"][0]
    assert listed["cover"]["id"] == second["id"]
    gone = client.get(f"/api/v1/photos/{first.photo_id}/")
    assert gone.status_code == 410
    assert gone.json()["reason"] == representation.TAKEN_DOWN
    assert "consent" not in gone.text
    assert f"/photos/{first.photo_id}/" not in client.get("/api/v1/galleries/").content.decode()


@pytest.mark.parametrize("size", [1, 20])
def test_the_rights_check_is_one_query(client, partner, django_assert_num_queries, size):
    gallery = published_gallery(items=size)
    client.get("/api/v1/", **partner)
    # 1 the key, 2-8 the seven of an answer built anew (a partner's is never kept), 9 which of its photos may
    # be syndicated.
    with django_assert_num_queries(9):
        assert client.get(f"/api/v1/galleries/{gallery.slug}/", **partner).status_code == 200
