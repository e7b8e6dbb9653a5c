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
- photo change (focal point, blur areas, keywords): test_photo_framing, here
- moderation queue (keyboard decisions): test_journeys
- ban form: here
- comment, reply, report, vote (public): test_journeys, test_comments, test_reader_journey
- search (public, GET): test_reader_journey
"""

import re

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
