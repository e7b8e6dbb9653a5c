import re
import time

from tests.e2e.conftest import assert_accessible

SEED = """
from galleries.models import Gallery
from newsroom.models import Comment
gallery = Gallery.objects.published().order_by('pk').first()
root = Comment.objects.create(gallery=gallery, author_name='Noor', body='Inline reply root e2e', status='approved')
print(gallery.get_absolute_url(), root.pk)
"""

REPLY = """
from newsroom.models import Comment
reply = Comment.objects.get(parent_id={root}, body='Answered in place e2e')
print(reply.status, reply.author_name, reply.depth)
"""


def _seed(site) -> tuple[str, int]:
    url, pk = site.manage("shell", "-c", SEED).strip().splitlines()[-1].split()
    # The server's page cache lives in its own processes; a parameter it does not know renders the page afresh.
    return f"{url}?seeded={pk}", int(pk)


def test_reply_opens_under_the_comment_with_focus_in_it_and_posts(new_page, site, shots):
    url, root = _seed(site)
    page = new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}#comment-{root}")
    comment = page.locator(f"#comment-{root}")
    reply_link = comment.get_by_role("link", name="Reply to Noor")

    reply_link.click()

    box = page.locator(f"#reply-to-{root}")
    box.wait_for()
    assert page.evaluate(f"document.getElementById('comment-{root}').nextElementSibling.id") == f"reply-to-{root}"
    assert page.evaluate("document.activeElement.id") == f"reply-{root}-body"
    assert reply_link.get_attribute("aria-expanded") == "true"
    assert page.url.split("#")[0].endswith(url)
    form = page.get_by_role("form", name="Reply to Noor")
    assert form.get_by_label("Your comment").get_attribute("required") is not None
    assert "Never shown to readers" in form.inner_text()
    target = form.locator(".comment-notify label").bounding_box()
    assert target["width"] >= 44 and target["height"] >= 44
    page.keyboard.type("Answered in place e2e")
    assert_accessible(page, context="reply form open in place")
    shots(page, "reply-open")

    # In forced colours the focus ring stays, in the system's colours; on a phone the form fits the screen.
    page.emulate_media(forced_colors="active")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"
    shots(page, "reply-open-forced-colours")
    page.emulate_media(forced_colors="none")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(f"document.getElementById('reply-to-{root}').scrollWidth") <= 390
    assert form.locator(".comment-notify label").bounding_box()["height"] >= 44
    shots(page, "reply-open-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Escape closes the form and gives focus back to the link; opening it again finds the words typed.
    page.keyboard.press("Escape")
    assert box.is_hidden()
    assert page.evaluate("document.activeElement.textContent").startswith("Reply")
    assert reply_link.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert box.is_visible()
    assert form.get_by_label("Your comment").input_value() == "Answered in place e2e"

    form.get_by_label("Name").fill("Sam")
    form.get_by_label("Email", exact=False).first.fill("sam@example.org")
    # The form refuses posts faster than a person writes.
    time.sleep(3.2)
    form.get_by_role("button", name="Post reply").click()

    page.locator(".messages").get_by_text(re.compile("waiting for review|is published")).wait_for()
    shots(page, "reply-posted")
    status, name, depth = site.manage("shell", "-c", REPLY.format(root=root)).strip().splitlines()[-1].split()
    assert (status, name, depth) in {("pending", "Sam", "1"), ("approved", "Sam", "1")}
    assert errors == []


def test_cancel_closes_the_reply_form(new_page, site):
    url, root = _seed(site)
    page = new_page()
    page.goto(url)
    page.locator(f"#comment-{root}").get_by_role("link", name="Reply to Noor").click()
    box = page.locator(f"#reply-to-{root}")
    box.wait_for()

    box.get_by_role("button", name="Cancel reply to Noor").click()

    assert box.is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == f"reply-to-{root}"


def test_without_javascript_reply_leads_to_its_own_page(new_page, site):
    url, root = _seed(site)
    page = new_page(javascript=False)
    page.goto(url)

    page.locator(f"#comment-{root}").get_by_role("link", name="Reply to Noor").click()

    page.wait_for_url(re.compile(rf"/comments/{root}/reply/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Reply to Noor"
    assert page.locator("#id_body").get_attribute("required") is not None
