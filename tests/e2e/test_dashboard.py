"""The admin home of each role, a step from it to where the work is done, and a gallery's statistics page.

The tests run in file order on the shared site: the photographer sends a story of their own to the desk,
which the editor then finds at the top of their home page.
"""

import re

from newsroom.demo import SCENES_NIGHT, paint
from tests.e2e.conftest import assert_accessible, login

STORY = "Dashboard: the night ferry's last crossing"
HARBOUR = "8 photos from the night shift at the harbour"


def test_photographer_finds_their_draft_on_the_home_page_and_sends_it_to_the_desk(new_page, shots, tmp_path):
    page = new_page()
    login(page, "photographer", "loupe-photographer-demo")
    page.goto("/admin/galleries/gallery/add/")
    page.fill("#id_title", STORY)
    page.fill("#id_dek", "The last boat of the night, and the crew that brings it in.")
    page.locator("input[name=_save]").click()

    page.goto("/admin/")
    mine = page.locator("section[aria-labelledby=desk-mine]")
    mine.get_by_role("heading", name="My work").wait_for()
    assert_accessible(page, context="photographer's home")
    shots(page, "photographer-home")

    mine.get_by_role("link", name=STORY, exact=True).click()
    page.wait_for_selector("#upload")
    path = tmp_path / "ferry.jpg"
    path.write_bytes(paint(SCENES_NIGHT[0], (1200, 800)))
    page.set_input_files("#upload-files", [str(path)])
    page.locator(".loupe-upload-form").get_by_role("button", name=re.compile("^Upload")).click()
    page.locator(".loupe-upload-summary").filter(has_text="added to the gallery").wait_for(timeout=120_000)
    page.get_by_role("link", name="Captions grid").click()
    page.get_by_label("Alt text of photo 1", exact=True).fill("A ferry's lights on black water, seen from the quay.")
    page.get_by_role("button", name="Save all captions").click()
    page.get_by_text("Captions saved.").wait_for()
    page.goto("/admin/")
    page.locator("section[aria-labelledby=desk-mine]").get_by_role("link", name=STORY, exact=True).click()
    page.locator("#workflow").get_by_role("button", name="Submit for review", exact=True).click()
    page.locator("#workflow-heading", has_text="In review").wait_for()
    shots(page, "submitted-from-home")


def test_editor_opens_the_oldest_gallery_waiting_for_review_from_the_home_page(new_page, shots):
    page = new_page()
    login(page, "editor", "loupe-editor-demo")
    page.goto("/admin/")
    desk = page.locator("section[aria-labelledby=desk-review]")
    desk.get_by_role("heading", name="Review desk").wait_for()
    assert "submitted by" in desk.inner_text()
    assert page.locator("figure#chart-site-views svg[role=img]").count() == 1
    assert page.get_by_role("heading", name="Everything in the admin").is_visible()
    assert_accessible(page, context="editor's home")
    shots(page, "editor-home")

    desk.get_by_role("link", name=STORY, exact=True).click()
    page.locator("#workflow-heading", has_text="In review").wait_for()
    shots(page, "gallery-to-review")


def test_moderator_goes_from_the_home_page_to_the_comment_queue(new_page, shots):
    page = new_page()
    login(page, "moderator", "loupe-moderator-demo")
    page.goto("/admin/")
    desk = page.locator("section[aria-labelledby=desk-comments]")
    desk.get_by_role("heading", name="Comments").wait_for()
    assert page.locator("section[aria-labelledby=desk-review]").count() == 0
    assert_accessible(page, context="moderator's home")
    shots(page, "moderator-home")

    desk.get_by_role("link", name=re.compile("waiting for review")).click()
    page.wait_for_url(re.compile(r"/admin/newsroom/comment/\?queue=pending"))
    page.get_by_role("navigation", name="Moderation queue").wait_for()
    shots(page, "moderation-queue")


def test_the_gallery_statistics_page_charts_what_readers_did(new_page, site, shots):
    reader = new_page()
    for _ in range(3):
        reader.goto("/galleries/night-shift-at-the-harbour/")
        reader.wait_for_load_state("load")
        reader.wait_for_timeout(300)  # the view beacon leaves after load
    site.manage("fold_stats")

    page = new_page()
    login(page, "editor", "loupe-editor-demo")
    page.goto("/admin/galleries/gallery/?q=harbour")
    page.get_by_role("link", name=HARBOUR, exact=True).click()
    page.get_by_role("link", name="Statistics", exact=True).click()
    page.get_by_role("heading", name=f"Statistics: {HARBOUR}").wait_for()
    views = page.locator("figure#chart-views")
    assert views.locator("svg[role=img]").get_attribute("aria-labelledby") == "chart-views-caption"
    assert re.search(r"Total views: [1-9]", views.locator("figcaption").inner_text())
    views.locator("summary").click()
    assert views.locator("table tbody tr").count() == 30
    assert page.locator("figure#chart-photo-votes rect.loupe-chart-bar").count() > 0
    assert_accessible(page, context="gallery statistics")
    shots(page, "gallery-statistics")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV")).click()
    assert download.value.suggested_filename == "night-shift-at-the-harbour-daily-figures.csv"
