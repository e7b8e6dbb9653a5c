"""The markup of a gallery's photos (templates/jinja2/galleries/photos.jinja): what readers rely on in each item, and
the words of editors and photographers reaching readers as text, on every page that shows an item."""

from html.parser import HTMLParser

import pytest

from galleries.models import Item, Photo
from tests.factories import CommentFactory, published_gallery

pytestmark = pytest.mark.django_db

HOSTILE = """<script>alert("x")</script> "Quay" & 'crane' </p><img src=x onerror=alert(1)>"""
PLACEHOLDER = "data:image/webp;base64,UklGRkAAAABXRUJQVlA4IDQAAADQAQCdASoIAAYAAkA4JZQCdAEO"
VOID = {"img", "source", "input", "meta", "link", "br", "hr"}


class _Page(HTMLParser):
    """Every element of a page with its attributes and its text, as a browser reads them (entities decoded)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": {name: value or "" for name, value in attrs}, "text": "", "inside": []}
        for parent in self._open:
            parent["inside"].append(element)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open and self._open.pop()["tag"] != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def all(self, tag: str, cls: str = "", within: dict | None = None) -> list[dict]:
        return [
            element
            for element in (within["inside"] if within else self.elements)
            if element["tag"] == tag and (not cls or cls in element["attrs"].get("class", "").split())
        ]

    def one(self, tag: str, cls: str = "", within: dict | None = None) -> dict:
        [element] = self.all(tag, cls, within)
        return element


def _item_of(page: _Page, number: int) -> dict:
    return next(li for li in page.all("li", "item") if li["attrs"]["id"] == f"photo-{number}")


def _links(page: _Page, item: dict) -> list[tuple[str, str, str]]:
    """The item's links under its photo: where each goes, its rel, and what a screen reader says."""
    tools = page.one("div", "item-tools", item)
    return [
        (a["attrs"]["href"], a["attrs"].get("rel", ""), " ".join(a["text"].split()))
        for a in page.all("a", within=tools)
    ]


def _hostile_story():
    gallery = published_gallery(items=2)
    words, graphic = gallery.items.order_by("position")
    words.headline = HOSTILE
    words.caption = f"<p><em>At dawn</em> {HOSTILE.replace('<', '&lt;')}</p>"
    words.alt_text = HOSTILE
    words.credit_override = HOSTILE
    words.save()
    graphic.graphic = True
    graphic.graphic_warning = HOSTILE
    graphic.save()
    Photo.objects.filter(pk=graphic.photo_id).update(placeholder=PLACEHOLDER)
    return gallery, words, graphic


def _assert_no_markup_of_theirs(html: str, page: _Page):
    assert "<script>alert" not in html and "<img src=x" not in html
    assert not [element for element in page.elements if "onerror" in element["attrs"]]
    assert all(
        script["attrs"].get("type") == "application/ld+json" or "src" in script["attrs"]
        for script in page.all("script")
    )


@pytest.mark.parametrize("preview", [False, True], ids=["public", "preview"])
def test_an_items_words_reach_the_gallery_page_as_text(client, editor, preview):
    gallery, words, graphic = _hostile_story()
    if preview:
        client.force_login(editor)
    html = client.get(f"/preview/{gallery.pk}/" if preview else gallery.get_absolute_url()).text
    page = _Page(html)

    _assert_no_markup_of_theirs(html, page)
    item = _item_of(page, words.number)
    assert item["attrs"]["data-title"] == HOSTILE
    assert page.one("span", "item-title", item)["text"] == HOSTILE
    assert page.one("img", "photo", item)["attrs"]["alt"] == HOSTILE
    assert page.one("p", "credit", item)["text"] == f"Photo: {HOSTILE}"
    caption = page.one("div", "caption", item)
    assert page.one("em", within=caption)["text"] == "At dawn"
    assert caption["text"] == f"At dawn {HOSTILE}"
    covered = _item_of(page, graphic.number)
    assert HOSTILE in page.one("div", "graphic-warning", covered)["text"]


def test_an_items_words_reach_its_photo_page_as_text(client):
    _gallery, words, graphic = _hostile_story()
    html = client.get(words.get_absolute_url()).text
    page = _Page(html)

    _assert_no_markup_of_theirs(html, page)
    figure = page.one("figure")
    assert page.one("img", "photo", figure)["attrs"]["alt"] == HOSTILE
    assert page.one("p", "credit", figure)["text"] == f"Photo: {HOSTILE}"
    covered = _Page(client.get(graphic.get_absolute_url()).text)
    assert HOSTILE in covered.one("div", "graphic-warning")["text"]


def test_each_item_carries_its_photo_link_vote_form_comment_count_and_share_link(client):
    gallery = published_gallery(items=3)
    first, second, _third = gallery.items.order_by("position")
    Item.objects.filter(pk=second.pk).update(vote_count=1234)
    CommentFactory(gallery=gallery, item=second)
    CommentFactory(gallery=gallery, item=second)
    page = _Page(client.get(gallery.get_absolute_url() + "?order=votes").text)

    # By votes, the second photo comes first; its anchor and number stay its own.
    assert [li["attrs"]["id"] for li in page.all("li", "item")] == ["photo-2", "photo-1", "photo-3"]
    item = _item_of(page, 2)
    url = second.get_absolute_url()
    assert page.one("a", "frame", item)["attrs"]["href"] == url
    assert _links(page, item) == [
        ("#photo-2", "", "#2 link to this photo on this page"),
        (url, "bookmark", "Photo page for photo 2"),
        (f"{url}#comments", "", "2 comments on photo 2"),
        (page.one("a", "share", item)["attrs"]["href"], "", "Share photo 2"),
    ]
    assert page.one("a", "share", item)["attrs"]["href"].startswith("mailto:?subject=Headline")
    assert (f"{first.get_absolute_url()}#comments", "", "0 comments on photo 1") in _links(page, _item_of(page, 1))

    form = page.one("form", "vote", item)
    assert (form["attrs"]["method"], form["attrs"]["action"]) == ("post", f"{url}vote/")
    assert page.one("span", "vote-count", form)["text"] == "1234"
    fields = {field["attrs"]["name"]: field["attrs"]["value"] for field in page.all("input", within=form)}
    assert fields == {"next": f"{gallery.get_absolute_url()}?order=votes#photo-2"}

    # The form works as the page writes it: the vote counts and the reader is sent back to the photo.
    response = client.post(form["attrs"]["action"], fields, headers={"Origin": "http://testserver"})
    assert response.status_code == 302 and response["Location"] == fields["next"]
    second.refresh_from_db()
    assert second.vote_count == 1235


def test_a_gallery_preview_lists_its_items_without_reader_tools(client, editor):
    gallery = published_gallery(items=2)
    first = gallery.items.order_by("position").first()
    client.force_login(editor)
    page = _Page(client.get(f"/preview/{gallery.pk}/").text)

    item = _item_of(page, 1)
    assert page.one("a", "frame", item)["attrs"]["href"] == f"/preview/{gallery.pk}/photos/{first.pk}/"
    assert not page.all("form", within=item)
    assert [href for href, _, _ in _links(page, item)] == ["#photo-1", f"/preview/{gallery.pk}/photos/{first.pk}/"]
