"""The icons browsers, phones and feed readers show for the site, linked from every page and found at the root."""

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from tests.factories import published_gallery

pytestmark = pytest.mark.django_db


def _image(path: str) -> Image.Image:
    with open(finders.find(path), "rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_every_page_links_its_icons_and_manifest(client):
    gallery = published_gallery(items=1)
    for url in ("/", gallery.get_absolute_url(), reverse("galleries:search")):
        html = client.get(url).text
        head = html.split("</head>", 1)[0]
        assert re.search(
            r'<link rel="icon" href="/static/loupe/icons/favicon[^"]*\.ico" sizes="16x16 32x32 48x48">', head
        )
        assert re.search(r'<link rel="icon" href="/static/loupe/icons/favicon[^"]*\.svg" type="image/svg\+xml">', head)
        assert re.search(r'<link rel="apple-touch-icon" href="/static/loupe/icons/apple-touch-icon[^"]*\.png">', head)
        assert '<link rel="manifest" href="/site.webmanifest">' in head


def test_icon_files_are_the_sizes_they_claim():
    ico = _image("loupe/icons/favicon.ico")
    assert ico.format == "ICO" and set(ico.info["sizes"]) >= {(16, 16), (32, 32), (48, 48)}
    touch = _image("loupe/icons/apple-touch-icon.png")
    # iOS rounds the corners itself and shows transparency as black: a full square without alpha.
    assert touch.size == (180, 180) and touch.mode == "RGB"
    assert _image("loupe/icons/icon-192.png").size == (192, 192)
    assert _image("loupe/icons/icon-512.png").size == (512, 512)
    assert _image("loupe/icons/icon-maskable-512.png").size == (512, 512)
    with open(finders.find("loupe/icons/favicon.svg")) as handle:
        assert handle.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_the_root_icons_are_served_for_clients_that_ask_there(client):
    for path, content_type in (("/favicon.ico", "image/"), ("/apple-touch-icon.png", "image/png")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(content_type)
        Image.open(io.BytesIO(b"".join(response.streaming_content))).verify()


def test_the_manifest_names_the_publication_and_its_icons(client, settings):
    settings.SITE_NAME = 'The "Harbour" Courier </script>'
    response = client.get(reverse("galleries:manifest"))
    manifest = json.loads(response.content)

    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["name"] == 'The "Harbour" Courier </script>'
    assert manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert _image(icon["src"].removeprefix("/static/")).size == (width, height)
