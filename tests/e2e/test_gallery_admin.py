import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import login

DRAFT = "inside-the-flood-relief-camp"


def open_draft(page) -> None:
    page.goto("/admin/galleries/gallery/?q=" + DRAFT)
    page.get_by_role("link", name=re.compile("flood relief camp", re.I)).first.click()
    page.wait_for_selector("#items-group")


def headlines(page) -> list[str]:
    return page.locator("#items-group tr.has_original input[name$='-headline']").evaluate_all(
        "inputs => inputs.map(i => i.value)"
    )


def test_editor_reorders_from_the_keyboard_and_uploads_a_batch(new_page, shots, tmp_path):
    page = new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, "editor", "loupe-editor-demo")
    open_draft(page)
    before = headlines(page)
    assert len(before) >= 2

    # Keyboard only: focus the first item's "down" button and press Enter.
    page.locator("#items-group tr.has_original").first.locator("button[data-direction=down]").focus()
    page.keyboard.press("Enter")
    assert headlines(page)[:2] == [before[1], before[0]]
    positions = page.locator("#items-group input[name$='-position']").evaluate_all("i => i.map(x => x.value)")
    assert positions[:2] == ["0", "1"]
    # The announcement is written a moment later (so screen readers notice the change): wait for it.
    expect(page.locator("#items-group [role=status]")).to_contain_text("moved to position 2")
    shots(page, "reordered")
    page.locator("input[name=_continue]").click()
    page.wait_for_selector("#items-group")
    assert headlines(page)[:2] == [before[1], before[0]]

    files = []
    for n, color in enumerate([(200, 30, 30), (30, 200, 30)]):
        path = tmp_path / f"new-{n}.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (640, 480), color).save(buffer, "JPEG")
        path.write_bytes(buffer.getvalue())
        files.append(str(path))
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photograph")
    files.append(str(bad))
    page.set_input_files("#upload-files", files)
    page.locator(".loupe-upload-form button[type=submit]").click()
    page.wait_for_selector("text=added to the gallery", timeout=60_000)
    summary = page.locator(".loupe-upload-summary").inner_text()
    assert summary.startswith("2 photos added")
    assert page.locator(".loupe-upload-error").count() == 1
    assert "notes.jpg" in page.locator(".loupe-upload-error").inner_text()
    shots(page, "uploaded")
    page.reload()
    assert len(headlines(page)) == len(before) + 2
    assert not [e for e in errors if "Content Security Policy" in e], errors
