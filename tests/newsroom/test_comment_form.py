"""What readers meet when they comment: a form that says what it needs and why, replies opened where they read,
and the order of comments they choose."""

import re
import time
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from galleries.models import Gallery
from newsroom import trust
from newsroom.moderation import issue_form_stamp
from tests.factories import CommentFactory, GalleryFactory
from tests.newsroom.conftest import SAME_SITE

pytestmark = pytest.mark.django_db


class _Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside each <label>."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if tag == "label":
            self._label = attributes.get("for", "")
            self.labels[self._label] = ""
        if tag == "input" and self._label is not None and self._label != attributes.get("id"):
            self.labels.setdefault("nested-mismatch", attributes.get("id", ""))

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None

    def handle_data(self, data):
        if self._label is not None:
            self.labels[self._label] += data

    def find(self, tag: str, **attrs) -> dict:
        found = [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}>"
        return found[0]

    def all(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.fixture
def gallery():
    return GalleryFactory(published=True, items=1)


def _form_data(gallery, **extra) -> dict:
    data = {
        "gallery": gallery.pk,
        "body": "What lens was this?",
        "author_name": "Ada Reader",
        "author_email": "ada@example.org",
        "website": "",
        "stamp": issue_form_stamp(at=time.time() - 60),
    }
    return {key: value for key, value in (data | extra).items() if value is not None}


def test_the_form_marks_what_is_required_and_says_why_the_email_is_asked(client, gallery):
    page = _Elements(client.get(gallery.get_absolute_url()).text)

    for name, tag in (("body", "textarea"), ("author_name", "input"), ("author_email", "input")):
        field = page.find(tag, name=name)
        assert "required" in field, name
        label = page.find("label", **{"for": field["id"]})
        assert label["class"] == "required", name
    email = page.find("input", name="author_email")
    assert email["type"] == "email" and email["autocomplete"] == "email"
    helptext = page.find("div", id=email["aria-describedby"])
    assert helptext["class"] == "helptext"
    html = client.get(gallery.get_absolute_url()).text
    why = re.search(rf'id="{email["aria-describedby"]}">([^<]+)<', html).group(1)
    assert "Never shown" in why and "Moderators use it" in why and "only if you tick the box" in why
    # Optional fields are not marked.
    assert "required" not in page.find("input", name="notify")
    assert page.find("label", **{"for": "id_notify"}).get("class") is None


def test_the_notify_checkbox_sits_inside_its_label_so_the_whole_row_is_its_target(client, gallery):
    html = client.get(gallery.get_absolute_url()).text

    assert re.search(
        r'<div class="comment-notify"><label for="id_notify"><input type="checkbox" name="notify" id="id_notify"> '
        r"<span>Email me when my comment is published or gets a reply</span></label></div>",
        html,
    )


def test_a_signed_in_reader_is_asked_only_for_the_comment(client, reader, gallery):
    client.force_login(reader)
    page = _Elements(client.get(gallery.get_absolute_url()).text)

    assert "required" in page.find("textarea", name="body")
    assert not page.all("input", name="author_email") and not page.all("input", name="author_name")


def test_the_reply_page_works_without_javascript(client, gallery):
    parent = CommentFactory(gallery=gallery, author_name="Bo", body="Where was this taken?")
    response = client.get(reverse("comments:reply", args=[parent.pk]))
    page = _Elements(response.text)

    assert response.status_code == 200
    assert "<h1>Reply to <bdi>Bo</bdi></h1>" in response.text
    assert page.find("input", name="parent")["value"] == str(parent.pk)
    assert page.find("form", **{"class": "comment-form"})["action"] == reverse("comments:post")
    assert "required" in page.find("textarea", name="body", id="id_body")

    trusting = Client(headers=SAME_SITE)
    trusting.cookies[trust.COOKIE] = trust.sign_proof(
        [CommentFactory(gallery=gallery, author_email="ada@example.org").pk]
    )
    posted = trusting.post(reverse("comments:post"), _form_data(gallery, parent=parent.pk), follow=True)

    reply = parent.replies.get()
    assert reply.body == "What lens was this?" and reply.status == reply.Status.APPROVED
    assert f'id="comment-{reply.pk}"' in posted.text


def test_the_reply_form_fragment_opens_under_the_comment_with_ids_of_its_own(client, gallery):
    parent = CommentFactory(gallery=gallery, author_name="Bo <3")
    response = client.get(reverse("comments:reply", args=[parent.pk]), {"fragment": "form"})
    page = _Elements(response.text)

    assert response.status_code == 200
    assert response.text.startswith(f'<div class="comment-reply-inline" id="reply-to-{parent.pk}">')
    assert "<html" not in response.text and "<h1" not in response.text
    assert page.find("form")["aria-label"] == "Reply to Bo <3"
    assert "Reply to Bo &lt;3" in response.text
    assert page.find("input", name="parent")["value"] == str(parent.pk)
    body = page.find("textarea", name="body")
    assert body["id"] == f"reply-{parent.pk}-body" and "required" in body
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert all(i.startswith(f"reply-{parent.pk}-") or i == f"reply-to-{parent.pk}" for i in ids), ids
    assert page.find("button", type="button", **{"class": "comment-reply-cancel"})


def test_the_reply_form_fragment_of_a_closed_gallery_says_why(client):
    gallery = GalleryFactory(published=True, items=1, comment_mode=Gallery.CommentMode.CLOSED)
    parent = CommentFactory(gallery=gallery)
    response = client.get(reverse("comments:reply", args=[parent.pk]), {"fragment": "form"})

    assert response.status_code == 200
    assert "Comments are closed on this gallery." in response.text and "<form" not in response.text


def test_no_reply_form_for_a_comment_readers_cannot_see(client, gallery):
    hidden = CommentFactory(gallery=gallery, status="pending")

    assert client.get(reverse("comments:reply", args=[hidden.pk]), {"fragment": "form"}).status_code == 404
    assert client.get(reverse("comments:reply", args=[hidden.pk])).status_code == 404


def _three_threads(gallery) -> list:
    now = timezone.now()
    comments = []
    for age, votes in ((3, 1), (2, 9), (1, 0)):
        comment = CommentFactory(gallery=gallery, body=f"Posted {age} hours ago", vote_count=votes)
        type(comment).objects.filter(pk=comment.pk).update(created_at=now - timezone.timedelta(hours=age))
        comments.append(comment)
    return comments


def _order(html: str) -> list[str]:
    return re.findall(r"Posted \d hours ago", html)


def _current_sort(html: str) -> str:
    return re.search(r'<strong aria-current="true">(\w+) first</strong>', html).group(1)


@pytest.mark.parametrize("signed_in", [False, True])
def test_oldest_first_beside_newest_and_top_and_each_order_cached_apart(client, reader, gallery, settings, signed_in):
    # Anonymous readers get whole pages from the page cache; signed-in ones get pages built from cached fragments.
    settings.LOUPE_PAGE_CACHE_SECONDS = 300
    if signed_in:
        client.force_login(reader)
    _three_threads(gallery)
    url = gallery.get_absolute_url()
    newest, oldest, top = ["Posted 1 hours ago", "Posted 2 hours ago", "Posted 3 hours ago"], None, None
    oldest = list(reversed(newest))
    top = ["Posted 2 hours ago", "Posted 3 hours ago", "Posted 1 hours ago"]

    for _ in range(2):
        assert _order(client.get(url).text) == newest
        page = client.get(url, {"csort": "oldest"}).text
        assert _order(page) == oldest and _current_sort(page) == "Oldest"
        assert _order(client.get(url, {"csort": "top"}).text) == top
    assert re.findall(r'href="\?csort=(\w+)#comments">(\w+) first', page) == [("newest", "Newest"), ("top", "Top")]


@pytest.mark.parametrize("value", ["bogus", "", "OLDEST", "oldest'", "-created_at", "__class__"])
def test_an_unknown_order_falls_back_to_newest_first(client, gallery, settings, value):
    settings.LOUPE_PAGE_CACHE_SECONDS = 300
    _three_threads(gallery)
    response = client.get(gallery.get_absolute_url(), {"csort": value})

    assert response.status_code == 200
    assert _order(response.text) == ["Posted 1 hours ago", "Posted 2 hours ago", "Posted 3 hours ago"]
    assert _current_sort(response.text) == "Newest"


def test_oldest_first_pages_keep_their_order(client, gallery):
    now = timezone.now()
    for n in range(25):
        comment = CommentFactory(gallery=gallery, body=f"Number {n:02d} here")
        type(comment).objects.filter(pk=comment.pk).update(created_at=now - timezone.timedelta(minutes=100 - n))

    first = client.get(gallery.get_absolute_url(), {"csort": "oldest"}).text
    second = client.get(gallery.get_absolute_url(), {"csort": "oldest", "cpage": "2"}).text

    assert re.findall(r"Number (\d\d) here", first) == [f"{n:02d}" for n in range(20)]
    assert re.findall(r"Number (\d\d) here", second) == [f"{n:02d}" for n in range(20, 25)]
    assert '<a href="?csort=oldest&amp;cpage=2#comments">Next page</a>' in first


@pytest.mark.parametrize("fragment", [{}, {"fragment": "form"}])
@pytest.mark.parametrize("size", [1, 30])
def test_the_reply_form_runs_a_fixed_number_of_queries(client, gallery, django_assert_num_queries, size, fragment):
    parent = CommentFactory(gallery=gallery)
    for _ in range(size):
        CommentFactory(gallery=gallery, parent=parent)
    # 1 the comment answered, with its gallery and item, while it is visible; 2 whether its gallery is public
    # now (the check that says why comments are closed); 3, on the whole page only, the sections menu.
    with django_assert_num_queries(2 if fragment else 3):
        response = client.get(reverse("comments:reply", args=[parent.pk]), fragment)
    assert response.status_code == 200
