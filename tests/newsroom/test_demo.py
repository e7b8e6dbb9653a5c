import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from galleries.models import Gallery, Item, Photo
from newsroom.models import AuditEvent, Comment, Photographer

pytestmark = pytest.mark.django_db


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
    call_command("load_demo")
    first = counts()
    passwords = list(get_user_model().objects.order_by("pk").values_list("password", flat=True))
    call_command("load_demo")
    assert counts() == first
    assert list(get_user_model().objects.order_by("pk").values_list("password", flat=True)) == passwords


def _load_demo(capture) -> None:
    # Each publication's commit runs its job (photos made public), as `make run` does in-process.
    with capture(execute=True):
        call_command("load_demo")


def test_load_demo_has_two_published_galleries_and_a_draft(client, django_capture_on_commit_callbacks):
    _load_demo(django_capture_on_commit_callbacks)
    assert Gallery.objects.published().count() == 2
    assert Gallery.objects.filter(status=Gallery.Status.DRAFT).count() == 1
    assert client.login(username="editor", password="loupe-editor-demo")
    assert client.get("/admin/").status_code == 200


def test_load_demo_publishes_through_the_workflow(django_capture_on_commit_callbacks):
    _load_demo(django_capture_on_commit_callbacks)
    published = Gallery.objects.published()
    events = AuditEvent.objects.filter(action__in=["gallery.submit", "gallery.approve", "gallery.publish"])
    assert events.count() == 3 * published.count()
    assert set(events.values_list("target_id", flat=True)) == {str(pk) for pk in published.values_list("pk", flat=True)}
    assert not Photo.objects.filter(items__gallery__in=published).exclude(state=Photo.State.READY).exists()


def test_load_demo_comments_are_threads_readers_see_on_the_gallery_and_on_a_photo(
    client, django_capture_on_commit_callbacks
):
    _load_demo(django_capture_on_commit_callbacks)
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
