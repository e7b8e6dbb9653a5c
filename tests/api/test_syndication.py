"""Partners are given only photos whose usage rights allow syndication; readers' apps get every public photo."""

import pytest

from api import representation
from tests.factories import published_gallery

pytestmark = pytest.mark.django_db


@pytest.fixture
def rights(monkeypatch):
    """A usage-rights rule: photos marked as not for syndication are kept from partners."""
    monkeypatch.setattr(representation, "SYNDICATABLE", lambda photos: photos.exclude(copyright="Not for syndication"))


@pytest.fixture
def gallery():
    gallery = published_gallery(items=2)
    restricted = gallery.items.order_by("position").first().photo
    restricted.copyright = "Not for syndication"
    restricted.save()
    return gallery


def test_a_partner_gets_the_item_without_a_photo_it_may_not_use(client, rights, gallery, partner):
    body = client.get(f"/api/v1/galleries/{gallery.slug}/", **partner).json()
    first, second = body["items"]
    assert first["photo"] is None
    assert first["withheld"] == representation.WITHHELD
    assert first["headline"] and first["caption"]
    assert second["photo"] is not None and second["withheld"] is None
    # The restricted photo is the cover: no cover and no social card built from it.
    assert body["cover"] is None
    assert body["social_card"] is None
    listed = client.get("/api/v1/galleries/", **partner).json()["results"][0]
    assert listed["cover"] is None
    photo = gallery.items.order_by("position").first().photo_id
    assert client.get(f"/api/v1/photos/{photo}/", **partner).status_code == 404


def test_anonymous_readers_get_every_public_photo(client, rights, gallery):
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    assert all(item["photo"] is not None and item["withheld"] is None for item in body["items"])
    assert body["cover"] is not None


def test_without_usage_rights_partners_get_every_public_photo(client, gallery, partner):
    body = client.get(f"/api/v1/galleries/{gallery.slug}/", **partner).json()
    assert all(item["photo"] is not None for item in body["items"])


@pytest.mark.parametrize("size", [1, 20])
def test_the_rights_check_is_one_query(client, rights, partner, django_assert_num_queries, size):
    gallery = published_gallery(items=size)
    client.get("/api/v1/", **partner)
    # 1 the key, 2-8 the seven of an answer built anew, 9 which of its photos may be syndicated.
    with django_assert_num_queries(9):
        assert client.get(f"/api/v1/galleries/{gallery.slug}/", **partner).status_code == 200
