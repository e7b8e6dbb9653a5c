import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from galleries.models import Gallery
from newsroom import trust
from newsroom.markup import render_comment_body
from newsroom.models import REPLIES_PER_FETCH, REPLIES_SHOWN, ROOTS_PER_PAGE, Comment, CommentVote
from newsroom.moderation import issue_form_stamp
from newsroom.sections import CommentSection
from tests.factories import CommentFactory, GalleryFactory
from tests.newsroom.conftest import SAME_SITE

pytestmark = pytest.mark.django_db

POST_URL = reverse("comments:post")


def form_data(gallery, **extra) -> dict:
    data = {
        "gallery": gallery.pk,
        "body": "The light in photo 3 is extraordinary.",
        "author_name": "Ada Reader",
        "author_email": "ada@example.org",
        "website": "",
        # Shown a minute ago: well past the minimum time a person needs to write.
        "stamp": issue_form_stamp(at=time.time() - 60),
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def gallery():
    return GalleryFactory(published=True, items=2)


@pytest.fixture
def trusted(gallery, client):
    """Ada has an approved comment already, and her browser holds its proof, so hers are published at once."""
    comment = CommentFactory(gallery=gallery, author_name="Ada Reader", author_email="ada@example.org")
    client.cookies[trust.COOKIE] = trust.sign_proof([comment.pk])
    return comment


def test_first_comment_waits_for_review_and_the_reader_is_told(client, gallery):
    response = client.post(POST_URL, form_data(gallery), follow=True)

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.policy_reason == "First-time commenter."
    assert response.redirect_chain[-1][0] == f"{gallery.get_absolute_url()}?notice=1#comments"
    assert "waiting for review" in response.content.decode()
    assert comment.body not in response.content.decode()


def test_trusted_reader_comment_is_published_on_the_photo_page(client, gallery, trusted):
    item = gallery.items.last()
    response = client.post(POST_URL, form_data(gallery, item=item.pk), follow=True)

    comment = Comment.objects.latest("id")
    assert comment.status == Comment.Status.APPROVED
    assert comment.item == item
    assert response.redirect_chain[-1][0] == f"{item.get_absolute_url()}?notice=1#comment-{comment.pk}"
    page = response.content.decode()
    assert "Your comment is published." in page
    assert f'id="comment-{comment.pk}"' in page


def test_the_message_is_shown_even_when_the_page_is_cached(client, gallery, trusted, settings):
    settings.LOUPE_PAGE_CACHE_SECONDS = 300
    client.get(gallery.get_absolute_url())
    client.get(gallery.get_absolute_url())

    response = client.post(POST_URL, form_data(gallery, body="Fresh words"), follow=True)

    page = response.content.decode()
    assert "Your comment is published." in page
    assert "Fresh words" in page


def test_comment_on_an_item_of_another_gallery_is_refused(client, gallery):
    other = GalleryFactory(published=True, items=1)
    response = client.post(POST_URL, form_data(gallery, item=other.items.get().pk))

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_comment_on_an_unpublished_gallery_is_refused(client):
    draft = GalleryFactory(items=1)
    response = client.post(POST_URL, form_data(draft))

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_logged_in_reader_comments_under_their_account(client, reader, gallery):
    client.force_login(reader)
    response = client.post(POST_URL, form_data(gallery, author_name=None, author_email=None))

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.user == reader
    assert comment.author_name == "reader"
    assert comment.author_email == reader.email


def test_missing_name_and_email_are_explained(client, gallery):
    response = client.post(POST_URL, form_data(gallery, author_name="", author_email=""))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the name to show with your comment." in page
    assert "never shown" in page
    assert not Comment.objects.exists()


def test_too_long_comment_gets_a_clear_message_and_keeps_the_text(client, gallery, settings):
    settings.LOUPE_COMMENT_MAX_LENGTH = 50
    body = "x" * 51
    response = client.post(POST_URL, form_data(gallery, body=body))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Comments can be at most 50 characters; yours has 51." in page
    assert body in page
    assert not Comment.objects.exists()


CROSS_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Referer": "https://evil.example/page"},
    {},
]
CROSS_SITE_IDS = ["other-origin", "null-origin", "other-referer", "neither"]


def _write(name: str, gallery) -> tuple[str, dict]:
    """Each comment form on the public pages: where it posts and what it sends."""
    comment = CommentFactory(gallery=gallery, author_name="Bo")
    if name == "post":
        return POST_URL, form_data(gallery)
    if name == "reply":
        return POST_URL, form_data(gallery, parent=comment.pk)
    return reverse(f"comments:{name}", args=[comment.pk]), {"reason": "spam"}


def _written() -> tuple[int, int, int]:
    return (
        Comment.objects.exclude(author_name="Bo").count(),
        CommentVote.objects.count(),
        sum(Comment.objects.values_list("report_count", flat=True)),
    )


@pytest.mark.parametrize("name", ["post", "reply", "vote", "report"])
@pytest.mark.parametrize("headers", CROSS_SITE, ids=CROSS_SITE_IDS)
def test_comment_writes_from_other_sites_are_refused(gallery, name, headers):
    url, data = _write(name, gallery)

    response = Client().post(url, data, headers=headers)

    assert response.status_code == 403
    assert _written() == (0, 0, 0)


def test_a_comment_from_another_site_gets_the_sites_403_page_and_no_cookie(gallery):
    url, data = _write("post", gallery)

    response = Client().post(url, data, headers={"Origin": "https://evil.example"})

    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
    assert '<header class="site-header">' in response.text and "<title>Send the form from" in response.text
    assert "only from the forms on" in response.text and "own pages" in response.text
    assert not response.cookies
    assert Comment.objects.exclude(author_name="Bo").count() == 0


@pytest.mark.parametrize("name", ["post", "reply", "vote", "report"])
@pytest.mark.parametrize(
    "headers", [{"Origin": "http://testserver"}, {"Referer": "http://testserver/galleries/"}], ids=["origin", "referer"]
)
def test_comment_writes_from_this_site_need_no_csrf_token(gallery, name, headers):
    url, data = _write(name, gallery)

    response = Client(enforce_csrf_checks=True).post(url, data, headers=headers)

    assert response.status_code == 302
    assert sum(_written()) == 1


def test_comment_writes_refuse_get(client, gallery):
    assert client.get(POST_URL).status_code == 405
    assert client.get(reverse("comments:vote", args=[CommentFactory(gallery=gallery).pk])).status_code == 405


XSS = [
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_payload_is_stored_verbatim_and_shown_escaped(client, gallery, trusted, payload):
    client.post(POST_URL, form_data(gallery, body=f"Look {payload} here"))
    comment = Comment.objects.latest("id")
    assert comment.body == f"Look {payload} here"

    page = client.get(gallery.get_absolute_url()).content.decode()
    for raw in ["<script>alert", "<img", "<svg", '<a href="javascript']:
        assert raw not in page
    if "<" in payload:
        assert payload.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in page or (
            payload.replace("<", "&lt;").replace(">", "&gt;") in page
        )


def test_urls_become_links_nobody_vouches_for():
    html = render_comment_body("See https://example.org/story?a=1&b=2 and <b>this</b>")

    assert 'href="https://example.org/story?a=1&amp;b=2"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert "&lt;b&gt;this&lt;/b&gt;" in html


def test_reply_attaches_to_its_parent(client, gallery, trusted):
    response = client.post(POST_URL, form_data(gallery, parent=trusted.pk, body="I agree with you."))

    reply = Comment.objects.latest("id")
    assert response.status_code == 302
    assert (reply.parent, reply.root, reply.depth) == (trusted, trusted, 1)


def test_reply_page_works_without_javascript(client, trusted):
    response = client.get(reverse("comments:reply", args=[trusted.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'name="parent" value="{trusted.pk}"' in page
    assert trusted.body in page


def test_reply_deeper_than_the_limit_attaches_to_the_deepest_allowed_ancestor(client, gallery, trusted, settings):
    settings.LOUPE_COMMENT_MAX_DEPTH = 3
    level1 = CommentFactory(parent=trusted)
    level2 = CommentFactory(parent=level1)
    level3 = CommentFactory(parent=level2)

    client.post(POST_URL, form_data(gallery, parent=level3.pk, body="Going deeper."))

    reply = Comment.objects.latest("id")
    assert reply.parent == level2
    assert reply.depth == 3
    assert reply.root == trusted


def test_reply_to_a_hidden_comment_is_refused(client, gallery, trusted):
    hidden = CommentFactory(gallery=gallery, status=Comment.Status.PENDING)
    response = client.post(POST_URL, form_data(gallery, parent=hidden.pk))

    assert response.status_code == 404
    assert Comment.objects.count() == 2


def test_newest_first_and_top_first(client, gallery):
    old = CommentFactory(gallery=gallery, body="Old and loved", vote_count=9)
    new = CommentFactory(gallery=gallery, body="New and quiet", vote_count=0)

    newest = client.get(gallery.get_absolute_url()).content.decode()
    top = client.get(gallery.get_absolute_url() + "?csort=top").content.decode()

    assert newest.index(new.body) < newest.index(old.body)
    assert top.index(old.body) < top.index(new.body)


def test_only_visible_comments_are_shown_and_counted(client, gallery):
    shown = CommentFactory(gallery=gallery, body="Approved words")
    for status in ["pending", "rejected", "spam", "removed"]:
        CommentFactory(gallery=gallery, body=f"Hidden {status} words", status=status)

    page = client.get(gallery.get_absolute_url()).content.decode()

    assert shown.body in page
    assert "Hidden" not in page
    assert 'class="comment-count">(1)' in page


def test_comments_of_a_withdrawn_gallery_are_not_visible():
    comment = CommentFactory(gallery=GalleryFactory(withdrawn=True))

    assert not Comment.objects.visible().filter(pk=comment.pk).exists()


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_comments_on_one_gallery_are_visible_only_while_it_is_public(state):
    hidden = GalleryFactory(withdrawn=True) if state == "withdrawn" else GalleryFactory()
    if state == "scheduled":
        # Marked published, but its time has not come.
        hidden.status, hidden.published_at = Gallery.Status.PUBLISHED, timezone.now() + timezone.timedelta(hours=1)
        hidden.save()
    public = GalleryFactory(published=True)
    CommentFactory(gallery=hidden)
    mine = CommentFactory(gallery=public)
    CommentFactory(gallery=public, status=Comment.Status.PENDING)

    assert not Comment.objects.visible(on=hidden).exists()
    assert list(Comment.objects.visible(on=public)) == [mine]
    assert set(Comment.objects.visible(on=public)) == set(Comment.objects.visible().filter(gallery=public))


def test_counts_per_gallery_and_per_item(rf, gallery):
    first, second = gallery.items.all()
    CommentFactory(gallery=gallery)
    CommentFactory(gallery=gallery, item=first)
    root = CommentFactory(gallery=gallery, item=first)
    CommentFactory(parent=root)

    section = CommentSection(_get(rf), gallery=gallery)
    item_section = CommentSection(_get(rf), gallery=gallery, item=first)

    assert section.count == 1
    assert section.counts.all == 4
    assert section.counts.of(first) == 3 and section.counts.of(second) == 0
    assert item_section.count == 3


HIDDEN = [status for status in Comment.Status if status != Comment.Status.APPROVED]


def _status(n: int) -> str:
    # Two in three approved, the rest in every hidden state.
    return HIDDEN[n % len(HIDDEN)] if n % 3 == 0 else Comment.Status.APPROVED


def _shown(section) -> list[tuple[int, list[int], int]]:
    # The threads of the section's roots, as its markup is rendered from them.
    threads = Comment.objects.visible().threads_of(section.roots)
    return [(t.root.pk, [r.pk for r in t.replies], t.reply_count) for t in threads]


def _expected(gallery, item, order: list[str], page: int) -> list[tuple[int, list[int], int]]:
    roots = Comment.objects.visible(on=gallery).filter(item=item, parent=None).order_by(*order)
    threads = []
    for root in roots[(page - 1) * ROOTS_PER_PAGE : page * ROOTS_PER_PAGE]:
        replies = list(
            Comment.objects.visible(on=gallery).filter(root=root).order_by("id").values_list("pk", flat=True)
        )
        threads.append((root.pk, replies[:REPLIES_SHOWN], len(replies)))
    return threads


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("newest", ["-created_at", "-id"]),
        ("oldest", ["created_at", "id"]),
        ("top", ["-vote_count", "-created_at", "-id"]),
    ],
)
def test_comment_section_shows_exactly_what_visible_allows(rf, gallery, sort, order):
    item = gallery.items.first()
    for target in (None, item):
        for n in range(ROOTS_PER_PAGE * 2 + 5):
            root = CommentFactory(gallery=gallery, item=target, status=_status(n), vote_count=n % 4)
            for m in range(n % 6):
                CommentFactory(parent=CommentFactory(parent=root) if m == 4 else root, status=_status(n + m))

    for target in (None, item):
        for page in (1, 2):
            section = CommentSection(_get(rf, f"/?csort={sort}&cpage={page}"), gallery=gallery, item=target)
            assert _shown(section) == _expected(gallery, target, order, page)
            assert section.count == Comment.objects.visible(on=gallery).filter(item=target).count()
            assert section.page.number == page
    assert section.counts.all == Comment.objects.visible(on=gallery).count()


def test_comment_section_of_a_gallery_readers_cannot_see_is_empty(rf):
    hidden = GalleryFactory(items=1)
    CommentFactory(gallery=hidden)

    section = CommentSection(_get(rf), gallery=hidden)

    assert section.roots == [] and section.thread_markup == [] and section.counts.all == 0


def _get(rf, path="/"):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get(path)
    request.user = AnonymousUser()
    return request


def test_thread_shows_first_replies_and_a_load_more_link(client, gallery):
    root = CommentFactory(gallery=gallery)
    replies = [CommentFactory(parent=root) for _ in range(REPLIES_SHOWN + 2)]

    page = client.get(gallery.get_absolute_url()).content.decode()

    for shown in replies[:REPLIES_SHOWN]:
        assert f'id="comment-{shown.pk}"' in page
    for hidden in replies[REPLIES_SHOWN:]:
        assert f'id="comment-{hidden.pk}"' not in page
    assert f'href="{reverse("comments:thread", args=[root.pk])}"' in page
    assert f"?after={replies[REPLIES_SHOWN - 1].pk}" in page
    assert "Load more replies (2)" in page


def test_load_more_returns_the_next_replies_as_a_fragment(client, gallery):
    root = CommentFactory(gallery=gallery)
    replies = [CommentFactory(parent=root) for _ in range(REPLIES_SHOWN + REPLIES_PER_FETCH + 1)]
    url = reverse("comments:replies", args=[root.pk])

    first = client.get(url, {"after": replies[REPLIES_SHOWN - 1].pk}).content.decode()
    batch = replies[REPLIES_SHOWN : REPLIES_SHOWN + REPLIES_PER_FETCH]

    assert "<html" not in first
    assert all(f'id="comment-{reply.pk}"' in first for reply in batch)
    assert f'id="comment-{replies[-1].pk}"' not in first
    assert f"?after={batch[-1].pk}" in first

    last = client.get(url, {"after": batch[-1].pk}).content.decode()
    assert f'id="comment-{replies[-1].pk}"' in last
    assert "Load more replies" not in last


def test_thread_page_shows_every_reply_in_order(client, gallery):
    root = CommentFactory(gallery=gallery)
    replies = [CommentFactory(parent=root) for _ in range(8)]
    CommentFactory(parent=root, status=Comment.Status.PENDING, body="Not yet")

    page = client.get(reverse("comments:thread", args=[root.pk])).content.decode()

    positions = [page.index(f'id="comment-{reply.pk}"') for reply in replies]
    assert positions == sorted(positions)
    assert "Not yet" not in page


def test_permalink_finds_the_page_of_its_thread(client, gallery):
    oldest = CommentFactory(gallery=gallery)
    for _ in range(ROOTS_PER_PAGE):
        CommentFactory(gallery=gallery)

    response = client.get(reverse("comments:permalink", args=[oldest.pk]))

    assert response.url == f"{gallery.get_absolute_url()}?cpage=2#comment-{oldest.pk}"
    assert f'id="comment-{oldest.pk}"' in client.get(response.url).content.decode()


def test_permalink_of_a_late_reply_leads_to_the_thread_page(client, gallery):
    root = CommentFactory(gallery=gallery)
    replies = [CommentFactory(parent=root) for _ in range(REPLIES_SHOWN + 1)]

    response = client.get(reverse("comments:permalink", args=[replies[-1].pk]))

    assert response.url == f"{reverse('comments:thread', args=[root.pk])}#comment-{replies[-1].pk}"


def test_permalink_of_a_hidden_comment_is_not_found(client):
    comment = CommentFactory(status=Comment.Status.PENDING)

    assert client.get(reverse("comments:permalink", args=[comment.pk])).status_code == 404


def _comments(gallery, count: int) -> None:
    roots = Comment.objects.bulk_create(
        Comment(gallery=gallery, author_name=f"R{n}", body=f"Root {n}", status="approved") for n in range(count // 4)
    )
    Comment.objects.bulk_create(
        Comment(gallery=gallery, parent=root, root=root, depth=1, author_name="A", body="Reply", status="approved")
        for root in roots
        for _ in range(3)
    )


@pytest.mark.parametrize("count", [40, 1000])
def test_comment_section_queries_do_not_grow(rf, django_assert_num_queries, gallery, count):
    from django.template import engines

    _comments(gallery, count)
    gallery = Gallery.objects.published().get(pk=gallery.pk)  # as its page loads it
    request = _get(rf)
    section = engines["django"].from_string("{% load comments %}{% comment_section gallery %}")
    # 1. counts for the gallery and each item, 2. one page of top-level comments (each with the name it
    # answers, when that comment is visible), 3. the first replies of those threads, through a window function.
    with django_assert_num_queries(3):
        html = section.render({"gallery": gallery}, request=request)

    assert f'class="comment-count">({count})' in html
    assert html.count('class="comment ') == ROOTS_PER_PAGE * (1 + REPLIES_SHOWN) if count >= 80 else True


def test_gallery_page_with_1000_comments_shows_one_page(client, gallery):
    _comments(gallery, 1000)

    page = client.get(gallery.get_absolute_url()).content.decode()

    assert page.count('class="comment comment-depth-0"') == ROOTS_PER_PAGE
    assert "Page 1 of 13" in page


def test_upvote_counts_once_per_reader(client, gallery):
    comment = CommentFactory(gallery=gallery)
    url = reverse("comments:vote", args=[comment.pk])

    first = client.post(url)
    client.post(url)

    comment.refresh_from_db()
    assert first.status_code == 302
    assert comment.vote_count == 1
    assert CommentVote.objects.count() == 1


def test_one_address_counts_only_a_few_readers_like_photo_votes(gallery):
    from galleries.popularity import VOTES_PER_ADDRESS_PER_PHOTO

    comment = CommentFactory(gallery=gallery)
    url = reverse("comments:vote", args=[comment.pk])
    for _ in range(VOTES_PER_ADDRESS_PER_PHOTO + 2):
        Client(headers=SAME_SITE).post(url)

    comment.refresh_from_db()
    assert comment.vote_count == VOTES_PER_ADDRESS_PER_PHOTO


def test_posting_too_fast_gets_429(client, gallery, settings):
    settings.LOUPE_COMMENT_RATE_LIMIT = 2
    responses = [client.post(POST_URL, form_data(gallery, body=f"Thought {n}")) for n in range(3)]

    assert [r.status_code for r in responses] == [302, 302, 429]
    assert "wait a minute" in responses[-1].content.decode()
    assert Comment.objects.count() == 2


def test_rate_limit_counts_per_account_too(client, reader, gallery, settings):
    settings.LOUPE_COMMENT_RATE_LIMIT = 1
    client.force_login(reader)
    client.post(POST_URL, form_data(gallery, author_name=None, author_email=None, body="One"))
    response = client.post(
        POST_URL, form_data(gallery, author_name=None, author_email=None, body="Two"), REMOTE_ADDR="10.0.0.9"
    )

    assert response.status_code == 429


def test_votes_are_rate_limited(client, gallery, settings):
    settings.LOUPE_COMMENT_VOTE_RATE_LIMIT = 2
    comments = [CommentFactory(gallery=gallery) for _ in range(3)]
    responses = [client.post(reverse("comments:vote", args=[c.pk])) for c in comments]

    assert [r.status_code for r in responses] == [302, 302, 429]


def test_ip_is_stored_only_as_a_hash(client, gallery):
    client.post(POST_URL, form_data(gallery), REMOTE_ADDR="203.0.113.7")

    comment = Comment.objects.get()
    assert comment.ip_hash
    assert "203.0.113.7" not in comment.ip_hash


def test_gallery_page_shows_comment_counts_per_photo(client, gallery):
    first, second = gallery.items.all()
    CommentFactory(gallery=gallery, item=second)
    CommentFactory(gallery=gallery, item=second)
    CommentFactory(gallery=gallery, item=second, status=Comment.Status.PENDING)

    page = client.get(gallery.get_absolute_url()).content.decode()

    assert f'href="{second.get_absolute_url()}#comments">2 comments' in page
    assert f'href="{first.get_absolute_url()}#comments">0 comments' in page


def test_comment_bodies_are_escaped_paragraphs_and_only_addresses_become_links():
    plain = render_comment_body("Lovely <b>light</b> & shade.\r\n\r\nThanks.")
    assert plain == "<p>Lovely &lt;b&gt;light&lt;/b&gt; &amp; shade.</p>\n\n<p>Thanks.</p>"
    linked = render_comment_body("More at https://example.org/harbour today.")
    assert '<a href="https://example.org/harbour" rel="nofollow ugc noopener">' in linked


def test_each_comment_links_to_its_own_permalink_vote_reply_and_report(client, gallery):
    root = CommentFactory(gallery=gallery, author_name="Ann <Reader>")
    reply = CommentFactory(gallery=gallery, parent=CommentFactory(gallery=gallery, parent=root), author_name="Bo")
    html = client.get(gallery.get_absolute_url()).text

    for comment in (root, reply):
        assert f'href="{comment.get_absolute_url()}"' in html
        for name in ("vote", "reply", "report"):
            assert reverse(f"comments:{name}", kwargs={"pk": comment.pk}) in html
    assert "Ann &lt;Reader&gt;" in html
    assert f'href="#comment-{reply.parent_id}">in reply to ' in html


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/St_Johns"])
def test_each_comment_is_dated_in_the_newsrooms_time_zone_as_django_writes_dates(client, gallery, settings, zone):
    from datetime import UTC, datetime

    from django.template.defaultfilters import date
    from django.utils.timezone import localtime

    settings.TIME_ZONE = zone
    written = datetime(2026, 1, 31, 23, 5, 9, 123456, tzinfo=UTC)
    comment = CommentFactory(gallery=gallery, created_at=written)

    html = client.get(gallery.get_absolute_url()).text

    local = localtime(written)
    assert f'<time datetime="{local.isoformat(timespec="seconds")}">{date(local, "j M Y, H:i")}</time>' in html
    assert datetime.fromisoformat(local.isoformat(timespec="seconds")) == written.replace(microsecond=0)
    assert f'href="{comment.get_absolute_url()}"><time' in html


def test_a_referer_no_url_parser_reads_is_a_post_from_elsewhere(gallery):
    response = Client().post(POST_URL, form_data(gallery), HTTP_REFERER="http://[::1")

    assert response.status_code == 403 and not Comment.objects.exists()


def test_a_failed_post_naming_a_parent_with_other_digits_shows_the_form_again(client, gallery):
    response = client.post(POST_URL, form_data(gallery, parent="²", body=""))

    assert response.status_code == 400 and "Your comment" in response.text


def test_an_email_address_longer_than_mail_can_deliver_is_refused_on_the_form(client, gallery):
    address = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".org"  # 260 characters

    response = client.post(POST_URL, form_data(gallery, author_email=address))

    assert response.status_code == 400 and "at most 254 characters" in response.text
    assert not Comment.objects.exists()


@pytest.mark.parametrize("size", [4, 60])
def test_thread_page_and_load_more_run_a_fixed_number_of_queries(client, django_assert_num_queries, gallery, size):
    root = CommentFactory(gallery=gallery)
    parent = root
    for n in range(size):
        parent = CommentFactory(parent=parent if n % 2 else root)
    CommentFactory(parent=root, status=Comment.Status.REMOVED)
    # 1 the root (+ gallery, item), 2 how many visible replies, 3 this page of them, each with the name it
    # answers while that comment is visible; 4 the sections of the site's menu (cached until the next purge).
    with django_assert_num_queries(4):
        assert client.get(reverse("comments:thread", args=[root.pk])).status_code == 200
    # 1 the root (+ gallery, item), 2 the next replies after the last one shown.
    with django_assert_num_queries(2):
        response = client.get(reverse("comments:replies", args=[root.pk]), {"after": 0})
    assert response.text.count('class="comment ') == min(size, REPLIES_PER_FETCH)


def test_a_signed_in_reader_never_gets_the_form_kept_for_readers_who_are_not(client, gallery, reader):
    anonymous = client.get(gallery.get_absolute_url()).text
    client.force_login(reader)
    signed_in = client.get(gallery.get_absolute_url()).text

    assert 'name="author_name"' in anonymous and "Posting as" not in anonymous
    assert 'name="author_name"' not in signed_in and "Posting as <bdi>reader</bdi>" in signed_in


def test_a_gallery_whose_comments_close_shows_no_kept_form(client, gallery):
    from galleries.pagecache import purge_pages

    assert 'class="comment-form"' in client.get(gallery.get_absolute_url()).text
    Gallery.objects.filter(pk=gallery.pk).update(comment_mode=Gallery.CommentMode.CLOSED)
    purge_pages()  # the page only: the gallery's fragments keep their versions

    page = client.get(gallery.get_absolute_url()).text
    assert 'class="comment-form"' not in page
    assert "Comments are closed on this gallery." in page


def test_premoderation_shows_its_note_on_the_kept_form(client, gallery):
    from galleries.pagecache import purge_pages

    client.get(gallery.get_absolute_url())
    Gallery.objects.filter(pk=gallery.pk).update(comment_mode=Gallery.CommentMode.PREMODERATED)
    purge_pages()

    assert "reviewed by a moderator before they appear" in client.get(gallery.get_absolute_url()).text


def test_a_message_shows_between_the_heading_and_the_threads_and_stays_out_of_the_cached_section(
    client, gallery, settings
):
    from galleries.pagecache import purge_pages

    settings.LOUPE_PAGE_CACHE_SECONDS = 300
    comment = CommentFactory(gallery=gallery, body="The ferry at dawn.")
    Client().get(gallery.get_absolute_url())  # the comment section is cached for everyone
    client.post(reverse("comments:vote", args=[comment.pk]))  # the message waits in this reader's cookie
    purge_pages()  # the page itself is rendered again, from its fragments

    page = client.get(gallery.get_absolute_url()).content.decode()
    later = Client().get(gallery.get_absolute_url()).content.decode()

    heading, message, thread = (page.index(text) for text in ("comments-heading", "Thanks for your vote.", "The ferry"))
    assert heading < message < thread
    assert "Thanks for your vote." not in later
    assert later.count("comments-heading") == page.count("comments-heading") and "The ferry at dawn." in later
