"""The example client in examples/ works against a running Loupe, through the documented API only."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from galleries.models import Rendition
from tests.factories import jpeg_bytes, published_gallery

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _client_module():
    spec = importlib.util.spec_from_file_location("loupe_client", ROOT / "examples" / "loupe_client.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_client_lists_galleries_and_downloads_photos(live_server, settings, tmp_path, capsys):
    settings.SITE_URL = live_server.url
    newest = published_gallery(items=3, title="The newest story")
    published_gallery(items=1, title="An older story", published_at=newest.published_at - timedelta(days=1))
    # The public files of the newest gallery's photos, as publication leaves them.
    for rendition in Rendition.objects.public().filter(photo__items__gallery=newest):
        storages["default"].save(rendition.name, ContentFile(jpeg_bytes(size=(rendition.width, rendition.height))))

    client = _client_module()
    folder = tmp_path / "photos"
    assert client.main([f"{live_server.url}/api/v1/", "--latest", "5", "--download", str(folder)]) == 0

    printed = capsys.readouterr().out
    assert "The newest story" in printed and "An older story" in printed
    saved = sorted(path.name for path in folder.glob("*.jpg"))
    assert len(saved) == 3
    assert all((folder / name).read_bytes().startswith(b"\xff\xd8") for name in saved)
    assert "caption" in (folder / "captions.json").read_text()
