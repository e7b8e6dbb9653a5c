import pytest
from django.utils import timezone

from galleries.models import Gallery
from tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db


def test_published_returns_only_published_galleries_whose_time_has_come():
    live = GalleryFactory(published=True)
    GalleryFactory()
    GalleryFactory(in_review=True)
    GalleryFactory(approved=True, publish_at=timezone.now() - timezone.timedelta(minutes=5))
    GalleryFactory(withdrawn=True)
    GalleryFactory(status=Gallery.Status.PUBLISHED, published_at=timezone.now() + timezone.timedelta(hours=1))

    assert list(Gallery.objects.published()) == [live]


@pytest.mark.parametrize("state", ["draft", "in_review", "approved", "withdrawn"])
def test_unpublished_gallery_pages_are_not_found(client, state):
    gallery = GalleryFactory(**({state: True} if state != "draft" else {}), items=1)
    response = client.get(gallery.get_absolute_url())
    assert response.status_code in {404, 410}
    assert gallery.title not in response.text


def test_published_gallery_page_shows_items_in_order(client):
    gallery = GalleryFactory(published=True, items=3)
    response = client.get(gallery.get_absolute_url())
    assert response.status_code == 200
    headlines = [item.headline for item in gallery.items.all()]
    positions = [response.text.index(headline) for headline in headlines]
    assert positions == sorted(positions)


def test_home_lists_published_galleries_only(client):
    live = GalleryFactory(published=True, title="Harbour at night")
    draft = GalleryFactory(title="Secret draft story")
    response = client.get("/")
    assert live.title in response.text
    assert draft.title not in response.text
