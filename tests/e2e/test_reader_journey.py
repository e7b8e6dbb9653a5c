import re

from tests.e2e.conftest import assert_accessible


def test_reader_goes_home_gallery_photo_photographer_tag_search_without_dead_ends(new_page, shots):
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name=re.compile("night shift at the harbour")).first.click()
    assert page.locator("h1").inner_text().startswith("8 photos")
    shots(page, "gallery")
    assert_accessible(page, context="gallery")

    page.locator("a[rel=bookmark]").nth(1).click()
    assert page.locator(".breadcrumb").inner_text().endswith("Photo 2 of 8")
    page.get_by_role("link", name=re.compile("Next photo")).click()
    assert "Photo 3 of 8" in page.locator(".breadcrumb").inner_text()
    assert_accessible(page, context="photo page")

    page.locator(".byline a").first.click()
    assert page.locator("h1").inner_text() == "Amara Okafor"
    page.goto("/tags/night/")
    assert page.get_by_role("link", name=re.compile("night shift")).count() >= 1
    page.fill("#site-search-q", "harbour")
    page.press("#site-search-q", "Enter")
    assert "Results for" in page.locator("h1").inner_text()
    assert page.get_by_role("link", name=re.compile("night shift")).count() >= 1
    shots(page, "search")
    assert_accessible(page, context="search results")


def test_lightbox_works_from_the_keyboard_and_gives_focus_back(new_page, shots):
    page = new_page()
    page.goto("/galleries/night-shift-at-the-harbour/")
    first = page.locator(".items a.frame").first
    first.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.lightbox")
    assert dialog.is_visible()
    headline = page.locator("#photo-1 .item-title").inner_text()
    assert dialog.locator(".lightbox-caption").inner_text() == f"1 of 8: {headline}"
    # The viewer shows the photo's own sources, so the browser picks the best format it takes.
    assert dialog.locator("picture source").count() == first.locator("source").count() > 0
    page.wait_for_function("document.querySelector('dialog.lightbox img').naturalWidth > 0")
    shots(page, "lightbox")
    page.keyboard.press("ArrowRight")
    assert dialog.locator(".lightbox-caption").inner_text().startswith("2 of 8")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert dialog.locator(".lightbox-caption").inner_text().startswith("8 of 8")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.getAttribute('href')") == first.get_attribute("href")


def test_without_javascript_photos_are_links_and_votes_post_back_to_the_photo(new_page):
    page = new_page(javascript=False)
    page.goto("/galleries/night-shift-at-the-harbour/")
    page.locator("#photo-3 button[type=submit]").click()
    assert page.url.endswith("/galleries/night-shift-at-the-harbour/#photo-3")
    page.locator(".items a.frame").first.click()
    assert re.search(r"/photos/\d+/$", page.url)


def test_vote_with_javascript_updates_the_count_in_place(new_page):
    page = new_page()
    page.goto("/galleries/the-last-hay-harvest/")
    button = page.locator("#photo-2 form.vote button")
    before = int(button.locator(".vote-count").inner_text())
    button.click()
    page.wait_for_function("el => el.getAttribute('aria-pressed') === 'true'", arg=button.element_handle())
    assert int(button.locator(".vote-count").inner_text()) == before + 1
    assert page.url.endswith("/galleries/the-last-hay-harvest/")


def test_share_copies_the_photos_address_where_there_is_no_share_sheet(new_page):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/galleries/night-shift-at-the-harbour/")
    page.evaluate("delete Navigator.prototype.share")
    page.locator("#photo-2 a.share").click()
    page.get_by_text("Link copied.").wait_for(state="attached")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.search(r"/galleries/night-shift-at-the-harbour/photos/\d+/$", copied)
