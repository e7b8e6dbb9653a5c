import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from galleries.models import AuditEvent, Gallery, Item, Photo, Photographer
from galleries.tasks import render_photo
from newsroom.management.commands.load_demo import Command
from newsroom.models import Comment
from tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db

# Small painted scenes load in a second instead of twenty; nothing checked here depends on the pixels.
SCENE_SIZE = "480x320"


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    # Each publication's commit runs its job (photos made public), as `make run` does in-process.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--scene-size", SCENE_SIZE, "--painted")


def counts():
    return (
        get_user_model().objects.count(),
        Photographer.objects.count(),
        Gallery.objects.count(),
        Item.objects.count(),
        Photo.objects.count(),
        Comment.objects.count(),
    )


def test_load_demo_twice_changes_nothing(capsys):
    call_command("load_demo", "--scene-size", SCENE_SIZE, "--painted")
    first = counts()
    passwords = list(get_user_model().objects.order_by("pk").values_list("password", flat=True))
    call_command("load_demo", "--scene-size", SCENE_SIZE, "--painted")
    assert counts() == first
    assert list(get_user_model().objects.order_by("pk").values_list("password", flat=True)) == passwords


def test_load_demo_has_two_published_galleries_and_a_draft(demo, client):
    assert Gallery.objects.published().count() == 2
    assert Gallery.objects.filter(status=Gallery.Status.DRAFT).count() == 1
    assert client.login(username="editor", password="loupe-editor-demo")
    assert client.get("/admin/").status_code == 200


def test_load_demo_publishes_through_the_workflow(demo):
    published = Gallery.objects.published()
    events = AuditEvent.objects.filter(action__in=["gallery.submit", "gallery.approve", "gallery.publish"])
    assert events.count() == 3 * published.count()
    assert set(events.values_list("target_id", flat=True)) == {str(pk) for pk in published.values_list("pk", flat=True)}
    assert not Photo.objects.filter(items__gallery__in=published).exclude(state=Photo.State.READY).exists()


def test_load_demo_comments_are_threads_readers_see_on_the_gallery_and_on_a_photo(demo, client):
    gallery = Gallery.objects.get(slug="night-shift-at-the-harbour")
    on_gallery = client.get(gallery.get_absolute_url()).content.decode()
    assert "My grandfather drove one of those cranes." in on_gallery
    assert "The night crews never get any credit." in on_gallery
    reply = Comment.objects.get(author_name="Marek")
    assert reply.parent.author_name == "Priya"
    assert reply.item.position == 2
    on_photo = client.get(reply.item.get_absolute_url()).content.decode()
    assert "They weigh the crates empty first" in on_photo
    assert "My grandfather drove" not in on_photo


def test_load_demo_paints_its_photos_at_the_scene_size_asked_for(demo):
    # The harvest essay's upright photos are painted upright.
    assert set(Photo.objects.values_list("width", "height")) == {(480, 320), (320, 480)}


@pytest.mark.parametrize("size", ["480", "480x", "x320", "4\uff180x320", "20x20", "100000x100000"])
def test_load_demo_refuses_a_scene_size_no_upload_could_have(size):
    with pytest.raises(CommandError, match="scene-size"):
        call_command("load_demo", "--scene-size", size)
    assert not Photo.objects.exists()


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="a second connection writing beside the test needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_load_demo_waits_for_a_running_worker_to_finish_the_photos_it_claimed():
    """With task workers running, a worker may hold a demo photo as `processing`; the demo waits for it."""
    gallery = GalleryFactory(items=2, dek="A dek.")
    claimed = gallery.items.first().photo
    Photo.objects.filter(pk=claimed.pk).update(state=Photo.State.PROCESSING)

    def worker_finishes():
        # The worker's job, as db_worker would run it: the claim is its own, then the render.
        Photo.objects.filter(pk=claimed.pk).update(state=Photo.State.QUEUED)
        render_photo.call(photo_id=claimed.pk)
        connection.close()

    timer = threading.Timer(0.5, worker_finishes)
    timer.start()
    try:
        Command().wait_until_rendered(gallery, wait=30)
    finally:
        timer.join()
    assert set(Photo.objects.filter(items__gallery=gallery).values_list("state", flat=True)) == {"ready"}


@pytest.mark.django_db
def test_load_demo_says_which_gallery_waits_on_a_worker_that_never_finishes():
    gallery = GalleryFactory(items=1)
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.PROCESSING)
    with pytest.raises(CommandError, match="still being rendered by a task worker"):
        Command().wait_until_rendered(gallery, wait=0)


def test_load_demo_gives_the_listicle_five_items_without_headlines_and_the_photo_story_comments(demo, client):
    listicle = Gallery.objects.get(slug="night-shift-at-the-harbour")
    assert listicle.items.filter(headline="").count() == 5
    assert listicle.items.exclude(headline="").exists()
    story = Gallery.objects.get(slug="the-last-hay-harvest")
    assert story.presentation == Gallery.Presentation.DARK
    html = client.get(story.get_absolute_url()).text
    assert "I can still hear the whetstone." in html and "Ingrid says the whetstone" in html
    on_photo = Comment.objects.get(author_name="Elin")
    assert on_photo.parent.author_name == "Ravi" and on_photo.item.gallery == story
