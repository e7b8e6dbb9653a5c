import re
import time

SEED = """
from galleries.models import Gallery
from newsroom.models import Comment
gallery = Gallery.objects.published().order_by('pk').first()
root = Comment.objects.create(gallery=gallery, author_name='Bo', body='Root comment e2e', status='approved')
for n in range(6):
    Comment.objects.create(
        gallery=gallery, parent=root, root=root, depth=1, author_name=f'R{n}', body=f'Reply {n} e2e', status='approved'
    )
print(gallery.get_absolute_url(), root.pk)
"""


def _seed(site) -> tuple[str, int]:
    url, pk = site.manage("shell", "-c", SEED).strip().splitlines()[-1].split()
    # The server's page cache lives in its own processes (no Redis here), out of the shell's reach;
    # a query parameter the cache does not know makes it render the page afresh.
    return f"{url}?seeded={pk}", int(pk)


def test_load_more_replies_in_place_with_javascript(new_page, site, shots):
    url, root = _seed(site)
    page = new_page()
    errors = []

    def console(message):
        # The site has no favicon yet; that 404 is not this feature's.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location.get('url')}")

    page.on("console", console)
    page.goto(f"{url}#comment-{root}")
    thread = page.locator(f"#comment-{root}").locator("xpath=..")
    assert thread.get_by_text("Reply 5 e2e").count() == 0

    thread.get_by_role("link", name=re.compile("Load more replies")).click()

    thread.get_by_text("Reply 5 e2e").wait_for()
    assert page.url.split("#")[0].endswith(url)
    shots(page, "load-more")
    assert errors == []


def test_load_more_without_javascript_opens_the_whole_thread(new_page, site):
    url, root = _seed(site)
    page = new_page(javascript=False)
    page.goto(url)

    page.locator(f"#comment-{root}").locator("xpath=..").get_by_role(
        "link", name=re.compile("Load more replies")
    ).click()

    page.get_by_text("Reply 5 e2e").wait_for()
    assert f"/comments/{root}/thread/" in page.url


def test_reader_without_javascript_is_told_the_comment_waits(new_page, site, shots):
    url, _ = _seed(site)
    page = new_page(javascript=False)
    page.goto(url)
    page.fill("#id_body", "Posted from a browser with JavaScript off.")
    page.fill("#id_author_name", "Ada")
    page.fill("#id_author_email", "ada@example.org")
    # The form refuses posts faster than a person writes.
    time.sleep(3.2)

    page.get_by_role("button", name="Post comment").click()

    page.get_by_text("waiting for review").wait_for()
    shots(page, "posted")
