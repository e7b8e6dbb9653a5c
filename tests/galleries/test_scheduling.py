import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from galleries import workflow
from galleries.models import AuditEvent, Gallery, Photo
from tests.factories import GalleryFactory

Status = Gallery.Status


def scheduled(*, minutes: int, title: str = "") -> Gallery:
    """An approved gallery due `minutes` from now (negative: overdue), its photos rendered."""
    gallery = GalleryFactory(
        approved=True,
        items=1,
        publish_at=timezone.now() + timezone.timedelta(minutes=minutes),
        **({"title": title} if title else {}),
    )
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


@pytest.mark.django_db
def test_publish_due_publishes_what_is_due_and_only_that():
    due = scheduled(minutes=-5)
    later = scheduled(minutes=60)

    assert workflow.publish_due() == [due]

    assert Gallery.objects.get(pk=due.pk).status == Status.PUBLISHED
    assert Gallery.objects.get(pk=later.pk).status == Status.APPROVED
    event = AuditEvent.objects.get(action="gallery.publish")
    assert (event.actor, event.from_state, event.to_state) == (None, "approved", "published")


@pytest.mark.django_db
def test_publish_due_twice_publishes_once():
    due = scheduled(minutes=-1)

    assert workflow.publish_due() == [due]
    assert workflow.publish_due() == []
    assert AuditEvent.objects.filter(action="gallery.publish").count() == 1


@pytest.mark.django_db
def test_publish_due_at_a_given_time_publishes_what_is_due_then():
    gallery = scheduled(minutes=30)

    assert workflow.publish_due(now=timezone.now()) == []
    assert workflow.publish_due(now=timezone.now() + timezone.timedelta(hours=1)) == [gallery]


@pytest.mark.django_db
def test_due_gallery_that_became_unready_stays_approved_and_others_still_publish(caplog):
    broken = scheduled(minutes=-10)
    Photo.objects.filter(items__gallery=broken).update(state=Photo.State.FAILED)
    fine = scheduled(minutes=-5)

    assert workflow.publish_due() == [fine]

    assert Gallery.objects.get(pk=broken.pk).status == Status.APPROVED
    assert "cannot be published" in caplog.text


@pytest.mark.django_db
def test_publish_due_command_says_what_it_published():
    scheduled(minutes=-1, title="Harbour at dawn")
    out = StringIO()

    call_command("publish_due", stdout=out)

    assert "Harbour at dawn" in out.getvalue()


@pytest.mark.django_db
def test_periodic_jobs_publish_what_is_due_and_go_on_when_one_job_fails(monkeypatch):
    from galleries import periodic

    due = scheduled(minutes=-1, title="Harbour at dawn")

    def broken() -> str:
        raise RuntimeError("stats store is down")

    monkeypatch.setattr(periodic, "JOBS", [broken, *periodic.JOBS])
    out = StringIO()
    call_command("periodic", stdout=out)

    assert "Harbour at dawn" in out.getvalue()
    due.refresh_from_db()
    assert due.status == Gallery.Status.PUBLISHED


@pytest.mark.parametrize(
    "arguments",
    [
        {"every": 0},
        {"every": -1},
        {"every": float("nan")},
        {"every": float("inf")},
        {"every": 1, "runs": 0},
        {"runs": 2},
    ],
)
def test_recurring_commands_refuse_nonsense_with_a_clear_message(arguments):
    from django.core.management import CommandError

    for command in ("publish_due", "periodic"):
        with pytest.raises(CommandError, match=r"--every|--runs"):
            call_command(command, **arguments)


@pytest.mark.django_db
def test_publish_due_command_repeats_with_every():
    out = StringIO()
    call_command("publish_due", every=0.01, runs=2, stdout=out)
    assert Gallery.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_publish_each_gallery_exactly_once():
    galleries = [scheduled(minutes=-1) for _ in range(6)]
    start = threading.Barrier(2)
    results: list[list[int]] = []
    errors = []

    def worker():
        try:
            start.wait(timeout=10)
            results.append([g.pk for g in workflow.publish_due()])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    first, second = results
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(g.pk for g in galleries)
    assert AuditEvent.objects.filter(action="gallery.publish").count() == len(galleries)
    assert Gallery.objects.published().count() == len(galleries)


@pytest.mark.django_db
def test_scheduled_gallery_appears_on_a_cached_home_page_when_published(client, django_capture_on_commit_callbacks):
    gallery = scheduled(minutes=-1, title="Harbour at dawn")
    assert "Harbour at dawn" not in client.get("/").text  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_due()

    assert "Harbour at dawn" in client.get("/").text
    assert client.get(gallery.get_absolute_url()).status_code == 200
