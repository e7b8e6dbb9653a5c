"""Graphic photos behind a cover, and a person pictured asking the standards desk for something."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, login

SEED_GRAPHIC = """
from galleries.models import Gallery, Item, Rendition
gallery = Gallery.objects.published().order_by('pk').first()
item = gallery.items.order_by('position')[1]
Item.objects.filter(pk=item.pk).update(graphic=True, graphic_warning='A wounded man is carried from the rubble.')
Gallery.objects.filter(pk=gallery.pk).update(contains_graphic=True)
names = ','.join(Rendition.objects.filter(photo=item.photo).values_list('name', flat=True))
print(gallery.get_absolute_url(), item.pk, names)
"""


UNSEED_GRAPHIC = """
from galleries.models import Gallery, Item
Item.objects.filter(graphic=True).update(graphic=False, graphic_warning='')
Gallery.objects.filter(contains_graphic=True).update(contains_graphic=False)
"""


@pytest.fixture(autouse=True)
def _uncovered_afterwards(site):
    # The demo is shared by every journey of the run: the next ones must find its photos as the demo has them.
    yield
    site.manage("shell", "-c", UNSEED_GRAPHIC)


def _seed_graphic(site) -> tuple[str, int, list[str]]:
    url, pk, names = site.manage("shell", "-c", SEED_GRAPHIC).strip().splitlines()[-1].split()
    # The server's page cache lives in its own processes, out of the shell's reach; an unknown query parameter
    # makes it render the page afresh.
    return f"{url}?seeded=graphic", int(pk), names.split(",")


def test_a_graphic_photo_is_covered_until_the_reader_shows_it_by_keyboard(new_page, site, shots):
    url, pk, names = _seed_graphic(site)
    page = new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(url)

    cover = page.locator("#photo-2 .graphic-cover")
    expect(cover).to_be_visible()
    expect(cover).to_contain_text("A wounded man is carried from the rubble.")
    expect(page.locator(".graphic-notice")).to_be_visible()
    assert page.locator("#photo-2 img.photo").count() == 0
    page.wait_for_load_state("networkidle")
    assert not [u for u in fetched if any(name in u for name in names)], "the covered photo was fetched"
    shots(page, "graphic-cover")
    assert_accessible(page, context="gallery with a graphic photo")

    # Tab through the page until "Show photo" has focus: the control is reachable by keyboard alone.
    show = page.locator("#photo-2 .show-photo")
    for _ in range(200):
        page.keyboard.press("Tab")
        if show.evaluate("link => link === document.activeElement"):
            break
    else:
        raise AssertionError("Show photo never received keyboard focus")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/photos/{pk}/\?show=1"))
    photo = page.locator("article.photo-page img.photo")
    expect(photo).to_be_visible()
    page.wait_for_function("document.querySelector('article.photo-page img.photo').naturalWidth > 0")
    assert [u for u in fetched if any(name in u for name in names)], "the photo was not loaded once chosen"
    expect(page.get_by_role("link", name="Cover it again")).to_be_visible()
    shots(page, "graphic-shown")
    assert_accessible(page, context="graphic photo shown")


def test_show_photo_works_without_javascript(new_page, site):
    url, pk, _ = _seed_graphic(site)
    page = new_page(javascript=False)
    page.goto(url)
    page.locator("#photo-2 .show-photo").click()
    page.wait_for_url(re.compile(rf"/photos/{pk}/\?show=1"))
    expect(page.locator("article.photo-page img.photo")).to_be_visible()


def test_a_person_pictured_asks_and_the_standards_desk_answers(new_page, site, shots):
    page = new_page()
    page.goto("/")
    page.locator(".card h3 a, .card h2 a").first.click()
    page.locator("a[rel=bookmark]").first.click()
    page.get_by_role("link", name="Are you in this photo?").click()
    expect(page.locator("h1")).to_have_text("Are you in this photo?")
    assert_accessible(page, context="request form")

    page.get_by_label("Your name").fill("Amal Haddad")
    page.get_by_label("Blur me").check()
    page.get_by_label("Details").fill("I am the woman on the left; my family could be found.")
    page.get_by_label("Your email address").fill("amal@example.org")
    # The form's stamp refuses what is sent faster than a person could fill it in.
    page.wait_for_timeout(3200)
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("h1")).to_have_text("We received your request")
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"[0-9A-F]{5}(-[0-9A-F]{5}){3}", reference)
    assert page.context.cookies() == [], "the request left a cookie behind"
    shots(page, "request-received")
    assert_accessible(page, context="request acknowledgement")

    login(page, "editor", "loupe-editor-demo")
    page.goto("/admin/galleries/personrequest/")
    page.get_by_role("link", name=reference).click()
    expect(page.locator("body")).to_contain_text("amal@example.org")
    assert_accessible(page, context="standards queue request")
    page.get_by_label("Reason (the requester reads it)").fill("You cannot be recognised in this photo.")
    page.get_by_role("button", name="Decline").click()
    expect(page.locator(".messagelist")).to_contain_text("declined")
    shots(page, "request-declined")
