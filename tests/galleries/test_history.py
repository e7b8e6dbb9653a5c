import pytest
from reversion.models import Version

from galleries import history, workflow
from galleries.history import ConflictError, EditRefused
from galleries.models import AuditEvent, Gallery, Item, Photo
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery(photographer_user):
    gallery = GalleryFactory(items=2, created_by=photographer_user, title="Harbour", dek="Night work.")
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


def edit(gallery, by, **fields):
    with history.editing_gallery(gallery=gallery, by=by, expected_version=gallery.version, comment="Edit."):
        for name, value in fields.items():
            setattr(gallery, name, value)
        gallery.save()
    return gallery


def test_an_edit_is_one_revision_of_the_gallery_and_its_items(gallery, photographer_user):
    edit(gallery, photographer_user, title="Harbour at night")

    (version,) = history.versions_of(gallery)
    assert version.revision.user == photographer_user
    members = {v.content_type.model for v in version.revision.version_set.all()}
    assert members == {"gallery", "item"}
    assert AuditEvent.objects.filter(action="gallery.edited", target_id=str(gallery.pk)).count() == 1


def test_each_edit_bumps_the_version(gallery, photographer_user):
    before = gallery.version
    edit(gallery, photographer_user, title="Harbour at night")
    assert gallery.version == before + 1
    assert Gallery.objects.get(pk=gallery.pk).version == before + 1


def test_second_save_from_a_stale_form_is_refused_and_changes_nothing(gallery, photographer_user, editor):
    loaded_by_both = gallery.version
    first = Gallery.objects.get(pk=gallery.pk)
    second = Gallery.objects.get(pk=gallery.pk)
    with history.editing_gallery(gallery=first, by=photographer_user, expected_version=loaded_by_both):
        first.title = "First title"
        first.save()

    with (
        pytest.raises(ConflictError, match="Someone else saved this gallery"),
        history.editing_gallery(gallery=second, by=editor, expected_version=loaded_by_both),
    ):
        second.title = "Second title"
        second.save()

    assert Gallery.objects.get(pk=gallery.pk).title == "First title"


def test_check_version_alone(gallery):
    history.check_version(gallery, gallery.version)
    with pytest.raises(ConflictError):
        history.check_version(gallery, gallery.version - 1)


def test_a_transition_makes_an_open_edit_form_stale(gallery, photographer_user):
    loaded = gallery.version
    workflow.submit_gallery(gallery=Gallery.objects.get(pk=gallery.pk), by=photographer_user)

    with pytest.raises(ConflictError):
        history.check_version(gallery, loaded)


def test_photographer_cannot_edit_a_gallery_in_review(gallery, photographer_user):
    workflow.submit_gallery(gallery=gallery, by=photographer_user)

    with (
        pytest.raises(EditRefused, match="in review"),
        history.editing_gallery(gallery=gallery, by=photographer_user, expected_version=gallery.version),
    ):
        pass


def test_restore_brings_back_content_and_items_but_not_the_state(gallery, photographer_user, editor):
    edit(gallery, photographer_user)
    original = history.versions_of(gallery).first()
    photo = PhotoFactory()
    with history.editing_gallery(gallery=gallery, by=photographer_user, expected_version=gallery.version):
        gallery.title = "Wrong title"
        gallery.save()
        gallery.items.order_by("position").last().delete()
        ItemFactory(gallery=gallery, position=5, headline="Added later", photo=photo)
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    workflow.submit_gallery(gallery=gallery, by=photographer_user)
    workflow.approve_gallery(gallery=gallery, by=editor)
    version_before = Gallery.objects.get(pk=gallery.pk).version

    restored = history.restore_revision(gallery=gallery, version_id=original.pk, by=editor)

    assert restored.title == "Harbour"
    assert restored.status == Gallery.Status.PUBLISHED
    assert restored.version == version_before + 1
    assert sorted(Item.objects.filter(gallery=gallery).values_list("position", flat=True)) == [0, 1]
    event = AuditEvent.objects.get(action="gallery.restored")
    assert (event.actor, event.data["version_id"]) == (editor, original.pk)
    assert history.versions_of(gallery).first().revision.comment.startswith("Restored the version of")


def test_restore_refuses_a_version_of_another_gallery(gallery, photographer_user, editor):
    other = GalleryFactory(created_by=photographer_user)
    edit(other, photographer_user)

    with pytest.raises(ConflictError, match="does not belong"):
        history.restore_revision(gallery=gallery, version_id=Version.objects.get_for_object(other).get().pk, by=editor)


def test_photographer_cannot_restore_a_published_gallery(gallery, photographer_user, editor):
    edit(gallery, photographer_user)
    version = history.versions_of(gallery).first()
    workflow.submit_gallery(gallery=gallery, by=photographer_user)
    workflow.approve_gallery(gallery=gallery, by=editor)

    with pytest.raises(EditRefused):
        history.restore_revision(gallery=gallery, version_id=version.pk, by=photographer_user)
    assert not AuditEvent.objects.filter(action="gallery.restored").exists()


def test_editing_a_published_gallery_exposes_new_photos_after_commit(
    gallery, photographer_user, editor, django_capture_on_commit_callbacks
):
    workflow.submit_gallery(gallery=gallery, by=photographer_user)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve_gallery(gallery=gallery, by=editor)
    removed = gallery.items.order_by("position").first()
    removed_photo = removed.photo

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        history.editing_gallery(gallery=gallery, by=editor, expected_version=gallery.version),
    ):
        removed.delete()

    assert len(callbacks) == 1
    assert not removed_photo.renditions.filter(is_public=True).exists()
