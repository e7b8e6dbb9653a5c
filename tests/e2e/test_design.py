"""The reader site's design in a real browser: photos fitted to the window, no sideways scrolling, the lightbox
centred on a phone, and the same pages accessible at phone size, in forced colours and with reduced motion."""

import pytest

from tests.e2e.conftest import assert_accessible

LISTICLE = "/galleries/night-shift-at-the-harbour/"
PHOTO_STORY = "/galleries/the-last-hay-harvest/"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
NARROWEST = {"width": 320, "height": 640}


def screen(shots, page, name: str) -> None:
    """The whole page, and the window as the reader sees it: a full-page capture makes the window as tall as the
    page, and photos fitted to the window with it."""
    path = shots(page, name)
    page.screenshot(path=str(path.with_name(f"{path.stem}-window.png")))


def photo_boxes(page) -> list[dict]:
    """Every photo of the page, scrolled into view and loaded, with its box and the window's size."""
    return page.evaluate(
        """async () => {
            const boxes = [];
            for (const img of document.querySelectorAll(".items img.photo")) {
                img.scrollIntoView({block: "center"});
                img.loading = "eager";
                await img.decode().catch(() => {});
                const box = img.getBoundingClientRect();
                boxes.push({width: box.width, height: box.height, natural: img.naturalWidth / img.naturalHeight,
                             winWidth: innerWidth, winHeight: innerHeight, fit: getComputedStyle(img).objectFit});
            }
            return boxes;
        }"""
    )


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_photo_including_upright_ones_fits_the_window(new_page, shots, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    page.goto(PHOTO_STORY)
    boxes = photo_boxes(page)
    upright = [box for box in boxes if box["natural"] < 1]
    assert upright, "the photo story has upright photos to fit"
    for box in boxes:
        assert box["height"] <= box["winHeight"], box
        assert box["width"] <= box["winWidth"], box
        assert box["fit"] == "contain"
    # An upright photo on a laptop is letterboxed: as tall as the window allows, far narrower than it is.
    if viewport is LAPTOP:
        assert all(box["height"] > 0.8 * box["winHeight"] for box in upright)
    page.evaluate("scrollTo(0, 0)")
    screen(shots, page, f"photo-story-{viewport['width']}")


@pytest.mark.parametrize("path", ["/", LISTICLE, PHOTO_STORY, "/search/?q=harbour"])
def test_no_page_scrolls_sideways_at_320_pixels(new_page, path):
    page = new_page()
    page.set_viewport_size(NARROWEST)
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than a 320px screen"
    # The photo page too, reached the way a reader does.
    if path == LISTICLE:
        page.locator(".items a[rel=bookmark]").first.click()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_headline_less_items_show_their_number_and_caption_only(new_page, shots):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(LISTICLE)
    item = page.locator("#photo-2")
    assert item.locator(".item-number").text_content().strip() == "2."
    assert item.locator(".item-title").count() == 0
    assert "Untitled" not in page.content()
    screen(shots, page, "listicle-390")
    item.locator("a[rel=bookmark]").click()
    heading = page.locator("h1").inner_text()
    assert heading.startswith("“You stop hearing the cranes after a week,”")
    assert page.title().count("8 photos from the night shift at the harbour") == 1
    screen(shots, page, "photo-page-390")


def test_the_lead_story_loads_first_at_the_size_it_is_shown(new_page):
    page = new_page()
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    lead = page.locator(".lead-image img")
    assert lead.get_attribute("fetchpriority") == "high" and lead.get_attribute("loading") is None
    shown = lead.evaluate("img => img.getBoundingClientRect().width")
    sizes = lead.evaluate("img => img.parentElement.querySelector('source').sizes")
    # The browser's own reading of `sizes` against the layout: the slot it reserved is the width it shows.
    slot = page.evaluate(
        """sizes => { const probe = document.createElement("img"); probe.sizes = sizes;
            probe.srcset = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7 1w";
            probe.style.position = "absolute";
            document.body.append(probe); return probe.decode().then(() => probe.width); }""",
        sizes,
    )
    assert abs(slot - shown) <= 2, (slot, shown)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_public_pages_at_desktop_and_phone_sizes(new_page, shots, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    for name, path in [("home", "/"), ("listicle", LISTICLE), ("photo-story", PHOTO_STORY)]:
        page.goto(path)
        assert_accessible(page, context=f"{name} at {viewport['width']}px")
        screen(shots, page, f"{name}-{viewport['width']}")
    page.goto(LISTICLE)
    page.locator(".items a[rel=bookmark]").first.click()
    assert_accessible(page, context=f"photo page at {viewport['width']}px")
    screen(shots, page, f"photo-page-{viewport['width']}")


def test_the_lightbox_centres_the_photo_on_a_phone(new_page, shots):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(LISTICLE)
    page.locator(".items a.frame").first.click()
    image = page.locator(".lightbox-stage img")
    page.wait_for_function("() => document.querySelector('.lightbox-stage img').naturalWidth > 0")
    drawn = image.evaluate(
        """img => { const box = img.getBoundingClientRect();
            const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
            const height = img.naturalHeight * scale;
            return {top: box.top + (box.height - height) / 2, height, boxTop: box.top, boxHeight: box.height,
                    fit: getComputedStyle(img).objectFit}; }"""
    )
    assert drawn["fit"] == "contain"
    # A landscape photo sits in the middle of the space above the controls, not at its bottom.
    space_above = drawn["top"] - drawn["boxTop"]
    space_below = drawn["boxTop"] + drawn["boxHeight"] - (drawn["top"] + drawn["height"])
    assert abs(space_above - space_below) <= 2, drawn
    assert drawn["boxHeight"] > 0.6 * PHONE["height"]
    screen(shots, page, "lightbox-390")


def test_forced_colours_and_reduced_motion(new_page, shots):
    """In forced colours the reader's own colours replace the site's (axe's contrast check does not model them, so
    this checks the colours themselves); with reduced motion nothing moves."""
    page = new_page()
    page.emulate_media(forced_colors="active", reduced_motion="reduce")
    for name, path in [("home", "/"), ("photo-story", PHOTO_STORY)]:
        page.goto(path)
        colours = page.evaluate(
            """() => { const of = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
                return {text: of("h1, .lead-title", "color"), body: of("body", "color"),
                        page: of("body", "backgroundColor"), mat: of(".frame, .lead-image", "backgroundColor")}; }"""
        )
        assert colours["text"] == colours["body"] and colours["mat"] in {colours["page"], "rgba(0, 0, 0, 0)"}, colours
        assert page.locator(".frame .placeholder:visible").count() == 0
        screen(shots, page, f"{name}-forced-colours")
    page.goto("/")
    duration = page.locator(".card-image img").first.evaluate("img => getComputedStyle(img).transitionDuration")
    assert duration == "0s"


def first_screen_photo(page) -> dict:
    """The photo of a photo page as the reader first sees it, before any scrolling."""
    return page.evaluate(
        """async () => { const img = document.querySelector(".photo-page img.photo");
            await img.decode().catch(() => {});
            const box = img.getBoundingClientRect();
            return {top: box.top, bottom: box.bottom, left: box.left, right: box.right, height: box.height,
                    winWidth: innerWidth, winHeight: innerHeight, scrollY}; }"""
    )


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE, NARROWEST], ids=["laptop", "phone", "narrowest"])
def test_a_photo_page_shows_the_whole_photo_on_arrival(new_page, shots, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    page.goto(PHOTO_STORY)
    upright = page.evaluate(
        """() => [...document.querySelectorAll(".items .item")].find(item => {
            const img = item.querySelector("img.photo"); return img.height > img.width;
        }).querySelector("a[rel=bookmark]").href"""
    )
    page.goto(LISTICLE)
    landscape = page.locator(".items a[rel=bookmark]").nth(1).evaluate("link => link.href")
    for name, path in [("landscape", landscape), ("upright", upright)]:
        page.goto(path)
        box = first_screen_photo(page)
        assert box["scrollY"] == 0
        assert box["top"] >= 0 and box["bottom"] <= box["winHeight"], (name, box)
        assert box["left"] >= 0 and box["right"] <= box["winWidth"], (name, box)
        # Fitted, not shrunk to a stamp: the photo takes most of the window's height or its width.
        assert box["height"] >= 0.5 * box["winHeight"] or box["right"] - box["left"] >= 0.9 * box["winWidth"], box
        screen(shots, page, f"photo-page-{name}-{viewport['width']}")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_comments_on_the_dark_photo_story_are_readable(new_page, shots, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    page.goto(PHOTO_STORY)
    comments = page.locator("#comments")
    comments.scroll_into_view_if_needed()
    colours = comments.evaluate(
        """section => { const of = (el, p) => getComputedStyle(el)[p];
            return {page: of(document.body, "backgroundColor"),
                    text: of(section.querySelector(".comment-body"), "color"),
                    field: of(section.querySelector("textarea"), "backgroundColor"),
                    fieldText: of(section.querySelector("textarea"), "color")}; }"""
    )
    # The page is black and the comments follow it: light words, dark fields.
    assert colours["page"] == "rgb(15, 15, 15)" and colours["field"] != "rgb(255, 255, 255)", colours
    assert colours["text"] == colours["fieldText"] != colours["page"], colours
    assert_accessible(page, context=f"comments on the photo story at {viewport['width']}px")
    # The reply form opened under a comment is as readable.
    comments.get_by_role("link", name="Reply to Sigrid").click()
    comments.get_by_role("form", name="Reply to Sigrid").wait_for()
    assert_accessible(page, context=f"inline reply on the photo story at {viewport['width']}px")
    comments.screenshot(path=str(shots(page, f"photo-story-comments-{viewport['width']}")))
