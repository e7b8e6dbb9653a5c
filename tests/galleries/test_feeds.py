import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from galleries.models import Gallery, Photographer
from tests.factories import GalleryFactory, PhotographerFactory, TagFactory, published_gallery

pytestmark = pytest.mark.django_db
MEDIA = "{http://search.yahoo.com/mrss/}"


def test_rss_feed_lists_published_galleries_with_media_rss(client, settings):
    settings.SITE_URL = "https://photos.example.org"
    gallery = published_gallery(items=2, title="Harbour at night")
    GalleryFactory(title="Secret draft")
    response = client.get(reverse("galleries:rss"))
    root = ET.fromstring(  # noqa: S314
        response.content
    )
    items = root.findall("./channel/item")

    assert [item.findtext("title") for item in items] == ["Harbour at night"]
    assert items[0].findtext("link") == f"https://photos.example.org{gallery.get_absolute_url()}"
    content = items[0].find(f"{MEDIA}content")
    assert content.get("url").startswith("https://photos.example.org/media/") and content.get("medium") == "image"
    assert items[0].findtext(f"{MEDIA}credit")
    assert items[0].findtext(f"{MEDIA}description")


def test_atom_feed_is_valid_xml_with_media(client):
    published_gallery(items=1)
    root = ET.fromstring(  # noqa: S314
        client.get(reverse("galleries:atom")).content
    )
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1 and entries[0].find(f"{MEDIA}content") is not None


def test_photographer_and_tag_feeds_list_only_their_published_galleries(client):
    photographer, tag = PhotographerFactory(), TagFactory()
    mine = published_gallery(items=1, title="Mine")
    mine.photographers.add(photographer)
    mine.tags.add(tag)
    published_gallery(items=1, title="Someone else's")
    draft = GalleryFactory(title="My draft")
    draft.photographers.add(photographer)
    for name, slug in (("photographer-rss", photographer.slug), ("tag-rss", tag.slug), ("tag-atom", tag.slug)):
        text = client.get(reverse(f"galleries:{name}", kwargs={"slug": slug})).text
        assert "Mine" in text and "Someone else" not in text and "My draft" not in text


def test_sitemap_lists_published_pages_with_images(client, settings):
    settings.SITE_URL = "https://photos.example.org"
    gallery = published_gallery(items=2)
    GalleryFactory(title="draft", slug="secret-draft")
    text = client.get("/sitemap.xml").text
    root = ET.fromstring(  # noqa: S314
        text.encode()
    )

    assert f"https://photos.example.org{gallery.get_absolute_url()}" in text
    assert "secret-draft" not in text
    images = root.findall(".//{http://www.google.com/schemas/sitemap-image/1.1}loc")
    assert len(images) == 2


def test_news_sitemap_has_only_the_last_two_days(client):
    fresh = published_gallery(items=1, title="Fresh")
    old = published_gallery(items=1, title="Old")
    old.published_at = timezone.now() - timezone.timedelta(days=3)
    old.save()
    text = client.get("/sitemap-news.xml").text
    ET.fromstring(  # noqa: S314
        text.encode()
    )
    assert fresh.get_absolute_url() in text and old.get_absolute_url() not in text
    assert "<news:title>Fresh</news:title>" in text


def test_control_characters_in_stored_text_keep_every_feed_and_sitemap_valid_xml(client):
    # A vertical tab pasted from a word processor, stored around the models' cleaning (an old import, the shell).
    photographer, tag = PhotographerFactory(), TagFactory()
    gallery = published_gallery(items=1)
    gallery.photographers.add(photographer)
    gallery.tags.add(tag)
    Photographer.objects.filter(pk=photographer.pk).update(name="Ines\x0b Baptiste")
    Gallery.objects.filter(pk=gallery.pk).update(title="Floods\x0b in the delta", dek="The water\x01 rose.")
    gallery.items.update(headline="Dawn\x1f", caption="The ferry\x0b leaves.")
    addresses = [
        reverse("galleries:rss"),
        reverse("galleries:atom"),
        reverse("galleries:photographer-rss", kwargs={"slug": photographer.slug}),
        reverse("galleries:tag-atom", kwargs={"slug": tag.slug}),
        "/sitemap.xml",
        "/sitemap-news.xml",
    ]
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        ET.fromstring(response.content)  # noqa: S314
        assert address == "/sitemap.xml" or "Floods in the delta" in response.text, address
