import json
import subprocess
from urllib.parse import urljoin, urlparse

from tests.e2e.conftest import VNU


def crawl(page, start: str, *, limit: int = 40) -> dict[str, str]:
    """HTML of the public pages reachable from `start`, one page per distinct path (no admin)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = urlparse(url).path
        if path in seen or path.startswith(("/admin", "/static", "/media")):
            continue
        response = page.goto(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            seen[path] = ""
            continue
        assert response.status == 200, f"{url} answered {response.status}"
        # The markup as served: what the checker judges is the server's HTML, not the DOM after scripts ran.
        seen[path] = response.text()
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            absolute = urljoin(url, href)
            if urlparse(absolute).netloc == urlparse(start).netloc:
                queue.append(absolute.split("#")[0])
    return {path: html for path, html in seen.items() if html}


def test_every_public_page_passes_the_nu_html_checker(new_page, site, tmp_path):
    pages = crawl(new_page(), site.url + "/")
    assert len(pages) >= 5, sorted(pages)
    files = []
    for index, (path, html) in enumerate(sorted(pages.items())):
        file = tmp_path / f"page-{index:03d}.html"
        file.write_text(html)
        files.append((path, file))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--stdout", *[str(file) for _, file in files]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    by_file = {str(file): path for path, file in files}
    errors = [
        f"{by_file.get(urlparse(m.get('url', '')).path, m.get('url'))}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert not errors, "\n".join(errors)
