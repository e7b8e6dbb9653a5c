"""The editors' desk from a real browser: every form Loupe's people submit is posted here at least once, so a
form the browser refuses (a CSRF origin check, a CSP block, a missing multipart) cannot hide behind the test
client, which sends no Origin header.

Forms, and the journey that posts each (journeys in other modules named with their file):
- sign-in (admin login): every journey, through `login`
- preview links: make a link, revoke a link; the link's page opened by a stranger — here
- gallery add (with photos dropped on it) and change (save, move buttons): here, test_gallery_admin
- upload (per-file JSON posts, known-file check, append): here, test_gallery_admin, test_journeys
- library photo picker (add photos, choose the cover): here
- captions grid: here, test_journeys
- workflow steps (submit, request changes, approve, schedule, withdraw): test_journeys
- save and submit for review (one click from the change form): here
- photo change (focal point, blur areas): test_photo_framing; (keywords as tags, save): here
- photographer, section, tag: here
- moderation queue (keyboard decisions): test_journeys
- ban form, word rules: here
- comment, reply, report, vote (public): test_journeys, test_comments, test_reader_journey
- search (public, GET): test_reader_journey
"""

import re

from newsroom.demo import SCENES_NIGHT, paint
from tests.e2e.conftest import assert_accessible, login

DRAFT = "Inside the flood relief camp"


def open_gallery_admin(page, title: str) -> None:
    page.goto("/admin/galleries/gallery/?q=" + re.sub(r"\W+", "+", title))
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_selector("#workflow")


def test_editor_makes_a_preview_link_a_stranger_opens_it_then_it_is_revoked(new_page, shots):
    editor = new_page()
    login(editor, "editor", "loupe-editor-demo")
    open_gallery_admin(editor, DRAFT)
    editor.get_by_role("link", name="Preview links").click()
    editor.get_by_role("heading", name=re.compile("Preview links for")).wait_for()
    assert_accessible(editor, context="preview links")
    editor.fill("#id_label", "The family in tent 14")
    editor.fill("#id_days", "3")
    response_codes = []
    editor.on("response", lambda response: response_codes.append(response.status))
    editor.get_by_role("button", name="Make a preview link").click()
    editor.get_by_text("copy it now").wait_for()
    assert 403 not in response_codes, response_codes
    url = editor.locator(".notice code").inner_text().strip()
    assert "/preview/link/" in url
    shots(editor, "link-made")

    stranger = new_page()
    page = stranger.goto(url)
    assert page.status == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    stranger.get_by_role("heading", level=1, name=DRAFT).wait_for()
    shots(stranger, "link-opened")

    editor.get_by_role("button", name="Revoke").first.click()
    editor.get_by_text("Revoked").first.wait_for()
    assert stranger.goto(url).status == 404


def photo_files(tmp_path, count: int, *, start: int = 1) -> list[str]:
    files = []
    for number in range(start, start + count):
        path = tmp_path / f"market-{number:02d}.jpg"
        scene = SCENES_NIGHT[number % len(SCENES_NIGHT)]
        path.write_bytes(paint(scene, (1000, 700)) + bytes([number % 256]) + b"desk")
        files.append(str(path))
    return files


def test_photographer_goes_from_nothing_to_a_submitted_six_photo_gallery_in_three_page_loads(new_page, shots, tmp_path):
    page = new_page()
    login(page, "photographer", "loupe-photographer-demo")
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    clicks = 0

    page.goto("/admin/galleries/gallery/add/")
    assert_accessible(page, context="gallery add page")
    page.fill("#id_title", "Six photos from the night market")
    page.fill("#id_dek", "Stalls open at dusk and close when the last bus leaves.")
    page.set_input_files("#id_upload_files", photo_files(tmp_path, 6))
    clicks += 1  # choosing the files
    shots(page, "add-with-photos")
    page.locator("input[name=_continue]").click()
    clicks += 1
    rows = page.locator("#items-group tr.has_original")
    rows.nth(5).wait_for()
    assert rows.count() == 6
    for number in range(1, 7):
        page.get_by_label(f"Caption of photo {number}", exact=True).fill(f"Stall {number} sells noodles till late.")
        page.get_by_label(f"Alt text of photo {number}", exact=True).fill(f"A lit market stall, number {number}.")
    shots(page, "captioned")
    page.locator("input[name=_save_and_submit]").click()
    clicks += 1
    page.locator("#workflow-heading", has_text="In review").wait_for()
    shots(page, "submitted")
    print(f"\nNothing to a submitted 6-photo gallery: {len(loads)} page loads, {clicks} clicks (after sign-in).")
    assert len(loads) <= 3, loads


def test_gallery_by_dropping_photos_picking_from_the_library_reordering_and_the_grid_all_axe_clean(
    new_page, shots, tmp_path
):
    page = new_page()
    login(page, "photographer", "loupe-photographer-demo")
    page.goto("/admin/galleries/gallery/add/")
    page.fill("#id_title", "Dawn at the fish auction")
    page.fill("#id_dek", "The auction starts before the sun is up.")
    # Dropped on the page, as a picture editor drags from a card reader's folder.
    page.set_input_files("#id_upload_files", photo_files(tmp_path, 3, start=20))
    page.locator("input[name=_continue]").click()
    page.locator("#items-group tr.has_original").nth(2).wait_for()
    # Every photo settles: ready (a thumbnail) or failed with a reason; none waits forever.
    page.wait_for_function(
        "() => !document.querySelector("
        "'.loupe-item-photo[data-state=queued], .loupe-item-photo[data-state=processing]')"
    )
    assert page.locator(".loupe-item-photo[data-state=ready]").count() == 3
    page.locator("#upload").wait_for()
    assert_accessible(page, context="gallery change page")
    # At 1366 px the items table fits: nothing is clipped or pushed into a sideways scroll.
    page.set_viewport_size({"width": 1366, "height": 900})
    overflow = page.locator("#items-group .tabular").evaluate("box => box.scrollWidth - box.clientWidth")
    assert overflow <= 0, f"the items table is {overflow}px wider than its box at 1366 px"
    assert page.locator("#items-group .loupe-number").all_inner_texts() == ["1", "2", "3"]
    shots(page, "change-page")

    # Two library photos, picked visually.
    page.get_by_role("link", name="Pick from the library").click()
    page.get_by_role("search").get_by_label("Words").fill("")
    assert_accessible(page, context="library picker")
    cards = page.locator(".loupe-library-card:not(.loupe-library-present) input[type=checkbox]")
    assert cards.count() >= 2
    cards.nth(0).check()
    cards.nth(1).check()
    shots(page, "picker")
    page.get_by_role("button", name="Add the ticked photos").click()
    page.get_by_text("2 photos added to the gallery.").wait_for()
    assert page.locator("#items-group tr.has_original").count() == 5

    # The cover, from thumbnails; then the last photo moved to the top from the keyboard.
    page.locator(".loupe-cover-choice").nth(2).click()
    for _ in range(4):
        button = page.locator("#items-group tr.has_original").last.locator("button[data-direction=up]")
        button.focus()
        page.keyboard.press("Enter")
    assert page.locator("#items-group input[name$='-position']").first.input_value() == "0"
    page.locator("input[name=_continue]").click()
    page.locator("#items-group").wait_for()

    page.get_by_role("link", name="Captions grid").click()
    assert_accessible(page, context="captions grid")
    for number in range(1, 6):
        page.get_by_label(f"Caption of photo {number}", exact=True).fill(f"Bids open on crate {number}.")
        page.get_by_label(f"Alt text of photo {number}", exact=True).fill(f"Fish crates under lamps, {number}.")
    page.get_by_role("button", name="Save all captions").click()
    page.get_by_text("Captions saved.").wait_for()
    shots(page, "grid")
    open_gallery_admin(page, "Dawn at the fish auction")
    page.locator("#workflow").get_by_role("button", name="Submit for review", exact=True).click()
    page.locator("#workflow-heading", has_text="In review").wait_for()
    shots(page, "submitted")


def test_editor_photo_page_moderation_queue_and_bans_are_axe_clean_and_their_forms_post(new_page, shots):
    page = new_page()
    login(page, "editor", "loupe-editor-demo")
    page.goto("/admin/galleries/photo/")
    page.locator("#result_list tbody tr a").first.click()
    page.wait_for_selector("#photo_form")
    assert_accessible(page, context="photo change page")
    page.locator("input[name=_continue]").click()
    page.locator(".messagelist").wait_for()
    shots(page, "photo-saved")

    moderator = new_page()
    login(moderator, "moderator", "loupe-moderator-demo")
    moderator.goto("/admin/newsroom/comment/?queue=pending")
    assert_accessible(moderator, context="moderation queue")
    moderator.goto("/admin/newsroom/ban/add/")
    assert_accessible(moderator, context="ban form")
    moderator.fill("#id_email", "troll@example.org")
    moderator.fill("#id_reason", "Posts the same insult under every gallery.")
    moderator.locator("input[name=_save]").click()
    moderator.locator(".messagelist").wait_for()
    assert "troll@example.org" in moderator.locator("#result_list").inner_text()
    shots(moderator, "banned")


def test_the_desks_other_forms_post_from_the_browser(new_page, shots):
    """Photographer, section, tag and word-rule forms, and keywords typed as tags on a photo."""
    admin = new_page()
    login(admin, "admin", "loupe-admin-demo")
    admin.goto("/admin/galleries/photographer/add/")
    admin.fill("#id_name", "Noor Haddad")
    admin.fill("#id_slug", "noor-haddad")
    admin.fill("#id_instagram", "https://www.instagram.com/noor.haddad/")
    admin.locator("input[name=_continue]").click()
    admin.locator(".messagelist").wait_for()
    assert admin.locator("#id_instagram").input_value() == "noor.haddad"
    for kind, name in (("section", "Climate"), ("tag", "Heatwave")):
        admin.goto(f"/admin/galleries/{kind}/add/")
        admin.fill("#id_name", name)
        admin.locator("input[name=_save]").click()
        admin.locator(".messagelist").wait_for()
        assert name in admin.locator("#result_list").inner_text()

    admin.goto("/admin/galleries/photo/")
    admin.locator("#result_list tbody tr a").first.click()
    entry = admin.locator("#id_keywords_entry")  # made by tags.js once the page has loaded
    entry.wait_for()
    assert admin.get_by_role("textbox", name="Keywords").get_attribute("id") == "id_keywords_entry"
    entry.fill("night market")
    entry.press("Enter")
    admin.get_by_role("button", name="Remove keyword night market").wait_for()
    admin.locator("input[name=_continue]").click()
    admin.locator(".messagelist").wait_for()
    assert "night market" in admin.locator("input[name=keywords]").input_value()
    shots(admin, "keywords")

    moderator = new_page()
    login(moderator, "moderator", "loupe-moderator-demo")
    moderator.goto("/admin/newsroom/wordrule/add/")
    moderator.fill("#id_word", "scoundrel")
    moderator.locator("input[name=_save]").click()
    moderator.locator(".messagelist").wait_for()
    assert "scoundrel" in moderator.locator("#result_list").inner_text()
