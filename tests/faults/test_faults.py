"""Faults as an operator meets them, against Loupe's real processes (`make faults`).

Each scenario breaks one thing, checks that nothing accepted is lost and that readers never see a published
gallery without its pictures, restores it, and records how long Loupe took to heal.
"""

import concurrent.futures
import time

import pytest
import requests

from tests.faults.conftest import record, wait_for

pytestmark = pytest.mark.faults

# Every published gallery is whole within this long after the broken service returns.
RECOVERY_BOUND = 60.0


def _page_status(stack, path: str) -> int:
    try:
        return requests.get(f"{stack.url}{path}", timeout=10).status_code
    except requests.RequestException:
        return 0


def _ready_gallery(stack, label: str, *, photos: int) -> dict:
    made = stack.make_content(label, photos=photos)
    wait_for(lambda: stack.photos_ready(made["photos"]), timeout=180, what=f"{photos} photos rendered")
    return made


def _never_seen_without_pictures(stack, made: dict, status: int) -> None:
    if status == 200:
        assert stack.gallery_fully_public(made["gallery"]), "readers saw the gallery before all its photos were public"


def _all_processes_alive(stack) -> None:
    dead = [name for name, process in stack.processes.items() if not process.alive()]
    assert not dead, f"processes exited: {dead}"


def _requests_after_recovery(stack, session, count: int = 30) -> list[int]:
    paths = ["/health/", "/admin/", "/?page=1", "/search/?q=faults"]
    codes = []
    for n in range(count):
        getter = session.get if paths[n % len(paths)] == "/admin/" else requests.get
        try:
            codes.append(getter(f"{stack.url}{paths[n % len(paths)]}", timeout=10).status_code)
        except requests.RequestException:
            codes.append(0)
    return codes


def test_database_cut_during_approval_of_a_45_photo_gallery(stack):
    made = _ready_gallery(stack, "db-cut", photos=45)
    editor = stack.signed_in()

    started = time.monotonic()
    response = stack.approve(editor, made["gallery"])
    approval_seconds = time.monotonic() - started
    assert response.status_code == 302, response.text[:500]
    stack.db.cut()
    seen = []
    cut_until = time.monotonic() + 8
    while time.monotonic() < cut_until:
        seen.append(_page_status(stack, f"/galleries/{made['slug']}/"))
        time.sleep(0.5)
    stack.db.restore()
    restored = time.monotonic()

    def whole():
        status = _page_status(stack, f"/galleries/{made['slug']}/")
        _never_seen_without_pictures(stack, made, status)
        return status == 200 and stack.gallery_fully_public(made["gallery"])

    wait_for(whole, timeout=RECOVERY_BOUND, interval=1.0, what="the gallery whole for readers")
    recovery = time.monotonic() - restored
    _all_processes_alive(stack)
    codes = _requests_after_recovery(stack, editor)
    assert all(code < 500 and code != 0 for code in codes), f"requests failed after the database returned: {codes}"
    # Workers carried on by themselves: photos uploaded after the outage are rendered.
    later = stack.make_content("after-db-cut", photos=2, photos_only=True)
    wait_for(lambda: stack.photos_ready(later["photos"]), timeout=60, what="renders after the outage")
    record(
        "database cut during approval of 45 photos",
        f"approval answered in {approval_seconds:.1f} s; gallery whole {recovery:.1f} s after the database returned; "
        f"{len(codes)} requests after, 0 failed; workers never restarted",
    )


def test_worker_killed_mid_render(stack):
    made = stack.make_content("killed-worker", photos=1, size=2400, photos_only=True)
    photo = made["photos"][0]

    def running_worker():
        rows = stack.sql(
            "SELECT worker_ids FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
            "AND task_path = 'galleries.tasks.render_photo' AND args_kwargs::text LIKE %s",
            f'%"photo_id": {photo}%',
        )
        return rows[0][0][-1] if rows else None

    worker_id = wait_for(running_worker, timeout=60, interval=0.05, what="the render to start")
    name = "worker-a" if worker_id == "faults-a" else "worker-b"
    stack.processes[name].kill()
    killed = time.monotonic()

    wait_for(lambda: stack.photos_ready([photo]), timeout=120, what="the photo rendered by the surviving worker")
    recovery = time.monotonic() - killed
    stack.processes[name].start()  # as the supervisor would
    assert recovery < 120
    record("worker SIGKILLed mid-render", f"photo rendered {recovery:.1f} s after the kill (bound 120 s)")


def test_runner_and_workers_killed_right_after_a_scheduled_publication_commits(stack):
    made = _ready_gallery(stack, "killed-runner", photos=8)
    stack.processes["periodic"].kill()
    stack.sql(
        "UPDATE galleries_gallery SET status = 'approved', publish_at = now() - interval '1 second' WHERE id = %s",
        made["gallery"],
    )
    runner = stack.processes["periodic"].start()
    wait_for(
        lambda: stack.sql("SELECT status FROM galleries_gallery WHERE id = %s", made["gallery"])[0][0] == "published",
        timeout=30,
        interval=0.02,
        what="the scheduled publication",
    )
    runner.kill()
    stack.processes["worker-a"].kill()
    stack.processes["worker-b"].kill()
    status = _page_status(stack, f"/galleries/{made['slug']}/")
    _never_seen_without_pictures(stack, made, status)
    for name in ("periodic", "worker-a", "worker-b"):
        stack.processes[name].start()  # as the supervisor would
    restarted = time.monotonic()

    wait_for(lambda: stack.gallery_fully_public(made["gallery"]), timeout=RECOVERY_BOUND, what="the gallery whole")
    recovery = time.monotonic() - restarted
    assert _page_status(stack, f"/galleries/{made['slug']}/") == 200
    record("periodic and workers SIGKILLed after publishing", f"gallery whole {recovery:.1f} s after restart")


def test_redis_hung_during_reads(stack):
    made = _ready_gallery(stack, "redis-hung", photos=2)
    stack.approve(stack.signed_in(), made["gallery"])
    wait_for(lambda: stack.gallery_fully_public(made["gallery"]), timeout=RECOVERY_BOUND, what="the gallery whole")
    paths = ["/", f"/galleries/{made['slug']}/", "/admin/login/"]
    stack.cache.hang()
    try:
        timings, codes = [], []
        for n in range(30):
            started = time.monotonic()
            codes.append(_page_status(stack, paths[n % len(paths)]))
            timings.append(time.monotonic() - started)
        editor = stack.signed_in()  # sessions live in the database, not in Redis
        assert editor.get(f"{stack.url}/admin/", timeout=10).status_code == 200
        health = requests.get(f"{stack.url}/health/", timeout=10).json()
        assert health["status"] == "degraded" and health["checks"]["cache"]["status"] == "unavailable"
    finally:
        stack.cache.restore()
    restored = time.monotonic()
    assert codes == [200] * len(codes), codes
    _all_processes_alive(stack)
    timings.sort()
    assert timings[len(timings) * 95 // 100] < 2.0, timings  # a Redis timeout is 0.25 s; the rest is a busy CPU
    wait_for(
        lambda: requests.get(f"{stack.url}/health/", timeout=5).json()["checks"]["cache"]["status"] == "ok",
        timeout=20,
        what="the cache back",
    )
    record(
        "Redis hung during reads",
        f"{len(codes)} pages all 200, slowest {timings[-1]:.2f} s, p95 {timings[len(timings) * 95 // 100]:.2f} s; "
        f"cache back in use {time.monotonic() - restored:.1f} s after it returned",
    )


def test_redis_down(stack):
    stack.cache.cut()
    try:
        codes = [_page_status(stack, path) for path in ["/", "/admin/login/", "/health/"] * 5]
    finally:
        stack.cache.restore()
    assert codes == [200] * len(codes), codes
    record("Redis down", f"{len(codes)} requests, all 200")


def test_storage_cut_during_rendering(stack):
    # Workers held back until the originals are stored, so that every render meets the outage.
    for name in ("worker-a", "worker-b"):
        stack.processes[name].kill()
    made = stack.make_content("storage-render", photos=4, photos_only=True)
    stack.storage.cut()
    for name in ("worker-a", "worker-b"):
        stack.processes[name].start()
    waiting = "SELECT count(*) FROM galleries_photo WHERE state_reason LIKE 'Storage was unavailable%%'"
    wait_for(
        lambda: stack.sql(waiting)[0][0],
        timeout=60,
        what="a render to meet the outage",
    )
    time.sleep(5)
    assert not stack.photos_ready(made["photos"])
    stack.storage.restore()
    restored = time.monotonic()

    wait_for(lambda: stack.photos_ready(made["photos"]), timeout=RECOVERY_BOUND, what="the photos rendered")
    recovery = time.monotonic() - restored
    _all_processes_alive(stack)
    record("storage cut during rendering", f"4 of 4 photos rendered {recovery:.1f} s after storage returned")


def test_storage_cut_during_publication(stack):
    made = _ready_gallery(stack, "storage-publish", photos=8)
    editor = stack.signed_in()
    stack.storage.cut()
    try:
        response = stack.approve(editor, made["gallery"])
        assert response.status_code == 302, response.text[:300]
        for _ in range(10):
            _never_seen_without_pictures(stack, made, _page_status(stack, f"/galleries/{made['slug']}/"))
            time.sleep(0.5)
        assert not stack.gallery_fully_public(made["gallery"])
    finally:
        stack.storage.restore()
    restored = time.monotonic()

    wait_for(
        lambda: stack.gallery_fully_public(made["gallery"]), timeout=RECOVERY_BOUND, interval=1.0, what="the gallery"
    )
    recovery = time.monotonic() - restored
    assert _page_status(stack, f"/galleries/{made['slug']}/") == 200
    _all_processes_alive(stack)
    record("storage cut during publication", f"gallery whole {recovery:.1f} s after storage returned")


def test_concurrent_duplicate_comments_and_votes(stack):
    from newsroom.moderation import issue_form_stamp

    made = _ready_gallery(stack, "comments", photos=1)
    stack.approve(stack.signed_in(), made["gallery"])
    wait_for(lambda: stack.gallery_fully_public(made["gallery"]), timeout=RECOVERY_BOUND, what="the gallery whole")
    stamp = issue_form_stamp(at=time.time() - 60)
    form = {
        "body": "Twelve copies of one comment, sent at once.",
        "author_name": "Ana",
        "author_email": "ana@example.org",
        "stamp": stamp,
        "gallery": made["gallery"],
        "website": "",
    }
    headers = {"Origin": stack.url}

    def post(_):
        return requests.post(f"{stack.url}/comments/post/", data=form, headers=headers, timeout=20).status_code

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(post, range(12)))
    stored = stack.sql("SELECT count(*) FROM newsroom_comment WHERE body = %s", form["body"])[0][0]
    assert stored == 1, f"{stored} copies stored; answers {codes}"
    assert all(code < 500 for code in codes), codes

    item = stack.sql("SELECT id FROM galleries_item WHERE gallery_id = %s", made["gallery"])[0][0]
    voter = requests.Session()
    voter.post(f"{stack.url}/galleries/{made['slug']}/photos/{item}/vote/", headers=headers, timeout=10)

    def vote(_):
        response = voter.post(
            f"{stack.url}/galleries/{made['slug']}/photos/{item}/vote/",
            headers={**headers, "Accept": "application/json"},
            timeout=20,
        )
        return response.status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        vote_codes = list(pool.map(vote, range(8)))
    votes = stack.sql("SELECT count(*) FROM galleries_vote WHERE item_id = %s", item)[0][0]
    counted = stack.sql("SELECT vote_count FROM galleries_item WHERE id = %s", item)[0][0]
    assert votes == 1 and counted == 1, (votes, counted, vote_codes)
    record(
        "concurrent duplicate comments and votes", "12 identical posts stored once; 9 votes of one reader counted once"
    )


def test_json_upload_endpoint_answers_json_while_the_database_is_cut(stack):
    editor = stack.signed_in()
    gallery = stack.make_content("json-errors", photos=1)["gallery"]
    url = f"{stack.url}/admin/galleries/gallery/{gallery}/upload/known/"
    stack.db.cut()
    try:
        response = editor.post(
            url,
            json={"hashes": []},
            headers={"X-CSRFToken": editor.cookies["csrftoken"], "Referer": url, "Accept": "application/json"},
            timeout=20,
        )
    finally:
        stack.db.restore()
    restored = time.monotonic()
    assert response.status_code == 503, response.text[:300]
    assert "database" in response.json()["error"]
    wait_for(lambda: requests.get(f"{stack.url}/health/", timeout=5).status_code == 200, timeout=20, what="health")
    codes = _requests_after_recovery(stack, editor, count=20)
    assert all(0 < code < 500 for code in codes), codes
    _all_processes_alive(stack)
    record(
        "upload endpoint with the database cut",
        f"JSON 503 with a message; healthy {time.monotonic() - restored:.1f} s after the database returned, "
        f"then {len(codes)} requests, 0 failed",
    )
