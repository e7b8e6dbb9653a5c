"""Nothing unapproved reaches a reader, by any road.

With a gallery in every state present, an anonymous reader visits every public route (each URL pattern,
filled with every slug, id and file name there is, published or not) and follows every link found on the
way. No title, caption or file of a gallery that is not published may show up anywhere, and no file of a
photo outside published galleries may be fetched, through the public storage, the staff file view or a
preview link.
"""

import contextlib
import itertools
import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.storage import storages
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone

from galleries import workflow
from galleries.models import Gallery, Item, PersonRequest, Rendition, Tag
from galleries.presentation import absolute
from galleries.tasks import render_photo
from tests.factories import (
    GalleryFactory,
    ItemFactory,
    PhotographerFactory,
    SectionFactory,
    UserFactory,
    published_gallery,
)

pytestmark = pytest.mark.django_db

# Links found while crawling, beyond the routes themselves; the site has far fewer.
MAX_LINKS = 2500
LINK = re.compile(r"""(?:href|src|action|poster|content)=["']([^"']+)["']|<(?:loc|link|id)>([^<]+)<""")
SRCSET = re.compile(r"""srcset=["']([^"']+)["']""")


def _gallery(
    state: str, *, photographer, tag, section, by_photographer, editor, capture, items: int = 2, rendered: bool = True
) -> Gallery:
    gallery = GalleryFactory(
        title=f"Gallery {state} zqx title",
        dek=f"Dek of the {state} zqx gallery.",
        introduction=f"Introduction of the {state} zqx gallery.",
        section=section,
        created_by=by_photographer,
    )
    gallery.photographers.add(photographer)
    gallery.tags.add(tag)
    for position in range(items):
        item = ItemFactory(
            gallery=gallery,
            position=position,
            headline=f"Headline {state} zqx {position}",
            caption=f"Caption {state} zqx {position}.",
            photo__photographer=photographer,
            photo__rendered=rendered,
        )
        if rendered:
            render_photo.call(photo_id=item.photo_id)
    gallery.cover = gallery.items.first().photo
    gallery.save(update_fields=["cover"])
    later = timezone.now() + timezone.timedelta(days=2)
    with capture(execute=True):
        if state == "draft":
            return gallery
        workflow.submit_gallery(gallery=gallery, by=by_photographer)
        if state == "in_review":
            return gallery
        if state == "scheduled":
            return workflow.approve_gallery(gallery=gallery, by=editor, publish_at=later)
        if state == "due":
            # Approved and due, but publish_due has not run yet: still not public.
            workflow.approve_gallery(gallery=gallery, by=editor, publish_at=later)
            Gallery.objects.filter(pk=gallery.pk).update(publish_at=timezone.now() - timezone.timedelta(minutes=1))
            return gallery
        workflow.approve_gallery(gallery=gallery, by=editor)
        if state == "withdrawn":
            workflow.withdraw_gallery(gallery=gallery, by=editor, reason="Withdrawn: consent was withdrawn.")
    return gallery


@pytest.fixture
def newsroom(editor, photographer_user, django_capture_on_commit_callbacks):
    photographer = PhotographerFactory(name="Shared Photographer", slug="shared-photographer", user=photographer_user)
    tag = Tag.objects.create(name="Shared tag", slug="shared-tag")
    section = SectionFactory(name="Shared section", slug="shared-section")
    galleries = {
        state: _gallery(
            state,
            photographer=photographer,
            tag=tag,
            section=section,
            by_photographer=photographer_user,
            editor=editor,
            capture=django_capture_on_commit_callbacks,
        )
        for state in ("published", "draft", "in_review", "scheduled", "due", "withdrawn")
    }
    # A preview link exists for a draft; holding none, a reader must still get nothing through that road.
    from galleries.previews.links import create_preview_link

    create_preview_link(gallery=galleries["draft"], by=editor)
    UserFactory(username="someone")
    # Comments readers must never see: held on the published gallery, and approved on galleries that are not public.
    from tests.factories import CommentFactory

    CommentFactory(gallery=galleries["published"], status="pending", body="A held comment, not for readers.")
    CommentFactory(gallery=galleries["published"], body="A published comment.")
    for state in ("draft", "withdrawn", "scheduled"):
        CommentFactory(gallery=galleries[state], body=f"An approved comment on a {state} gallery.")
    # A request from a person pictured in a published photo: the standards desk's, never a reader's.
    PersonRequest.objects.create(
        item=galleries["published"].items.first(),
        photo=galleries["published"].items.first().photo,
        name="Requester Qwv Name",
        email="requester.qwv@example.org",
        ask=PersonRequest.Ask.BLUR,
        details="Details of a request qwv: the man on the left is me.",
    )
    return galleries


def _secrets(gallery: Gallery) -> set[str]:
    texts = {gallery.title, gallery.dek, gallery.introduction}
    for item in gallery.items.all():
        texts |= {item.headline, item.caption}
    texts |= set(Rendition.objects.filter(photo__items__gallery=gallery).values_list("name", flat=True))
    return texts


def _candidates(galleries: dict[str, Gallery]) -> dict[str, list[str]]:
    from galleries.models import Photographer, Section
    from newsroom.models import Comment

    slugs = [g.slug for g in Gallery.objects.all()]
    slugs += list(Tag.objects.values_list("slug", flat=True))
    slugs += list(Section.objects.values_list("slug", flat=True))
    slugs += list(Photographer.objects.values_list("slug", flat=True))
    ids = sorted(
        {*Gallery.objects.values_list("pk", flat=True), *Item.objects.values_list("pk", flat=True)}
        | {*Rendition.objects.values_list("photo_id", flat=True)}
    )
    names = list(Rendition.objects.values_list("name", flat=True))
    comments = [str(pk) for pk in Comment.objects.values_list("pk", flat=True)]
    return {"slug": slugs, "pk": [str(i) for i in ids], "comment": comments, "name": names, "token": ["not-a-token"]}


def _route_urls(galleries) -> list[str]:
    """Every named route outside the admin, reversed with every value its parameters could take."""
    candidates = _candidates(galleries)
    urls = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                ns = f"{namespace}:{entry.namespace}" if entry.namespace and namespace else entry.namespace
                walk(entry.url_patterns, ns or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                params = list(getattr(entry.pattern, "converters", {}))
                # Comment routes take comment ids: every comment, visible or not, is tried.
                pk_pool = candidates["comment"] if name.startswith("comments:") else candidates["pk"]
                pools = [
                    pk_pool if p == "pk" else candidates.get(p, candidates["pk"] if p.endswith("pk") else ["x"])
                    for p in params
                ]
                for values in itertools.product(*pools):
                    with contextlib.suppress(NoReverseMatch):
                        urls.append(reverse(name, kwargs=dict(zip(params, values, strict=True))))

    walk(get_resolver().url_patterns, "")
    return urls


def _links(base: str, body: str) -> list[str]:
    found = [a or b for a, b in LINK.findall(body)]
    for srcset in SRCSET.findall(body):
        found += [part.strip().split(" ")[0] for part in srcset.split(",") if part.strip()]
    urls = []
    for raw in found:
        url = urljoin(base, unescape(raw.strip()))
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc not in ("testserver", "127.0.0.1:8000"):
            continue
        if parts.scheme not in ("", "http", "https") or not parts.path.startswith("/"):
            continue
        urls.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return urls


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _crawl(client, seeds: list[str], *, secret: set[str], files: set[str]):
    """Visit the seeds and every link found on the way; (leaks, urls seen, urls that answered 200, limit)."""
    queue, seen, leaks, visited_ok = list(dict.fromkeys(seeds)), set(), [], []
    limit = len(queue) + MAX_LINKS
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or url.startswith("/admin/"):
            continue
        seen.add(url)
        response = client.get(url)
        body = _body(response)
        if response.status_code == 200:
            visited_ok.append(url)
            if any(name in url for name in files):
                leaks.append(f"{url} served a file readers may not fetch")
        leaks += [f"{url} shows {text!r}" for text in secret if text and text in body]
        if (response.status_code == 200 and "html" in response.get("Content-Type", "")) or "xml" in response.get(
            "Content-Type", ""
        ):
            queue += [link for link in _links(url, body) if link not in seen]
    return leaks, seen, visited_ok, limit


def test_no_unpublished_content_reaches_an_anonymous_reader(client, newsroom):
    published = newsroom["published"]
    secret = set().union(*(_secrets(g) for state, g in newsroom.items() if state != "published"))
    from newsroom.models import Comment

    # Worked out without Comment.objects.visible(), the chokepoint under test.
    secret |= set(Comment.objects.exclude(status="approved", gallery=published).values_list("body", flat=True))
    for request in PersonRequest.objects.all():
        secret |= {request.reference, request.name, request.email, request.details}
    unpublished_files = set(Rendition.objects.exclude(photo__items__gallery=published).values_list("name", flat=True))
    seeds = ["/", "/search/?q=zqx", "/search/?q=Gallery", *_route_urls(newsroom)]
    seeds += [g.get_absolute_url() for g in newsroom.values()]
    seeds += [item.get_absolute_url() for g in newsroom.values() for item in g.items.all()]
    seeds += [f"/media/{name}" for name in unpublished_files]

    leaks, seen, visited_ok, limit = _crawl(client, seeds, secret=secret, files=unpublished_files)

    assert leaks == []
    assert len(seen) < limit, "the crawl did not finish"
    # The crawler really walks the site: the published gallery, its pages and its feeds were reached.
    assert published.get_absolute_url() in visited_ok
    assert any(url.startswith("/tags/shared-tag/") for url in visited_ok)
    assert sum("rss" in url or "atom" in url or "sitemap" in url for url in visited_ok) >= 3


def test_no_file_of_an_unpublished_photo_is_in_the_public_storage(newsroom):
    public = storages["default"]
    published = newsroom["published"]
    for rendition in Rendition.objects.all():
        in_published = rendition.photo.items.filter(gallery=published).exists()
        assert public.exists(rendition.name) == in_published, rendition.name
        assert rendition.is_public == in_published


def test_staff_file_and_preview_routes_refuse_anonymous_readers(client, newsroom):
    draft = newsroom["draft"]
    rendition = Rendition.objects.filter(photo__items__gallery=draft).first()
    item = draft.items.first()

    for url in (
        f"/staff-media/{rendition.name}",
        f"/preview/{draft.pk}/",
        f"/preview/{draft.pk}/photos/{item.pk}/",
        f"/preview/{draft.pk}/links/",
        f"/preview/link/not-a-token/media/{rendition.name}",
    ):
        response = client.get(url)
        assert response.status_code in {302, 403, 404}, url
        assert draft.title not in _body(response)


# A reply's "in reply to" names the comment it answers; once a moderator hides that comment, no road may
# print its author's name or words again.
HIDDEN_PARENT = {"removed": "remove_comment", "spam": "mark_spam", "rejected": "reject_comment"}


def _conversation(*, item=None):
    from tests.factories import CommentFactory

    gallery = published_gallery_for_comments()
    item = gallery.items.first() if item else None
    root = CommentFactory(gallery=gallery, item=item, author_name="Rosa Root", body="The root of the thread.")
    answer = CommentFactory(parent=root, author_name="Sam Hidden", body="Words a moderator took down.")
    reply = CommentFactory(parent=answer, author_name="Bea Reply", body="An answer to the hidden words.")
    return gallery, item, root, answer, reply


def published_gallery_for_comments():
    from tests.factories import published_gallery

    return published_gallery(items=2)


def _public_roads(client, *, gallery, item, root, reply) -> list[str]:
    """Every page an anonymous reader can reach the reply on: its page, its thread, load-more and permalink."""
    page = (item or gallery).get_absolute_url()
    bodies = [client.get(page).text, client.get(f"{page}?notice=1").text]
    bodies.append(client.get(reverse("comments:thread", kwargs={"pk": root.pk})).text)
    bodies.append(client.get(reverse("comments:replies", kwargs={"pk": root.pk}), {"after": 0}).text)
    bodies.append(client.get(reverse("comments:permalink", kwargs={"pk": reply.pk}), follow=True).text)
    return bodies


@pytest.mark.parametrize("on_photo", [False, True], ids=["gallery-thread", "photo-thread"])
@pytest.mark.parametrize("status", list(HIDDEN_PARENT))
def test_a_reply_never_names_a_comment_a_moderator_hid(
    client, moderator, django_capture_on_commit_callbacks, status, on_photo
):
    from newsroom import moderation

    gallery, item, root, answer, reply = _conversation(item=on_photo)
    # Read once first, so any cached page or fragment would still hold the name.
    before = _public_roads(client, gallery=gallery, item=item, root=root, reply=reply)
    assert all("Bea Reply" in body for body in before)
    assert "in reply to <bdi>Sam Hidden</bdi>" in before[0]

    with django_capture_on_commit_callbacks(execute=True):
        getattr(moderation, HIDDEN_PARENT[status])(comment=answer, by=moderator, reason="Breaks the rules.")

    for body in _public_roads(client, gallery=gallery, item=item, root=root, reply=reply):
        assert "Bea Reply" in body and "An answer to the hidden words." in body
        assert "Sam Hidden" not in body and "Words a moderator took down." not in body
        assert f'href="#comment-{answer.pk}"' not in body
    assert client.get(reverse("comments:permalink", kwargs={"pk": answer.pk})).status_code == 404
    assert client.get(reverse("comments:reply", kwargs={"pk": answer.pk})).status_code == 404


def _hide_by_reports(comment, **_):
    from django.conf import settings

    from newsroom.moderation import report_comment

    for n in range(settings.LOUPE_COMMENT_REPORTS_TO_HIDE):
        report_comment(comment=comment, reason="abuse", reporter_key=f"reader-{n}", ip_hash=f"{n:032d}")


def _erase(comment, **_):
    from newsroom.privacy import erase_commenter_data

    erase_commenter_data(email=comment.author_email)


def _delete_in_the_admin(comment, **_):
    from django.test import Client

    admin = Client()
    admin.force_login(UserFactory(username="superuser", is_staff=True, is_superuser=True))
    admin.post(reverse("admin:newsroom_comment_delete", args=[comment.pk]), {"post": "yes"})


def _decision(name: str):
    def decide(comment, *, moderator):
        from newsroom import moderation

        getattr(moderation, name)(comment=comment, by=moderator, reason="Breaks the rules.")

    return decide


# Each thread of a comment section is kept in the cache under its own version, shared by every order and page
# of comments: whatever hides a comment must leave each cached copy of its thread.
HIDING_ROADS = {
    **{status: _decision(name) for status, name in HIDDEN_PARENT.items()},
    "hidden-by-reports": _hide_by_reports,
    "erased": _erase,
    "deleted": _delete_in_the_admin,
}


@pytest.mark.parametrize("on_photo", [False, True], ids=["gallery-thread", "photo-thread"])
@pytest.mark.parametrize("road", list(HIDING_ROADS))
def test_a_hidden_comment_leaves_every_cached_copy_of_its_thread(
    client, moderator, django_capture_on_commit_callbacks, road, on_photo
):
    from newsroom.models import SORTS

    gallery, item, _root, answer, _reply = _conversation(item=on_photo)
    page = (item or gallery).get_absolute_url()
    orders = [{"csort": sort} for sort in SORTS]
    assert all("Words a moderator took down." in client.get(page, order).text for order in orders)

    with django_capture_on_commit_callbacks(execute=True):
        HIDING_ROADS[road](answer, moderator=moderator)

    for order in orders:
        body = client.get(page, order).text
        assert "Rosa Root" in body
        assert "Sam Hidden" not in body and "Words a moderator took down." not in body


@pytest.mark.parametrize("on_photo", [False, True], ids=["gallery-thread", "photo-thread"])
@pytest.mark.parametrize("hide", ["unpublished", "withdrawn"])
def test_no_comment_of_a_hidden_gallery_reaches_a_reader(
    client, editor, django_capture_on_commit_callbacks, hide, on_photo
):
    from galleries import workflow

    gallery, item, root, answer, reply = _conversation(item=on_photo)
    if hide == "withdrawn":
        # Read while public, so any cached page or fragment would still hold the comments.
        _public_roads(client, gallery=gallery, item=item, root=root, reply=reply)
        with django_capture_on_commit_callbacks(execute=True):
            workflow.withdraw_gallery(gallery=gallery, by=editor, reason="Consent was withdrawn.")
    else:
        # Approved comments on a gallery that is not (or not yet) published.
        Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.APPROVED, published_at=None)

    page = (item or gallery).get_absolute_url()
    roads = [
        page,
        f"{page}?notice=1",
        reverse("comments:thread", kwargs={"pk": root.pk}),
        reverse("comments:replies", kwargs={"pk": root.pk}) + "?after=0",
        *(
            reverse(f"comments:{name}", kwargs={"pk": c.pk})
            for name in ("permalink", "reply")
            for c in (root, answer, reply)
        ),
    ]
    for url in roads:
        response = client.get(url)
        assert response.status_code in {404, 410}, url
        for text in ("Rosa Root", "Sam Hidden", "Bea Reply", "The root of the thread."):
            assert text not in response.text, url


# A photo taken down (a licence that ended, a kill notice, a request from someone pictured) leaves every road at
# once: its files, its social card, its feed and sitemap entries. Its item stays with its caption and says so,
# unless the editor hid the item, which then leaves with it.
@pytest.fixture
def takedown(client, editor, photographer_user, django_capture_on_commit_callbacks):
    from galleries.models import GalleryDayStats, Photo
    from galleries.takedowns import take_down_photo

    photographer = PhotographerFactory(name="Taken Photographer", slug="taken-photographer", user=photographer_user)
    gallery = _gallery(
        "published",
        photographer=photographer,
        tag=Tag.objects.create(name="Taken tag", slug="taken-tag"),
        section=SectionFactory(name="Taken section", slug="taken-section"),
        by_photographer=photographer_user,
        editor=editor,
        capture=django_capture_on_commit_callbacks,
        items=3,
        # Sketched renditions: real rows and files, no pixels encoded; what is tested is where they may go.
        rendered=False,
    )
    GalleryDayStats.objects.create(gallery=gallery, day=timezone.localdate(), views=40, votes=3)
    kept, shown, hidden = gallery.items.all()
    assert gallery.cover_id == kept.photo_id
    down = {kept.photo_id, hidden.photo_id}
    files = set(Rendition.objects.filter(photo__in=down).values_list("name", flat=True))
    # Read every road first, so any cached page, fragment or feed would still name the photos.
    for url in ["/", gallery.get_absolute_url(), kept.get_absolute_url(), hidden.get_absolute_url(), "/rss/"]:
        assert client.get(url).status_code == 200
    assert all(storages["default"].exists(name) for name in files)
    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(
            photo=kept.photo, by=editor, reason="Kill notice from the agency.", cause=Photo.TakedownCause.KILL_NOTICE
        )
        take_down_photo(photo=hidden.photo, by=editor, reason="Asked by the person pictured.", hide_item=True)
    return {"gallery": gallery, "kept": kept, "shown": shown, "hidden": hidden, "files": files}


def test_a_photo_taken_down_leaves_every_public_road(client, takedown):
    gallery, kept, hidden, files = takedown["gallery"], takedown["kept"], takedown["hidden"], takedown["files"]
    # Alt text describes the photo (perhaps the person who asked for it to go): it leaves with the photo.
    Item.objects.filter(pk=kept.pk).update(alt_text="A woman in a red scarf zqxalt.")
    secret = files | {hidden.headline, hidden.caption, "zqxalt"}
    seeds = ["/", "/search/?q=zqx", "/search/?q=Caption", "/rss/", "/atom/", "/sitemap.xml", "/sitemap-news.xml"]
    seeds += ["/photographers/taken-photographer/", "/photographers/taken-photographer/rss/", "/tags/taken-tag/atom/"]
    seeds += [gallery.get_absolute_url(), kept.get_absolute_url(), hidden.get_absolute_url()]
    seeds += [f"/media/{name}" for name in files]
    seeds += [f"/preview/link/not-a-token/media/{name}" for name in files]

    leaks, seen, visited_ok, limit = _crawl(client, seeds, secret=secret, files=files)

    assert leaks == []
    assert len(seen) < limit, "the crawl did not finish"
    assert {gallery.get_absolute_url(), kept.get_absolute_url(), "/rss/", "/sitemap.xml", "/"} <= set(visited_ok)
    assert not any(storages["default"].exists(name) for name in files)
    assert not Rendition.objects.filter(name__in=files, is_public=True).exists()


def test_the_gallery_still_reads_well_without_the_photo_taken_down(client, takedown):
    gallery, kept, shown, hidden = takedown["gallery"], takedown["kept"], takedown["shown"], takedown["hidden"]
    shown_card = Rendition.objects.get(photo=shown.photo, purpose="social", format="jpeg").name

    page = client.get(gallery.get_absolute_url()).text
    assert page.count("This photo is no longer available.") == 1
    assert kept.caption in page and shown.caption in page and hidden.caption not in page
    # The cover was taken down: another photo's card stands in for the gallery's social card.
    assert f'<meta property="og:image" content="{absolute(storages["default"].url(shown_card))}">' in page

    photo_page = client.get(kept.get_absolute_url())
    assert photo_page.status_code == 200
    assert "This photo is no longer available." in photo_page.text and kept.caption in photo_page.text
    assert 'property="og:image"' not in photo_page.text
    assert photo_page["X-Robots-Tag"] == "noindex"
    gone = client.get(hidden.get_absolute_url())
    assert gone.status_code == 410 and "This photo is no longer available." in gone.text
    assert hidden.caption not in gone.text and hidden.headline not in gone.text

    # The feed's picture and the image sitemap name only the photo still shown.
    shown_files = set(Rendition.objects.filter(photo=shown.photo).values_list("name", flat=True))
    feed = client.get("/rss/").text
    assert "<media:content" in feed and any(name in feed for name in shown_files)
    sitemap = client.get("/sitemap.xml").text
    assert sitemap.count("<image:image>") == 1 and any(name in sitemap for name in shown_files)

    from galleries.popularity import trending

    assert [g.pk for g in trending()] == [gallery.pk]
    # The card stands for the gallery with the first photo still up, never the cover taken down.
    card = trending()[0]
    assert card.card_photo.pk != gallery.cover_id
    assert {r.photo_id for r in card.card_renditions} == {card.card_photo.pk}


def test_a_photo_put_back_returns_to_every_road(client, editor, takedown, django_capture_on_commit_callbacks):
    from galleries.takedowns import restore_photo

    gallery, kept, files = takedown["gallery"], takedown["kept"], takedown["files"]
    with django_capture_on_commit_callbacks(execute=True):
        restore_photo(photo=kept.photo, by=editor, reason="The agency lifted the kill notice.")

    kept_files = set(Rendition.objects.filter(photo=kept.photo).values_list("name", flat=True))
    assert kept_files <= files
    assert all(storages["default"].exists(name) for name in kept_files)
    page = client.get(gallery.get_absolute_url()).text
    assert page.count("This photo is no longer available.") == 0
    assert any(name in page for name in kept_files)


def test_comments_on_a_photo_taken_down_with_its_items_hidden_leave_with_it(
    client, editor, django_capture_on_commit_callbacks
):
    from galleries.takedowns import take_down_photo
    from newsroom.models import Comment

    gallery = published_gallery(items=2)
    hidden, kept = gallery.items.order_by("position")
    said = Comment.objects.create(
        gallery=gallery, item=hidden, author_name="Neighbour", body="That is zqxname on the left.", status="approved"
    )
    answer = Comment.objects.create(
        gallery=gallery,
        item=hidden,
        parent=said,
        root=said,
        depth=1,
        author_name="Other",
        body="Yes, zqxname again.",
        status="approved",
    )
    elsewhere = Comment.objects.create(
        gallery=gallery, item=kept, author_name="Reader", body="Fine light.", status="approved"
    )
    roads = [
        reverse("comments:permalink", args=[said.pk]),
        reverse("comments:permalink", args=[answer.pk]),
        reverse("comments:thread", args=[said.pk]),
        reverse("comments:replies", args=[said.pk]),
        f"/api/v1/comments/{said.pk}/replies/",
    ]
    # Read every road first, so a cached page or answer would still carry the words.
    assert [client.get(road).status_code for road in roads] == [302, 302, 200, 200, 200]
    assert "zqxname" in client.get(reverse("comments:thread", args=[said.pk])).text

    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=hidden.photo, by=editor, reason="Asked by the person pictured.", hide_item=True)

    for road in roads:
        response = client.get(road)
        assert response.status_code == 404, road
        assert "zqxname" not in response.text
    assert not Comment.objects.visible().filter(pk__in=[said.pk, answer.pk]).exists()
    assert Comment.objects.visible().filter(pk=elsewhere.pk).exists()
    assert client.get(reverse("comments:permalink", args=[elsewhere.pk])).status_code == 302
