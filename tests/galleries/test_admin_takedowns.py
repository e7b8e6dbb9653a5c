"""The rights desk in the photo admin: kill notices, licences renewed, usages, rights beside the photo."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from galleries.models import AuditEvent, Photo
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory, UserFactory, published_gallery

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:galleries_photo_changelist"
EXPECTED_PICKER_QUERIES = 11
EXPECTED_PHOTO_PAGE_QUERIES = 13


def _kill(client, photos, **data):
    payload = {"action": "kill_notice", "_selected_action": [p.pk for p in photos], **data}
    return client.post(reverse(CHANGELIST), payload, follow=True)


def test_an_editor_sends_a_kill_notice_from_the_photo_list(client, editor, django_capture_on_commit_callbacks):
    gallery = published_gallery(items=2, title="Harbour at dawn")
    photo = gallery.items.first().photo
    client.force_login(editor)

    asked = _kill(client, [photo])
    assert asked.status_code == 200 and "Withdraw everywhere now" in asked.text
    assert "“Harbour at dawn” (published)" in asked.text
    assert not Photo.objects.get(pk=photo.pk).is_taken_down

    with django_capture_on_commit_callbacks(execute=True):
        done = _kill(client, [photo], reason="Agency kill notice 2291: wrong person named.", cause="kill_notice")
    assert "1 photo taken down everywhere" in done.text
    photo.refresh_from_db()
    assert photo.is_taken_down and photo.takedown_cause == "kill_notice" and not photo.takedown_hides_items
    assert AuditEvent.objects.get(action="photo.taken_down").actor == editor
    assert "This photo is no longer available." in client.get(gallery.get_absolute_url()).text


def test_a_kill_notice_needs_a_reason(client, editor):
    photo = PhotoFactory()
    client.force_login(editor)
    response = _kill(client, [photo], reason="", cause="kill_notice")
    assert "This field is required." in response.text
    assert not Photo.objects.get(pk=photo.pk).is_taken_down


def test_a_photographer_has_no_kill_notice(client, photographer_user):
    photo = PhotoFactory(uploaded_by=photographer_user)
    client.force_login(photographer_user)
    page = client.get(reverse(CHANGELIST)).text
    assert "kill_notice" not in page
    _kill(client, [photo], reason="Mine to withdraw.", cause="editor")
    assert client.get(reverse("admin:galleries_photo_take_down", args=[photo.pk])).status_code == 403
    assert not Photo.objects.get(pk=photo.pk).is_taken_down


def test_a_photographer_reads_the_rights_but_cannot_change_them(client, photographer_user):
    photo = PhotoFactory(uploaded_by=photographer_user, rights_category="agency", rights_cost="pay")
    client.force_login(photographer_user)
    form = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).context["adminform"].form
    assert "rights_cost" not in form.fields and "allowed_until" not in form.fields


def test_an_editor_puts_a_photo_back_from_its_page(client, editor, django_capture_on_commit_callbacks):
    from galleries.takedowns import take_down_photo

    photo = published_gallery(items=1).items.first().photo
    take_down_photo(photo=photo, by=editor, reason="Kill notice.", cause="kill_notice")
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).text
    assert "Put the photo back" in page and 'id="loupe-restore"' in page

    url = reverse("admin:galleries_photo_restore", args=[photo.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Agency lifted the notice."}, follow=True)
    assert "is back wherever it was published" in response.text
    assert not Photo.objects.get(pk=photo.pk).is_taken_down


def test_renewing_a_licence_is_for_editors(client, editor, photographer_user):
    ends = timezone.now() + timedelta(days=3)
    photo = PhotoFactory(uploaded_by=photographer_user, allowed_until=ends)
    url = reverse("admin:galleries_photo_restore", args=[photo.pk])

    client.force_login(photographer_user)
    assert client.post(url, {"days": 30}).status_code == 403
    client.force_login(editor)
    client.post(url, {"days": 30})
    photo.refresh_from_db()
    assert abs(photo.allowed_until - (ends + timedelta(days=30))) < timedelta(seconds=1)
    assert AuditEvent.objects.filter(action="photo.licence_renewed", actor=editor).exists()


def test_the_licence_filter_lists_licences_ending_soon(client, editor):
    soon = PhotoFactory(allowed_until=timezone.now() + timedelta(days=5))
    PhotoFactory(allowed_until=timezone.now() + timedelta(days=60))
    client.force_login(editor)
    response = client.get(reverse(CHANGELIST), {"licence": "ending"})
    assert set(response.context["cl"].result_list) == {soon}


def test_a_photo_in_a_live_gallery_cannot_be_deleted_only_taken_down(client, editor):
    photo = published_gallery(items=1, title="Live story").items.first().photo
    client.force_login(editor)
    response = client.post(reverse("admin:galleries_photo_delete", args=[photo.pk]), {"post": "yes"}, follow=True)
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert "take it down instead" in response.text


def test_the_photo_page_lists_every_usage_and_warns_of_recent_use(client, editor):
    photo = PhotoFactory()
    live = published_gallery(items=0, title="Last week's story")
    ItemFactory(gallery=live, photo=photo)
    live.cover = photo
    live.save(update_fields=["cover"])
    ItemFactory(gallery=GalleryFactory(title="A draft"), photo=photo)
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).text
    assert "Used in the last 7 days:</strong> “Last week&#x27;s story”" in page
    assert "Last week&#x27;s story</a> (cover)" in page and "social card" in page and "feeds" in page
    assert "A draft</a>" in page and "Not public" in page


def test_usages_hide_other_peoples_draft_titles(client):
    photographer = UserFactory(username="contributor", is_staff=True)
    photographer.groups.add(Group.objects.get_or_create(name="Photographers")[0])
    photo = PhotoFactory(uploaded_by=photographer)
    ItemFactory(gallery=GalleryFactory(title="Someone else's secret draft"), photo=photo)
    client.force_login(photographer)
    page = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).text
    assert "secret draft" not in page


def test_rights_show_beside_each_photo_where_editors_pick_and_approve(client, editor):
    gallery = GalleryFactory(items=1)
    item_photo = gallery.items.first().photo
    Photo.objects.filter(pk=item_photo.pk).update(
        rights_category="agency", rights_cost="pay", rights_restrictions="Web only, 30 days."
    )
    library = PhotoFactory(headline="Library frame", rights_category="social_media", rights_cost="conditional")
    recent = published_gallery(items=0, title="Yesterday's story")
    ItemFactory(gallery=recent, photo=library)
    down = PhotoFactory(headline="Withdrawn frame", taken_down_at=timezone.now(), takedown_cause="kill_notice")
    client.force_login(editor)

    change = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text
    assert "Agency / wire · Pay · restricted: Web only, 30 days." in change

    picker = client.get(reverse("admin:galleries_gallery_library", args=[gallery.pk])).text
    assert "Social media · Conditional" in picker
    assert "Used in the last 7 days: “Yesterday&#x27;s story”" in picker
    assert f'value="{down.pk}" id="pick-{down.pk}" disabled' in picker and "Taken down (kill notice)" in picker

    client.post(reverse("admin:galleries_gallery_library", args=[gallery.pk]), {"photos": [down.pk, library.pk]})
    assert set(gallery.items.values_list("photo_id", flat=True)) == {item_photo.pk, library.pk}


@pytest.mark.parametrize("size", [2, 12])
def test_the_library_picker_is_a_fixed_number_of_queries(client, editor, size):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gallery = GalleryFactory(items=1)
    recent = published_gallery(items=0, title="Recent")
    for n in range(size):
        photo = PhotoFactory(rights_category="agency", rights_cost="pay", allowed_until=timezone.now() + timedelta(n))
        if n % 2:
            ItemFactory(gallery=recent, photo=photo)
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_library", args=[gallery.pk])

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200 and response.text.count("Agency / wire · Pay") == size
    # session, user, groups (editor check); the gallery; the user's and the groups' permissions; the page's
    # count; the photos already in the gallery; the page's photos with their photographers, their renditions;
    # the items of galleries published in the last 7 days that show them.
    assert len(queries) == EXPECTED_PICKER_QUERIES, "\n".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("size", [1, 6])
def test_the_photo_page_with_its_usages_is_a_fixed_number_of_queries(client, editor, size):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    photo = PhotoFactory()
    for n in range(size):
        gallery = published_gallery(items=0, title=f"Story {n}") if n % 2 else GalleryFactory(title=f"Draft {n}")
        ItemFactory(gallery=gallery, photo=photo)
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:galleries_photo_change", args=[photo.pk]))

    assert response.status_code == 200 and response.text.count("Story ") + response.text.count("Draft ") >= size
    # session, user, the user's and the groups' permissions; the photo, its renditions; groups (editor check);
    # the edit token's values; the galleries this editor may see named; usages: items with their galleries,
    # galleries it covers; items of galleries published in the last 7 days; the photographer choices.
    assert len(queries) == EXPECTED_PHOTO_PAGE_QUERIES, "\n".join(q["sql"] for q in queries.captured_queries)
