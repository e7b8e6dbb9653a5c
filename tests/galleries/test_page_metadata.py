"""The sizes that social cards, structured data and feeds give for an image are those of the file they name."""

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from galleries.ingest import ingest_photo
from galleries.models import FaqEntry, Gallery, Photo, Rendition
from galleries.presentation import absolute
from galleries.publication import expose_photos
from galleries.tasks import render_photo
from tests.factories import GalleryFactory, ItemFactory, PhotographerFactory, jpeg_bytes, published_gallery

pytestmark = pytest.mark.django_db
MEDIA = "{http://search.yahoo.com/mrss/}"
SITE = "https://photos.example.org"


@pytest.fixture
def rendered_gallery(settings, django_capture_on_commit_callbacks) -> Gallery:
    """A published gallery of two real photos, rendered and copied to the public storage as publishing does.

    One is wider than the social card and one narrower, so no size can be right by luck.
    """
    settings.SITE_URL = SITE
    gallery = GalleryFactory(published=True)
    photographer = PhotographerFactory()
    photos = []
    for position, size in enumerate([(1400, 900), (700, 1000)]):
        photo = ingest_photo(
            data=jpeg_bytes(size=size, color=(40 * position, 90, 160)),
            filename=f"metadata-{position}.jpg",
            photographer=photographer,
        ).photo
        render_photo.call(photo_id=photo.pk)
        ItemFactory(gallery=gallery, photo=photo, position=position)
        photos.append(photo)
    with django_capture_on_commit_callbacks(execute=True):
        expose_photos(photos=Photo.objects.filter(pk__in=[p.pk for p in photos]))
    gallery.photographers.add(photographer)
    return gallery


def _rendition_at(url: str) -> Rendition:
    by_url = {absolute(rendition.url): rendition for rendition in Rendition.objects.public()}
    return by_url[url]


def _file(rendition: Rendition) -> tuple[tuple[int, int], int, str]:
    """The pixel size, byte count and format of the public file itself."""
    with storages["default"].open(rendition.name) as handle:
        data = handle.read()
    with Image.open(io.BytesIO(data)) as image:
        return image.size, len(data), Image.MIME[image.format]


def _meta(html: str, attribute: str, name: str) -> str:
    return re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html).group(1)


def _json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_open_graph_image_size_and_type_are_those_of_the_file_it_names(client, rendered_gallery):
    item_url = f"{rendered_gallery.get_absolute_url()}photos/{rendered_gallery.items.last().pk}/"
    for url in (rendered_gallery.get_absolute_url(), item_url):
        html = client.get(url).text
        rendition = _rendition_at(_meta(html, "property", "og:image"))
        (width, height), _, content_type = _file(rendition)

        assert rendition.purpose == Rendition.Purpose.SOCIAL
        assert (rendition.width, rendition.height) == (width, height)
        assert _meta(html, "property", "og:image:width") == str(width)
        assert _meta(html, "property", "og:image:height") == str(height)
        assert _meta(html, "property", "og:image:type") == content_type
        assert _meta(html, "name", "twitter:image") == _meta(html, "property", "og:image")
    # The narrow photo's card is cropped to the card's shape and never enlarged.
    assert (width, height) != (1200, 630) and width < 1200


def test_json_ld_image_sizes_are_those_of_the_files_they_name(client, rendered_gallery):
    article = _json_ld(client.get(rendered_gallery.get_absolute_url()).text)[0]
    images = article["associatedMedia"]["associatedMedia"]

    assert len(images) == 2
    for image in images:
        rendition = _rendition_at(image["contentUrl"])
        (width, height), _, content_type = _file(rendition)
        assert (image["width"], image["height"]) == (width, height) == (rendition.width, rendition.height)
        assert image["encodingFormat"] == content_type
    # The largest file, not the middle size the <img> falls back to.
    assert images[0]["width"] == max(
        r.width for r in Rendition.objects.filter(photo=rendered_gallery.items.first().photo, purpose="responsive")
    )
    [card] = article["image"]
    rendition = _rendition_at(card["url"])
    assert (card["width"], card["height"]) == _file(rendition)[0] == (rendition.width, rendition.height)


def test_media_rss_sizes_and_types_are_those_of_the_files_they_name(client, rendered_gallery):
    for feed in ("galleries:rss", "galleries:atom"):
        root = ET.fromstring(client.get(reverse(feed)).content)  # noqa: S314
        [content] = root.iter(f"{MEDIA}content")
        [thumbnail] = root.iter(f"{MEDIA}thumbnail")

        rendition = _rendition_at(content.get("url"))
        (width, height), size, content_type = _file(rendition)
        assert (content.get("width"), content.get("height")) == (str(width), str(height))
        assert content.get("fileSize") == str(size) == str(rendition.size_bytes)
        assert content.get("type") == content_type
        shown = _rendition_at(thumbnail.get("url"))
        assert (thumbnail.get("width"), thumbnail.get("height")) == tuple(str(n) for n in _file(shown)[0])


def test_gallery_with_an_faq_describes_it_as_an_faq_page(client, settings):
    settings.SITE_URL = SITE
    gallery = published_gallery(items=1)
    FaqEntry.objects.create(gallery=gallery, position=2, question="Who paid?", answer="Nobody: *we* did.")
    FaqEntry.objects.create(
        gallery=gallery, position=1, question="Where </script><script>alert(1)</script>?", answer="In the old port."
    )
    html = client.get(gallery.get_absolute_url()).text
    blocks = _json_ld(html)

    assert "</script><script>alert" not in html.split("<main", 1)[0]
    [faq] = [block for block in blocks if block["@type"] == "FAQPage"]
    assert faq["url"] == f"{SITE}{gallery.get_absolute_url()}"
    assert [(q["@type"], q["name"], q["acceptedAnswer"]["@type"]) for q in faq["mainEntity"]] == [
        ("Question", "Where </script><script>alert(1)</script>?", "Answer"),
        ("Question", "Who paid?", "Answer"),
    ]
    assert faq["mainEntity"][0]["acceptedAnswer"]["text"] == "In the old port."
    assert "Nobody" in faq["mainEntity"][1]["acceptedAnswer"]["text"]


def test_gallery_without_an_faq_has_no_faq_page(client):
    gallery = published_gallery(items=1)

    assert [block["@type"] for block in _json_ld(client.get(gallery.get_absolute_url()).text)] == ["NewsArticle"]
