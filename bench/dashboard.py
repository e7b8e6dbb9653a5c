"""Server time and query count of the admin home and a gallery's statistics page, at newsroom scale.

Builds, with bulk_create and no image rendering, 2,000 galleries (most published over three years, the rest
in every workflow state), 60,000 photos placed in them, each published gallery's daily figures from its
publication on (up to BENCH_STATS_DAYS=365 days each: the folded stats, as `fold_stats` leaves them) and
500,000 reader comments with their moderation decisions. With DATABASE_URL set it works in a temporary
PostgreSQL database on that server, dropped at the end; otherwise in SQLite under a temporary directory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/dashboard.py

Prints a table, then, as its last line, one JSON object.
"""

import datetime
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALLERIES = int(os.environ.get("BENCH_GALLERIES", "2000"))
PHOTOS_PER_GALLERY = int(os.environ.get("BENCH_PHOTOS_PER_GALLERY", "30"))
COMMENTS = int(os.environ.get("BENCH_COMMENTS", "500000"))
STATS_DAYS = int(os.environ.get("BENCH_STATS_DAYS", "365"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BATCH = 5000
GOAL_MS, GOAL_QUERIES = 300, 20


def temporary_postgres(url: str) -> tuple[str, str]:
    """A fresh database beside the one `url` names; returns its URL and its name."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = f"loupe_bench_dashboard_{secrets.token_hex(4)}"
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres(url: str, name: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(rng: random.Random) -> dict:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from galleries.models import AuditEvent, Gallery, GalleryDayStats, Item, Photo, Photographer, Section
    from newsroom.models import Comment, CommentReport

    now = timezone.now()
    today = timezone.localdate(now)
    three_years = 3 * 365
    started = time.monotonic()

    editors = Group.objects.get_or_create(name="Editors")[0]
    photographers_group = Group.objects.get_or_create(name="Photographers")[0]
    Group.objects.get_or_create(name="Moderators")
    editor = User.objects.create_user("bench-editor", is_staff=True)
    editor.groups.add(editors)
    chief = User.objects.create_user("bench-chief", is_staff=True, is_superuser=True)
    authors = [User.objects.create_user(f"bench-photographer-{n}", is_staff=True) for n in range(50)]
    for author in authors:
        author.groups.add(photographers_group)
    people = Photographer.objects.bulk_create(
        Photographer(name=f"Photographer {n}", slug=f"photographer-{n}", user=authors[n]) for n in range(50)
    )
    sections = Section.objects.bulk_create(Section(name=f"Section {n}", slug=f"section-{n}") for n in range(8))

    S = Gallery.Status
    galleries = []
    for n in range(GALLERIES):
        kind = rng.random()
        fields = {"status": S.PUBLISHED}
        if kind < 0.03:
            fields = {"status": S.IN_REVIEW, "submitted_by": authors[n % 50]}
        elif kind < 0.05:
            fields = {"status": S.APPROVED, "publish_at": now + datetime.timedelta(hours=rng.randint(-2, 24 * 14))}
        elif kind < 0.08:
            fields = {"status": S.DRAFT, "review_note": "Tighten the edit to twelve photos; caption 4 needs a name."}
        elif kind < 0.11:
            fields = {"status": S.DRAFT}
        elif kind < 0.12:
            fields = {"status": S.WITHDRAWN, "withdrawn_reason": "Legal review."}
        if fields["status"] in (S.PUBLISHED, S.WITHDRAWN):
            fields["published_at"] = now - datetime.timedelta(days=rng.uniform(0, three_years))
        galleries.append(
            Gallery(
                title=f"Gallery {n}: a story from the {['harbour', 'valley', 'city', 'coast'][n % 4]}",
                slug=f"gallery-{n}",
                dek="A summary of the story.",
                section=sections[n % 8],
                created_by=authors[n % 50],
                **fields,
            )
        )
    galleries = Gallery.objects.bulk_create(galleries, batch_size=BATCH)
    Gallery.photographers.through.objects.bulk_create(
        Gallery.photographers.through(gallery_id=g.pk, photographer_id=people[i % 50].pk)
        for i, g in enumerate(galleries)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=g.submitted_by,
            action="gallery.submit",
            target_type_id=_gallery_type_id(),
            target_id=str(g.pk),
            target_repr=g.title,
            from_state="draft",
            to_state="in_review",
        )
        for g in galleries
        if g.status == S.IN_REVIEW
    )

    photos = []
    for n in range(GALLERIES * PHOTOS_PER_GALLERY):
        state = Photo.State.READY
        roll = rng.random()
        if roll < 0.003:
            state = Photo.State.FAILED
        elif roll < 0.005:
            state = Photo.State.PROCESSING
        photos.append(
            Photo(
                original=f"bench/{n}.jpg",
                sha256=f"{n:064x}",
                original_format="JPEG",
                width=1600,
                height=1067,
                headline=f"Photo {n}",
                alt_text="A photograph.",
                photographer=people[n % 50],
                uploaded_by=authors[n % 50],
                state=state,
                state_reason="Pillow could not read the file." if state == Photo.State.FAILED else "",
            )
        )
    photos = Photo.objects.bulk_create(photos, batch_size=BATCH)
    Photo.objects.filter(state=Photo.State.PROCESSING).update(updated_at=now - datetime.timedelta(hours=2))
    Item.objects.bulk_create(
        (
            Item(
                gallery=galleries[n // PHOTOS_PER_GALLERY],
                photo=photo,
                position=n % PHOTOS_PER_GALLERY,
                headline=f"Scene {n % PHOTOS_PER_GALLERY + 1}",
                vote_count=int(rng.paretovariate(1.5)) - 1,
            )
            for n, photo in enumerate(photos)
        ),
        batch_size=BATCH,
    )

    published = [g for g in galleries if g.published_at]
    stats_rows = 0

    def day_stats():
        nonlocal stats_rows
        for g in published:
            first = max(timezone.localdate(g.published_at), today - datetime.timedelta(days=STATS_DAYS - 1))
            age0 = (first - timezone.localdate(g.published_at)).days
            pull = rng.uniform(200, 5000)
            for offset in range((today - first).days + 1):
                age = age0 + offset
                views = int(pull / (1 + age) ** 1.2)
                stats_rows += 1
                yield GalleryDayStats(
                    gallery_id=g.pk,
                    day=first + datetime.timedelta(days=offset),
                    views=views,
                    votes=views // 40,
                    comments=views // 200,
                )

    _bulk(GalleryDayStats, day_stats())

    C = Comment.Status
    reasons = ["First-time commenter.", "More than 2 links.", "Every comment on this gallery is reviewed first."]

    def comments():
        for n in range(COMMENTS):
            g = published[rng.randrange(len(published))]
            span = max((now - g.published_at).total_seconds(), 60)
            # Most comments come in a gallery's first days.
            created = g.published_at + datetime.timedelta(seconds=span * rng.random() ** 3)
            roll = rng.random()
            status, decided = C.APPROVED, None
            if roll < 0.005:
                status = C.PENDING
            elif roll < 0.05:
                status = C.REJECTED
            elif roll < 0.13:
                status = C.SPAM
            elif roll < 0.135:
                status = C.REMOVED
            if status != C.PENDING and (status != C.APPROVED or roll > 0.7):
                decided = min(created + datetime.timedelta(minutes=rng.uniform(1, 600)), now)
            yield Comment(
                gallery_id=g.pk,
                author_name=f"Reader {n % 5000}",
                author_email=f"reader{n % 5000}@example.org",
                ip_hash=f"{n % 5000:032x}",
                body="Thank you for these photographs; the third one stays with me.",
                status=status,
                policy_reason=reasons[n % 3] if status == C.PENDING else "",
                created_at=created,
                decided_at=decided,
                unsubscribe_token=f"t{n}",
            )

    _bulk(Comment, comments())
    reported = list(Comment.objects.filter(status=C.APPROVED).order_by("?").values_list("pk", flat=True)[:3000])
    CommentReport.objects.bulk_create(
        (
            CommentReport(
                comment_id=pk,
                reason=rng.choice(CommentReport.Reason.values),
                reporter_key=f"k{n}",
                resolved_at=None if n % 10 == 0 else now,
            )
            for n, pk in enumerate(reported)
        ),
        batch_size=BATCH,
    )
    return {
        "editor": editor,
        "chief": chief,
        "busiest": published and min(published, key=lambda g: g.published_at),
        "stats_rows": stats_rows,
        "build_seconds": round(time.monotonic() - started, 1),
    }


def _gallery_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    from galleries.models import Gallery

    return ContentType.objects.get_for_model(Gallery).pk


def _bulk(model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)


def measure(client, url: str) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm: templates compiled, connection open
    assert response.status_code == 200, (url, response.status_code)
    reset_queries()  # each request empties the log as it starts, so the count must start from empty
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # read now: the next request empties the log the context reads from
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return {"url": url, "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "queries": count}  # fmt: skip


def main() -> None:
    sys.path.insert(0, str(ROOT))
    data_dir = tempfile.mkdtemp(prefix="loupe-bench-dashboard-")
    base_url = os.environ.get("DATABASE_URL", "")
    temporary = None
    if base_url:
        url, temporary = temporary_postgres(base_url)
        os.environ["DATABASE_URL"] = url
    os.environ["LOUPE_DATA_DIR"] = data_dir
    os.environ["DJANGO_DEBUG"] = "false"  # as served: no debug cursor, manifest static files
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from django.test import Client
    from django.urls import reverse

    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Loading data, not serving it: a crash here loses nothing worth keeping.
                cursor.execute("SET synchronous_commit TO off")
        with transaction.atomic():
            made = build(random.Random(21))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # What autovacuum does to a live database: planner statistics and the visibility map.
                cursor.execute("VACUUM ANALYZE")
        client = Client()
        results = []
        for who, user in (("editor", made["editor"]), ("superuser", made["chief"])):
            client.force_login(user)
            results.append({"page": f"admin home ({who})", **measure(client, reverse("admin:index"))})
        client.force_login(made["editor"])
        stats = reverse("admin:galleries_gallery_stats", args=[made["busiest"].pk])
        results.append({"page": "gallery statistics", **measure(client, stats)})
        csv_url = reverse("admin:galleries_gallery_stats_csv", args=[made["busiest"].pk])
        results.append({"page": "gallery CSV", **measure(client, csv_url)})
    finally:
        connections.close_all()
        if temporary:
            drop_postgres(base_url, temporary)

    built = f"{GALLERIES} galleries, {GALLERIES * PHOTOS_PER_GALLERY} photos, {made['stats_rows']} day-stats rows"
    print(f"database: {connection.vendor}; built in {made['build_seconds']} s: {built}, {COMMENTS} comments")
    print(f"{'page':<26} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for row in results:
        print(f"{row['page']:<26} {row['median_ms']:>10} {row['max_ms']:>8} {row['queries']:>8}")
    ok = all(r["median_ms"] < GOAL_MS and r["queries"] <= GOAL_QUERIES for r in results)
    print(f"goal: under {GOAL_MS} ms and at most {GOAL_QUERIES} queries each: {'met' if ok else 'NOT met'}")
    print(json.dumps({"database": connection.vendor, "stats_rows": made["stats_rows"], "results": results, "ok": ok}))


if __name__ == "__main__":
    main()
