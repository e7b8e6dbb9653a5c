"""Deleted and recovered galleries leave no public file behind, and public galleries are withdrawn, never deleted."""

import pytest
import reversion
from django.core.files.storage import storages
from django.urls import reverse
from reversion.models import Version

from galleries.models import Gallery, Rendition
from galleries.publication import expose_photos
from galleries.removal import DeletionRefused, delete_gallery
from tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db


def public_answers(gallery_or_photos) -> list[str]:
    """The rendition files of these photos that the public storage (the CDN's origin) still answers for."""
    public = storages["default"]
    return [r.name for r in Rendition.objects.filter(photo__in=gallery_or_photos) if public.exists(r.name)]


def photos_of(gallery: Gallery) -> list[int]:
    return list(gallery.items.values_list("photo_id", flat=True))


def test_a_published_gallery_cannot_be_deleted_only_withdrawn(client, editor):
    gallery = GalleryFactory(published=True, items=1)
    client.force_login(editor)

    response = client.post(reverse("admin:galleries_gallery_delete", args=[gallery.pk]), {"post": "yes"}, follow=True)

    assert Gallery.objects.filter(pk=gallery.pk).exists()
    assert "is published: withdraw it first" in response.text


def test_the_bulk_delete_refuses_published_and_scheduled_galleries(client, editor):
    published = GalleryFactory(published=True, items=1)
    scheduled = GalleryFactory(approved=True, title="Due on Monday")
    draft = GalleryFactory(title="Only a draft")
    client.force_login(editor)

    data = {"action": "delete_selected", "_selected_action": [published.pk, scheduled.pk, draft.pk], "post": "yes"}
    response = client.post(reverse("admin:galleries_gallery_changelist"), data, follow=True)

    assert Gallery.objects.count() == 3
    assert "withdraw it first" in response.text
    assert "“Due on Monday” is approved to go live" in response.text


def test_the_domain_refuses_to_delete_a_published_gallery(editor):
    gallery = GalleryFactory(published=True, items=1)

    with pytest.raises(DeletionRefused):
        delete_gallery(gallery=gallery, by=editor)


def test_deleting_a_gallery_takes_its_public_files_down(client, editor, django_capture_on_commit_callbacks):
    # A draft whose files are public: left over from its time as a published gallery.
    gallery = GalleryFactory(published=True, items=2)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.DRAFT, published_at=None)
    photos = photos_of(gallery)
    expose_photos(photos=photos)
    assert public_answers(photos)
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:galleries_gallery_delete", args=[gallery.pk]), {"post": "yes"})

    assert not Gallery.objects.filter(pk=gallery.pk).exists()
    assert public_answers(photos) == []


def test_bulk_deleting_galleries_takes_their_public_files_down(client, editor, django_capture_on_commit_callbacks):
    gallery = GalleryFactory(published=True, items=1)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.WITHDRAWN)
    photos = photos_of(gallery)
    expose_photos(photos=photos)
    client.force_login(editor)

    data = {"action": "delete_selected", "_selected_action": [gallery.pk], "post": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:galleries_gallery_changelist"), data)

    assert not Gallery.objects.exists()
    assert public_answers(photos) == []


def test_deleting_keeps_the_files_of_photos_another_published_gallery_shows(editor, django_capture_on_commit_callbacks):
    shown = GalleryFactory(published=True, items=1)
    photo = shown.items.get().photo
    draft = GalleryFactory()
    draft.items.create(photo=photo, position=0)
    expose_photos(photos=[photo])

    with django_capture_on_commit_callbacks(execute=True):
        delete_gallery(gallery=draft, by=editor)

    assert public_answers([photo.pk])


def test_a_gallery_recovered_from_the_history_leaves_no_public_file(client, editor, django_capture_on_commit_callbacks):
    # Deleted while published, the way it could happen before deletion asked the workflow: its files stayed up.
    gallery = GalleryFactory(published=True, items=2)
    with reversion.create_revision():
        gallery.save()
    version = Version.objects.get_for_object(gallery).get()
    photos = photos_of(gallery)
    expose_photos(photos=photos)
    Gallery.objects.filter(pk=gallery.pk).delete()
    client.force_login(editor)
    recover = reverse("admin:galleries_gallery_recover", args=[version.pk])
    response = client.get(recover)
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, [])}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for item_form in formset.forms:
            for name in item_form.fields:
                value = item_form[name].value()
                if value is not None and not isinstance(value, bool):
                    data[item_form.add_prefix(name)] = value

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(recover, data)

    assert response.status_code == 302
    recovered = Gallery.objects.get(pk=gallery.pk)
    assert recovered.status == Gallery.Status.DRAFT
    assert public_answers(photos) == []
