"""What the read API answers: published galleries, photos, photographers, sections, tags and comments."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api import representation
from galleries.models import CorrectionNote, FaqEntry, Gallery, GalleryLink, Rendition
from tests.factories import (
    CommentFactory,
    GalleryFactory,
    PhotographerFactory,
    SectionFactory,
    TagFactory,
    published_gallery,
)

pytestmark = pytest.mark.django_db


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [g["slug"] for g in response.json()["results"]]


def test_the_index_names_every_resource(client):
    body = client.get("/api/v1/").json()
    assert body["galleries"].endswith("/api/v1/galleries/")
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert body["docs"].endswith("/api/v1/docs/")


def test_galleries_list_only_published_newest_first(client):
    older = published_gallery(items=1, published_at=timezone.now() - timedelta(days=2))
    newer = published_gallery(items=1)
    GalleryFactory(title="A draft", items=1)
    GalleryFactory(withdrawn=True, items=1)
    GalleryFactory(approved=True, published_at=None, publish_at=timezone.now() + timedelta(days=1), items=1)
    assert _slugs(client.get("/api/v1/galleries/")) == [newer.slug, older.slug]


def test_galleries_filter_by_section_tag_photographer_and_time(client):
    news, sport = SectionFactory(slug="news"), SectionFactory(slug="sport")
    harbour = TagFactory(slug="harbour")
    amara = PhotographerFactory(slug="amara")
    first = published_gallery(items=1, section=news, published_at=timezone.now() - timedelta(days=3))
    second = published_gallery(items=1, section=sport)
    first.tags.add(harbour)
    second.photographers.add(amara)
    assert _slugs(client.get("/api/v1/galleries/", {"section": "news"})) == [first.slug]
    assert _slugs(client.get("/api/v1/galleries/", {"tag": "harbour"})) == [first.slug]
    assert _slugs(client.get("/api/v1/galleries/", {"photographer": "amara"})) == [second.slug]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert _slugs(client.get("/api/v1/galleries/", {"published_since": since})) == [second.slug]
    assert _slugs(client.get("/api/v1/galleries/", {"section": "nothing-here"})) == []


def test_cursor_pagination_walks_every_gallery_once(client):
    now = timezone.now()
    made = [published_gallery(items=0, published_at=now - timedelta(minutes=i)) for i in range(5)]
    # Two at the same time: the id breaks the tie, so neither is skipped or repeated.
    Gallery.objects.filter(pk=made[3].pk).update(published_at=made[2].published_at)
    seen, url = [], "/api/v1/galleries/?limit=2"
    while url:
        body = client.get(url).json()
        seen += [g["slug"] for g in body["results"]]
        assert len(body["results"]) <= 2
        url = body["next_url"]
    assert sorted(seen) == sorted(g.slug for g in made)
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "W10:1tdx3k:abc", "abc:def"],
)
def test_a_bad_cursor_is_refused_with_a_json_400(client, cursor):
    published_gallery(items=0)
    response = client.get("/api/v1/galleries/", {"cursor": cursor})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "cursor" in response.json()["detail"]


def test_a_cursor_of_another_list_is_refused(client):
    for n in range(3):
        TagFactory(slug=f"tag-x{n}").galleries.add(published_gallery(items=0))
    cursor = client.get("/api/v1/tags/", {"limit": 1}).json()["next_cursor"]
    assert cursor
    assert client.get("/api/v1/tags/", {"limit": 1, "cursor": cursor}).status_code == 200
    assert client.get("/api/v1/galleries/", {"cursor": cursor}).status_code == 400


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"published_since": "soon"}])
def test_bad_parameters_get_a_400_naming_them(client, query):
    response = client.get("/api/v1/galleries/", query)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] and body["errors"][0]["field"] == next(iter(query))


def test_gallery_detail_has_items_in_order_with_everything_a_partner_shows(client):
    gallery = published_gallery(items=3, disclosure="Contains affiliate links.")
    items = list(gallery.items.order_by("position"))
    # Reordered: the API follows the gallery's order, not the ids'.
    items[0].position, items[2].position = 5, 0
    items[0].save()
    items[2].save()
    items[1].alt_text = "Fishermen mend a net at dawn."
    items[1].credit_override = "Agency pool"
    items[1].caption = "Mending <em>nets</em> before the tide."
    items[1].save()
    photo = items[1].photo
    photo.focal_x, photo.focal_y = 0.25, 0.75
    photo.save()
    CorrectionNote.objects.create(gallery=gallery, text="The harbour's name was misspelt.")
    FaqEntry.objects.create(gallery=gallery, question="Where was this?", answer="In the old harbour.")
    GalleryLink.objects.create(gallery=gallery, label="The harbour authority", url="https://example.org/")
    Rendition.objects.filter(photo=photo, width=1600).update(is_public=False)

    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()

    assert [i["id"] for i in body["items"]] == [items[2].pk, items[1].pk, items[0].pk]
    assert [i["number"] for i in body["items"]] == [1, 2, 6]
    middle = body["items"][1]
    assert middle["headline"] == items[1].headline
    assert middle["caption"] == "Mending nets before the tide."
    assert "<em>nets</em>" in middle["caption_html"]
    assert middle["alt_text"] == "Fishermen mend a net at dawn."
    assert middle["credit"] == "Agency pool"
    assert middle["withheld"] is None
    shown = middle["photo"]
    assert shown["focal_point"] == {"x": 0.25, "y": 0.75}
    assert shown["placeholder"].startswith("data:image/")
    # Every public rendition, and no other.
    public = Rendition.objects.public().filter(photo=photo, purpose="responsive")
    assert {(r["width"], r["format"]) for r in shown["renditions"]} == {(r.width, r.format) for r in public}
    assert all(r["width"] != 1600 for r in shown["renditions"])
    assert all(r["url"].startswith("http") and r["height"] > 0 for r in shown["renditions"])
    assert shown["social_card"]["width"] == 1200
    assert body["social_card"]["url"].startswith("http")
    assert body["disclosure"] == "Contains affiliate links."
    assert [c["text"] for c in body["corrections"]] == ["The harbour's name was misspelt."]
    assert body["faq"] == [{"question": "Where was this?", "answer": "In the old harbour."}]
    assert body["links"] == [{"label": "The harbour authority", "url": "https://example.org/"}]
    assert body["photo_count"] == 3


def test_a_withdrawn_gallery_answers_410_with_its_reason_and_a_draft_404(client):
    withdrawn = GalleryFactory(withdrawn=True, items=1)
    draft = GalleryFactory(items=1)
    gone = client.get(f"/api/v1/galleries/{withdrawn.slug}/")
    assert gone.status_code == 410
    assert gone.json()["reason"] == "Withdrawn for legal review."
    assert withdrawn.title not in gone.text
    missing = client.get(f"/api/v1/galleries/{draft.slug}/")
    assert missing.status_code == 404
    assert draft.title not in missing.text


def test_a_photo_is_served_only_while_a_published_gallery_shows_it(client):
    gallery = published_gallery(items=1)
    draft = GalleryFactory(items=1)
    photo = gallery.items.get().photo
    body = client.get(f"/api/v1/photos/{photo.pk}/").json()
    assert body["appears_in"] == [
        {
            "gallery": gallery.slug,
            "title": gallery.title,
            "item_id": gallery.items.get().pk,
            "url": f"http://127.0.0.1:8000/galleries/{gallery.slug}/photos/{gallery.items.get().pk}/",
            "api_url": f"http://127.0.0.1:8000/api/v1/galleries/{gallery.slug}/",
        }
    ]
    assert client.get(f"/api/v1/photos/{draft.items.get().photo_id}/").status_code == 404


def test_photographers_are_those_with_published_work_with_their_galleries(client):
    credited, unpublished = PhotographerFactory(slug="credited"), PhotographerFactory(slug="unpublished")
    gallery = published_gallery(items=0)
    gallery.photographers.add(credited)
    GalleryFactory(items=0).photographers.add(unpublished)
    slugs = [p["slug"] for p in client.get("/api/v1/photographers/").json()["results"]]
    assert "credited" in slugs and "unpublished" not in slugs
    body = client.get("/api/v1/photographers/credited/").json()
    assert [g["slug"] for g in body["galleries"]] == [gallery.slug]
    assert body["galleries_url"].endswith("/api/v1/galleries/?photographer=credited")
    assert client.get("/api/v1/photographers/unpublished/").status_code == 404


def test_sections_and_tags_are_those_with_published_galleries(client):
    shown, hidden = TagFactory(slug="shown"), TagFactory(slug="hidden")
    shown.galleries.add(published_gallery(items=0, section=SectionFactory(slug="visible")))
    hidden.galleries.add(GalleryFactory(items=0, section=SectionFactory(slug="invisible")))
    assert [t["slug"] for t in client.get("/api/v1/tags/").json()["results"]] == ["shown"]
    assert [s["slug"] for s in client.get("/api/v1/sections/").json()["results"]] == ["visible"]


def test_comments_are_approved_threaded_and_paginated(client):
    gallery = published_gallery(items=1)
    item = gallery.items.get()
    now = timezone.now()
    roots = [CommentFactory(gallery=gallery, created_at=now - timedelta(minutes=10 - i)) for i in range(3)]
    reply = CommentFactory(parent=roots[2], body="A reply.")
    hidden = CommentFactory(parent=roots[2], status="removed", body="Removed words.")
    CommentFactory(parent=hidden, body="An answer to removed words.")
    CommentFactory(gallery=gallery, status="pending", body="Held for review.")
    on_photo = CommentFactory(gallery=gallery, item=item, body="About this one photo.")

    first = client.get(f"/api/v1/galleries/{gallery.slug}/comments/", {"limit": 2}).json()
    assert [c["id"] for c in first["results"]] == [roots[2].pk, roots[1].pk]
    thread = first["results"][0]
    assert [r["body"] for r in thread["replies"]] == ["A reply.", "An answer to removed words."]
    assert thread["replies"][0]["in_reply_to"] == roots[2].pk
    # The answer to a removed comment stays, without pointing at what was removed.
    assert thread["replies"][1]["in_reply_to"] is None
    second = client.get(first["next_url"]).json()
    assert [c["id"] for c in second["results"]] == [roots[0].pk]
    assert second["next_cursor"] is None
    everything = str(first) + str(second)
    assert "Removed words." not in everything and "Held for review." not in everything
    assert "About this one photo." not in everything
    assert reply.author_email not in everything

    photo = client.get(f"/api/v1/galleries/{gallery.slug}/photos/{item.pk}/comments/").json()
    assert [c["id"] for c in photo["results"]] == [on_photo.pk]
    other = published_gallery(items=1).items.get()
    assert client.get(f"/api/v1/galleries/{gallery.slug}/photos/{other.pk}/comments/").status_code == 404


def test_unknown_addresses_under_the_api_answer_json(client):
    for url in ("/api/v1/nothing/", "/api/v2/", "/api/v1/galleries//"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["detail"]


def test_writes_and_nul_addresses_are_refused_in_json(client):
    refused = client.post("/api/v1/galleries/", {})
    assert refused.status_code == 405
    assert refused.json()["detail"]
    assert "GET" in refused["Allow"]
    nul = client.get("/api/v1/galleries/?section=%00")
    assert nul.status_code == 400
    assert nul.json()["detail"]


def test_a_change_to_a_gallery_shows_in_the_api_at_once(client, editor, django_capture_on_commit_callbacks):
    from galleries import workflow

    gallery = published_gallery(items=1)
    url = f"/api/v1/galleries/{gallery.slug}/"
    assert client.get(url, {"fresh": 1}).json()["corrections"] == []
    with django_capture_on_commit_callbacks(execute=True):
        workflow.add_correction(gallery=gallery, text="A name was misspelt.", by=editor)
    assert [c["text"] for c in client.get(url, {"fresh": 2}).json()["corrections"]] == ["A name was misspelt."]
    assert [c["text"] for c in client.get(url).json()["corrections"]] == ["A name was misspelt."]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw_gallery(gallery=gallery, by=editor, reason="Consent was withdrawn.")
    assert client.get(url).status_code == 410
    assert client.get(url, {"fresh": 3}).status_code == 410


def test_the_api_paths_are_the_routes(client):
    from django.urls import reverse

    from api.representation import PATHS

    root = reverse("api-v1:index")
    for name, path in PATHS.items():
        kwargs = {k: v for k, v in {"slug": "s", "pk": 1}.items() if "{" + k + "}" in path}
        assert root + path.format(**kwargs) == reverse(f"api-v1:{name}", kwargs=kwargs)


def test_a_long_thread_carries_its_first_replies_and_pages_through_the_rest(client):
    gallery = published_gallery(items=0)
    root = CommentFactory(gallery=gallery)
    replies = [CommentFactory(parent=root, body=f"Reply {n}.") for n in range(representation.REPLIES_PER_THREAD + 5)]
    CommentFactory(parent=replies[0], status="removed", body="Removed reply.")
    deep = CommentFactory(parent=replies[-1], body="An answer deep in the thread.")
    short = CommentFactory(gallery=gallery)
    CommentFactory(parent=short, body="The only reply.")

    threads = client.get(f"/api/v1/galleries/{gallery.slug}/comments/").json()["results"]
    by_id = {thread["id"]: thread for thread in threads}
    long = by_id[root.pk]
    assert [r["id"] for r in long["replies"]] == [r.pk for r in replies[: representation.REPLIES_PER_THREAD]]
    assert long["reply_count"] == len(replies) + 1
    assert long["replies_url"].endswith(f"/api/v1/comments/{root.pk}/replies/")
    assert by_id[short.pk]["reply_count"] == 1 and by_id[short.pk]["replies_url"] is None

    first = client.get(long["replies_url"], {"limit": 20}).json()
    second = client.get(first["next_url"]).json()
    assert second["next_cursor"] is None
    assert [r["id"] for r in first["results"] + second["results"]] == [r.pk for r in replies] + [deep.pk]
    assert "Removed reply." not in str(first) + str(second)
    assert second["results"][-1]["in_reply_to"] == replies[-1].pk


def test_replies_only_of_a_visible_thread_on_a_published_gallery(client):
    gallery = published_gallery(items=0)
    root = CommentFactory(gallery=gallery)
    reply = CommentFactory(parent=root)
    held = CommentFactory(gallery=gallery, status="pending")
    draft_root = CommentFactory(gallery=GalleryFactory())
    assert client.get(f"/api/v1/comments/{root.pk}/replies/").status_code == 200
    for pk in (reply.pk, held.pk, draft_root.pk, 10**9):
        response = client.get(f"/api/v1/comments/{pk}/replies/")
        assert response.status_code == 404 and response.json()["detail"]
