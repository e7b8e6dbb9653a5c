import pytest
from django.db import connection

from galleries.models import Item
from galleries.search import search_galleries
from tests.factories import GalleryFactory, published_gallery

pytestmark = pytest.mark.django_db


def test_search_finds_galleries_by_title_dek_and_captions():
    by_title = published_gallery(items=0, title="Night shift at the harbour")
    by_dek = published_gallery(items=0, dek="Fishermen unload the catch before dawn.")
    by_caption = published_gallery(items=1)
    Item.objects.filter(gallery=by_caption).update(caption="The auctioneer sells the harbour catch.")
    published_gallery(items=0, title="The last hay harvest", dek="Farming")

    assert set(search_galleries("harbour")) == {by_title, by_caption}
    assert list(search_galleries("fishermen")) == [by_dek]


def test_search_never_returns_unpublished_galleries():
    GalleryFactory(title="Harbour draft")
    GalleryFactory(in_review=True, title="Harbour in review")
    GalleryFactory(withdrawn=True, title="Harbour withdrawn")
    assert list(search_galleries("harbour")) == []


def test_blank_search_returns_nothing():
    published_gallery(items=0)
    assert list(search_galleries("   ")) == []


def test_every_word_must_match():
    both = published_gallery(items=0, title="Harbour cranes at night")
    published_gallery(items=0, title="Harbour in the morning")
    assert list(search_galleries("harbour cranes")) == [both]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL full-text search")
def test_postgres_ranks_title_matches_above_caption_matches():
    in_caption = published_gallery(items=1, title="Quiet morning")
    Item.objects.filter(gallery=in_caption).update(caption="A crane lifts a container.")
    in_title = published_gallery(items=0, title="Cranes of the harbour")
    assert list(search_galleries("crane")) == [in_title, in_caption]
