"""Each role's main path through Loupe, end to end, as the newsroom works it.

The journeys share one site and run in file order: the photographer's story
goes through review and onto the home page; the reader talks about a photo;
the moderator decides what the reader wrote; the editor schedules and
withdraws a story.
"""

import datetime
import re
import time
import urllib.error
import urllib.request

from newsroom.demo import HARBOUR, SCENES_NIGHT, paint
from tests.e2e.conftest import assert_accessible, login

STORY = "Ten photos from the ferry crossing"
HARBOUR_URL = "/galleries/night-shift-at-the-harbour/"
DRAFT = "Inside the flood relief camp"
# The comment form refuses posts faster than a person writes (LOUPE_COMMENT_MIN_SECONDS).
WRITING_TIME = 3.2


def open_gallery_admin(page, title: str) -> None:
    page.goto("/admin/galleries/gallery/?q=" + re.sub(r"\W+", "+", title))
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_selector("#workflow")


def workflow_step(page, label: str):
    return page.locator("#workflow").get_by_role("button", name=label, exact=True)


def write_captions(page, count: int, *, fix: str = "") -> None:
    page.get_by_role("link", name="Captions grid").click()
    for number in range(1, count + 1):
        page.get_by_label(f"Headline of photo {number}", exact=True).fill(f"Crossing, part {number}")
        page.get_by_label(f"Caption of photo {number}", exact=True).fill(
            fix if number == 2 and fix else f"The ferry leaves the quay for the {number}th time today."
        )
        page.get_by_label(f"Alt text of photo {number}", exact=True).fill(
            f"A car ferry on grey water, seen from the quay, moment {number}."
        )
    page.get_by_role("button", name="Save all captions").click()
    page.get_by_text("Captions saved.").wait_for()


def test_photographer_uploads_a_story_and_the_editor_sends_it_back_then_publishes_it(new_page, shots, tmp_path):
    photographer = new_page()
    login(photographer, "photographer", "loupe-photographer-demo")
    photographer.goto("/admin/galleries/gallery/add/")
    photographer.fill("#id_title", STORY)
    photographer.fill("#id_dek", "A day on the ferry that links the island to the mainland.")
    photographer.fill("#id_introduction", "I rode the crossing twelve times in one day.")
    photographer.locator("input[name=_continue]").click()
    photographer.wait_for_selector("#upload")

    files = []
    for number, scene in enumerate(SCENES_NIGHT + SCENES_NIGHT[:2], start=1):
        path = tmp_path / f"ferry-{number:02d}.jpg"
        path.write_bytes(paint(scene, (1200, 800)) + bytes([number]))  # ten distinct files
        files.append(str(path))
    photographer.set_input_files("#upload-files", files)
    photographer.locator(".loupe-upload-form").get_by_role("button", name=re.compile("^Upload")).click()
    # Each file has its own progress bar while the batch goes up.
    photographer.locator(".loupe-upload-list li").nth(9).wait_for()
    shots(photographer, "upload-progress")
    summary = photographer.locator(".loupe-upload-summary")
    summary.filter(has_text="added to the gallery").wait_for(timeout=120_000)
    assert summary.inner_text().startswith("10 photos added"), summary.inner_text()
    assert photographer.locator(".loupe-upload-error").count() == 0
    shots(photographer, "uploaded")

    write_captions(photographer, 10)
    shots(photographer, "captions-grid")
    open_gallery_admin(photographer, STORY)
    workflow_step(photographer, "Submit for review").click()
    photographer.locator("#workflow-heading", has_text="In review").wait_for()
    shots(photographer, "submitted")

    editor = new_page()
    login(editor, "editor", "loupe-editor-demo")
    open_gallery_admin(editor, STORY)
    editor.fill("#step-note", "Photo 2: say which ferry this is and where it goes.")
    workflow_step(editor, "Request changes").click()
    editor.locator("#workflow-heading", has_text="Draft").wait_for()
    shots(editor, "changes-requested")

    open_gallery_admin(photographer, STORY)
    assert "say which ferry this is" in photographer.locator(".loupe-review-note").inner_text()
    write_captions(photographer, 10, fix="The MV Skarv, the morning boat to the mainland, leaves the island quay.")
    open_gallery_admin(photographer, STORY)
    workflow_step(photographer, "Submit for review").click()
    photographer.locator("#workflow-heading", has_text="In review").wait_for()
    # A photographer never publishes: no approve step is offered.
    assert workflow_step(photographer, "Approve").count() == 0

    open_gallery_admin(editor, STORY)
    workflow_step(editor, "Approve").click()
    editor.locator("#workflow-heading", has_text="Published").wait_for()
    shots(editor, "approved")

    reader = new_page()
    reader.goto("/")
    reader.get_by_role("link", name=STORY).first.click()
    reader.get_by_role("heading", level=1, name=STORY).wait_for()
    assert reader.get_by_text("The MV Skarv, the morning boat to the mainland").count() == 1
    assert reader.locator("img.photo").count() == 10
    shots(reader, "published-gallery")


def post(form, body: str, *, name: str, email: str, button: str = "Post comment") -> None:
    """Fill in and send the comment form inside `form` (a page with one form, or the form itself)."""
    form.locator("[name=body]").fill(body)
    if form.locator("[name=author_name]").count():
        form.locator("[name=author_name]").fill(name)
        form.locator("[name=author_email]").fill(email)
    time.sleep(WRITING_TIME)
    form.get_by_role("button", name=button).click()


def comment_reply_report(page, shots, *, photo: int, reply_to: str, report: str, tag: str, check_a11y: bool) -> None:
    """Comment on one photo, reply to `reply_to`'s comment and report `report`'s, as a first-time reader."""
    page.goto(HARBOUR_URL)
    page.get_by_role("link", name=f"Photo page for photo {photo}", exact=True).click()
    page.wait_for_selector("#comments")
    if check_a11y:  # axe is a script: it runs where JavaScript does
        assert_accessible(page, context="photo page with the comment form")
    post(page, f"The light on photo {photo} is wonderful ({tag}).", name=f"Reader {tag}", email=f"{tag}@example.org")
    page.get_by_text("waiting for review").wait_for()
    shots(page, "comment-waits")

    page.goto(HARBOUR_URL + "#comments")
    page.get_by_role("link", name=f"Reply to {reply_to}").click()
    if check_a11y:
        # With JavaScript the form opens under the comment; without, the link leads to the reply's own page.
        form = page.get_by_role("form", name=f"Reply to {reply_to}")
        form.wait_for()
        assert_accessible(page, context="reply form")
    else:
        page.get_by_role("heading", name=f"Reply to {reply_to}").wait_for()
        form = page.locator("form.comment-form")
    post(
        form,
        f"Thank you, {reply_to}, that is what I wanted to know ({tag}).",
        name=f"Reader {tag}",
        email=f"{tag}@example.org",
        button="Post reply",
    )
    page.get_by_text("waiting for review").wait_for()

    page.goto(HARBOUR_URL + "#comments")
    page.get_by_role("link", name=f"Report comment by {report}").first.click()
    page.get_by_label("Identifies or endangers a person in the photo").check()
    page.fill("#report-note", f"It names the crane driver ({tag}).")
    shots(page, "report-form")
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("Moderators will review your report").wait_for()


def test_reader_comments_on_a_photo_replies_and_reports_with_and_without_javascript(new_page, shots):
    comment_reply_report(new_page(), shots, photo=3, reply_to="Ines", report="Jonah", tag="js", check_a11y=True)
    comment_reply_report(
        new_page(javascript=False), shots, photo=5, reply_to="Ines", report="Ines", tag="nojs", check_a11y=False
    )


def queue_row(page, text: str) -> int:
    rows = page.locator("#result_list tbody tr")
    for index in range(rows.count()):
        if text in rows.nth(index).inner_text():
            return index
    raise AssertionError(f"{text!r} is not in the queue:\n{page.locator('#result_list').inner_text()}")


def decide_with_keys(page, text: str, key: str) -> None:
    """Move to the comment with j (from the top of the queue) and decide it with one key."""
    page.locator("#result_list").wait_for()
    index = queue_row(page, text)
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(index + 1):
        page.keyboard.press("j")
    assert text in page.locator("#result_list tbody tr.queue-current").inner_text()
    page.keyboard.press(key)
    page.locator(".messagelist").wait_for()


def test_moderator_decides_the_queue_from_the_keyboard_and_readers_see_the_approved_threads(new_page, shots):
    moderator = new_page()
    login(moderator, "moderator", "loupe-moderator-demo")
    moderator.goto("/admin/newsroom/comment/?queue=pending")
    queue = moderator.locator("#result_list").inner_text()
    # Each comment shows what it is on, its thread and why it waits.
    assert "Photo 3: The ice house" in queue
    assert "In reply to Ines" in queue
    assert "First-time commenter" in queue
    assert_accessible(moderator, context="moderation queue")
    shots(moderator, "pending-queue")

    decide_with_keys(moderator, "The light on photo 3 is wonderful (js)", "a")
    decide_with_keys(moderator, "Thank you, Ines, that is what I wanted to know (js)", "a")
    decide_with_keys(moderator, "Thank you, Ines, that is what I wanted to know (nojs)", "a")
    decide_with_keys(moderator, "The light on photo 5 is wonderful (nojs)", "r")
    assert "1 comment(s) rejected" in moderator.locator(".messagelist").inner_text()

    moderator.goto("/admin/newsroom/comment/?queue=reported")
    reported = moderator.locator("#result_list").inner_text()
    assert "Identifies or endangers a person in the photo" in reported
    assert "It names the crane driver (js)" in reported
    shots(moderator, "reported-queue")
    decide_with_keys(moderator, "The night crews never get any credit", "r")
    # Approving a reported comment keeps it and closes its reports.
    decide_with_keys(moderator, "My grandfather drove one of those cranes", "a")
    moderator.goto("/admin/newsroom/comment/?queue=reported")
    assert "My grandfather drove" not in moderator.locator("#content").inner_text()

    reader = new_page(javascript=False)
    reader.goto(HARBOUR_URL)
    reader.get_by_role("link", name="Photo page for photo 3", exact=True).click()
    reader.get_by_text("The light on photo 3 is wonderful (js)").wait_for()
    assert reader.get_by_text("Does the buyer pay for the ice too?").count() == 1
    reader.goto(HARBOUR_URL)
    reader.get_by_role("link", name="Photo page for photo 5", exact=True).click()
    reader.wait_for_selector("#comments")
    assert reader.get_by_text("The light on photo 5 is wonderful").count() == 0

    reader.goto(HARBOUR_URL + "#comments")
    thread = reader.locator("li.comment-thread", has_text="My grandfather drove one of those cranes")
    assert thread.get_by_text("Thank you, Ines, that is what I wanted to know (js)").count() == 1
    assert thread.get_by_text("Thank you, Ines, that is what I wanted to know (nojs)").count() == 1
    # The rejected reply has left the thread; the comments on photo 3 stay on photo 3.
    assert thread.get_by_text("The night crews never get any credit").count() == 0
    assert reader.get_by_text("The light on photo 3 is wonderful").count() == 0
    shots(reader, "approved-threads")


def next_minute(seconds_ahead: int = 25) -> datetime.datetime:
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds_ahead)
    return soon.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


def status_of(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 -- loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_editor_schedules_a_story_it_goes_live_on_time_then_is_withdrawn(new_page, site, shots):
    editor = new_page()
    login(editor, "editor", "loupe-editor-demo")
    open_gallery_admin(editor, DRAFT)
    # Photos added to the draft since it was made may still lack alt text; the grid is where it is written.
    editor.get_by_role("link", name="Captions grid").click()
    for field in editor.locator("[name$='-alt_text']").all():
        if not field.input_value().strip():
            field.fill("Families queue for water beside the camp's tents.")
    editor.get_by_role("button", name="Save all captions").click()
    editor.get_by_text("Captions saved.").wait_for()
    open_gallery_admin(editor, DRAFT)
    workflow_step(editor, "Submit for review").click()
    editor.locator("#workflow-heading", has_text="In review").wait_for()

    at = next_minute()
    editor.fill("#step-publish-at", at.strftime("%Y-%m-%dT%H:%M"))
    workflow_step(editor, "Approve").click()
    editor.locator("#workflow-heading", has_text="scheduled").wait_for()
    shots(editor, "scheduled")
    public_url = site.url + "/galleries/inside-the-flood-relief-camp/"
    assert status_of(public_url)[0] == 404

    # Before its time the publisher leaves it alone; after, it publishes it.
    site.manage("publish_due")
    assert status_of(public_url)[0] == 404
    time.sleep(max(0.0, (at - datetime.datetime.now(datetime.UTC)).total_seconds()) + 1)
    site.manage("publish_due")
    status, html = status_of(public_url)
    assert status == 200
    assert DRAFT in html

    open_gallery_admin(editor, DRAFT)
    editor.fill("#step-reason", "The families asked us not to show their faces.")
    workflow_step(editor, "Withdraw").click()
    editor.locator("#workflow-heading", has_text="Withdrawn").wait_for()

    reader = new_page()
    response = reader.goto(public_url)
    assert response.status == 410
    reader.get_by_text("The families asked us not to show their faces.").wait_for()
    assert reader.get_by_text(HARBOUR[0][0]).count() == 0
    shots(reader, "withdrawn")
