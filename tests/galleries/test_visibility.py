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


def _every_state() -> list[Gallery]:
    return [
        GalleryFactory(published=True, items=1),
        GalleryFactory(items=1),
        GalleryFactory(in_review=True, items=1),
        GalleryFactory(approved=True, publish_at=timezone.now() - timezone.timedelta(minutes=5), items=1),
        GalleryFactory(withdrawn=True, items=1),
        GalleryFactory(
            status=Gallery.Status.PUBLISHED, published_at=timezone.now() + timezone.timedelta(hours=1), items=1
        ),
    ]


def test_is_public_answers_as_published_does_for_every_state():
    galleries = _every_state()
    published = set(Gallery.objects.published())

    assert {gallery for gallery in galleries if gallery.is_public} == published
    assert all(gallery.is_public for gallery in Gallery.objects.published())


def test_items_photos_tags_and_sections_are_public_only_through_published_galleries():
    from galleries.models import Item, Photo, Section, Tag
    from tests.factories import TagFactory

    galleries = _every_state()
    for gallery in galleries:
        gallery.tags.add(TagFactory())
    live = galleries[0]

    assert set(Item.objects.published()) == set(live.items.all())
    assert set(Photo.objects.in_published_galleries()) == {item.photo for item in live.items.all()}
    assert set(Tag.objects.with_published_galleries()) == set(live.tags.all())
    assert list(Section.objects.with_published_galleries()) == [live.section]
