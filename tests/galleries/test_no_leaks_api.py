"""Nothing unapproved reaches a partner or an app through the read API.

The newsroom of the leak suite (a gallery in every state, comments held and approved on galleries readers
cannot see) is crawled through /api/v1/: every API route filled with every slug and id there is, and every
address found in the answers followed, anonymously and with a partner's key.
"""

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from api.keys import create_api_key
from galleries.models import Gallery, Item, Photo, Rendition
from galleries.takedowns import take_down_photo
from newsroom.models import Comment
from tests.galleries.test_no_leaks import _route_urls, _secrets
from tests.galleries.test_no_leaks import newsroom as newsroom  # the fixture, shared

pytestmark = pytest.mark.django_db

MAX_REQUESTS = 3000


@pytest.fixture(autouse=True)
def _ids_apart(db, settings):
    """Galleries, items and photos numbered apart, as in a newsroom that has run a while (or a test database
    after other tests): every route is then tried with the ids of every kind, and the crawl is as long as it gets.

    Numbered alike (1, 2 … in each table of a fresh database) the ids coincide and the crawl is half as long. The
    crawl is one reader making hundreds of requests: the rate limits are raised above it, so none is refused.
    """
    settings.LOUPE_API_ANONYMOUS_RATE_LIMIT = MAX_REQUESTS
    with connection.cursor() as cursor:
        for model, start in ((Gallery, 1000), (Item, 2000), (Photo, 3000)):
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start])
            else:  # SQLite: AutoFields are AUTOINCREMENT, numbered on from sqlite_sequence
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start])


def _addresses(value) -> list[str]:
    """Every address in a JSON answer, as a path on this site."""
    if isinstance(value, dict):
        return [url for v in value.values() for url in _addresses(v)]
    if isinstance(value, list):
        return [url for v in value for url in _addresses(v)]
    if isinstance(value, str) and (value.startswith(settings.SITE_URL) or value.startswith("/api/")):
        parts = urlsplit(value.removeprefix(settings.SITE_URL))
        return [parts.path + (f"?{parts.query}" if parts.query else "")]
    return []


def _uncovered(value, names: set[str]) -> list[str]:
    """Where a graphic photo's files are named outside an answer flagged `graphic: true`, or as a card."""
    if isinstance(value, dict):
        if value.get("graphic") is True:
            # An item (or photo) flagged for covering: the partner app shows its files once the reader chooses,
            # as the site's "Show photo" does; but it stands for nothing.
            card = value.get("social_card") or (value.get("photo") or {}).get("social_card")
            return [f"the card {card}"] if card else []
        return [found for v in value.values() for found in _uncovered(v, names)]
    if isinstance(value, list):
        return [found for v in value for found in _uncovered(v, names)]
    if isinstance(value, str) and any(name in value for name in names):
        return [value]
    return []


def _crawl(client, seeds: list[str], headers: dict) -> tuple[list[str], list[str], set[str]]:
    queue, seen, bodies, files = list(dict.fromkeys(seeds)), set(), [], set()
    while queue and len(seen) < MAX_REQUESTS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if url.startswith(settings.MEDIA_URL):
            files.add(url.removeprefix(settings.MEDIA_URL))
            continue
        response = client.get(url, **headers)
        assert response.status_code != 500, url
        # A refused request is a page the crawl never read: it would hide whatever leaked there.
        assert response.status_code != 429, f"{url} was refused by the rate limit"
        body = response.content.decode()
        bodies.append((url, response.status_code, body))
        if response.status_code == 200 and response["Content-Type"].startswith("application/json"):
            queue += [link for link in _addresses(json.loads(body)) if link not in seen]
    assert len(seen) < MAX_REQUESTS, "the crawl did not finish"
    return seen, bodies, files


@pytest.mark.parametrize("who", ["anonymous", "partner"])
def test_no_unpublished_content_reaches_the_api(client, newsroom, editor, who, django_capture_on_commit_callbacks):
    published = newsroom["published"]
    # A photo of the published gallery taken down: its item stays, its photo and its description go.
    down = published.items.order_by("position").last().photo
    down.alt_text = "A photo taken down zqx."
    down.save(update_fields=["alt_text"])
    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=down, by=editor, reason="Consent withdrawn.")
    # The cover of the published gallery marked graphic, labelled AI-generated and declared so by its file: with
    # the other photo taken down, nothing may stand for the gallery.
    graphic = published.items.order_by("position").first()
    graphic.graphic, graphic.graphic_warning, graphic.ai_label = True, "A wounded man.", True
    graphic.save(update_fields=["graphic", "graphic_warning", "ai_label"])
    Photo.objects.filter(pk=graphic.photo_id).update(
        digital_source_type="trainedAlgorithmicMedia", original_filename="IMG_zqx_original_name.jpg"
    )
    graphic_files = set(Rendition.objects.filter(photo=graphic.photo_id).values_list("name", flat=True))
    headers = {}
    if who == "partner":
        # Every photo may be syndicated, published or not: the rights rule must not be what hides a leak.
        Photo.objects.update(syndication_allowed=True)
        _, raw_key = create_api_key(name="Partner", by=editor, rate_limit=MAX_REQUESTS)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
    secret = set().union(*(_secrets(g) for state, g in newsroom.items() if state != "published"))
    # Worked out without the visibility QuerySets, the chokepoints under test.
    secret |= set(Comment.objects.exclude(status="approved", gallery=published).values_list("body", flat=True))
    unpublished = set(Rendition.objects.exclude(photo__items__gallery=published).values_list("name", flat=True))
    unpublished |= set(Rendition.objects.filter(photo=down).values_list("name", flat=True))
    secret |= {down.alt_text, "IMG_zqx_original_name"}
    seeds = ["/api/v1/", *(url for url in _route_urls(newsroom) if url.startswith("/api/"))]
    assert published.pk > 1000 and down.pk > 3000, "the ids are not apart"

    _, bodies, files = _crawl(client, seeds, headers)

    leaks = [f"{url} shows {text!r}" for url, _, body in bodies for text in secret if text and text in body]
    leaks += [f"{url} names an unpublished file" for url, _, body in bodies for name in unpublished if name in body]
    assert leaks == []
    assert not files & unpublished
    answers = [(url, json.loads(body)) for url, status, body in bodies if status == 200 and body.startswith("{")]
    assert [f"{url}: {found}" for url, answer in answers for found in _uncovered(answer, graphic_files)] == []
    assert files & graphic_files, "the graphic photo's files were not given with its flag"
    item = next(
        i for i in json.loads(_body(bodies, f"/api/v1/galleries/{published.slug}/"))["items"] if i["number"] == 1
    )
    assert item["graphic"] is True and item["graphic_warning"] == "A wounded man." and item["ai_label"] is True
    assert item["photo"]["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    listed = json.loads(_body(bodies, "/api/v1/galleries/"))["results"]
    assert next(g for g in listed if g["slug"] == published.slug)["cover"] is None
    ok = {url for url, status, _ in bodies if status == 200}
    # The crawl really walked the API: the published gallery, its photos, comments, people and labels.
    assert f"/api/v1/galleries/{published.slug}/" in ok
    assert f"/api/v1/galleries/{published.slug}/comments/" in ok
    assert any(url.startswith("/api/v1/photos/") for url in ok)
    assert "/api/v1/photographers/shared-photographer/" in ok
    assert "/api/v1/galleries/?tag=shared-tag" in ok
    assert files, "no rendition was listed"
    assert any("A published comment." in body for _, _, body in bodies)
    # A withdrawn gallery says only that it is gone, and why.
    withdrawn = newsroom["withdrawn"]
    assert json.loads(_body(bodies, f"/api/v1/galleries/{withdrawn.slug}/"))["reason"] == withdrawn.withdrawn_reason


def _body(bodies: list, address: str) -> str:
    return next(body for url, _, body in bodies if url == address)
