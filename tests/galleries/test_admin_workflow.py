from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from galleries import workflow
from galleries.models import AuditEvent, Gallery, Photo
from galleries.workflow import TransitionError
from tests.factories import GalleryFactory, UserFactory
from tests.galleries.test_admin import change_form_data

Status = Gallery.Status


def ready(gallery: Gallery) -> Gallery:
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


def step(client, gallery, name, **data):
    url = reverse("admin:galleries_gallery_transition", args=[gallery.pk, name])
    return client.post(url, data, follow=True)


def status_of(gallery) -> str:
    gallery.refresh_from_db()
    return gallery.status


@pytest.fixture
def draft(photographer_user):
    return ready(GalleryFactory(items=2, created_by=photographer_user))


def test_change_page_offers_the_steps_the_user_may_take(client, draft, photographer_user):
    client.force_login(photographer_user)
    html = client.get(reverse("admin:galleries_gallery_change", args=[draft.pk])).content.decode()
    assert "Submit for review</button>" in html
    assert "Approve</button>" not in html


def test_full_path_through_the_admin(client, draft, photographer_user, editor):
    client.force_login(photographer_user)
    step(client, draft, "submit")
    assert status_of(draft) == Status.IN_REVIEW

    client.force_login(editor)
    item = draft.items.order_by("position").first()
    response = step(client, draft, "request_changes", note="Tighten the captions.", **{f"item_note_{item.pk}": "Name?"})
    assert "Sent back" in response.content.decode()
    assert status_of(draft) == Status.DRAFT
    item.refresh_from_db()
    assert (draft.review_note, item.editor_note) == ("Tighten the captions.", "Name?")

    client.force_login(photographer_user)
    step(client, draft, "submit")
    client.force_login(editor)
    when = timezone.localtime() + timedelta(days=1)
    step(client, draft, "approve", publish_at=when.strftime("%Y-%m-%dT%H:%M"))
    assert status_of(draft) == Status.APPROVED
    assert draft.publish_at > timezone.now()

    step(client, draft, "publish")
    assert status_of(draft) == Status.PUBLISHED
    step(client, draft, "correct", text="An earlier version misspelled a name.")
    assert draft.corrections.get().text == "An earlier version misspelled a name."
    step(client, draft, "withdraw", reason="Legal review.")
    assert status_of(draft) == Status.WITHDRAWN
    assert draft.withdrawn_reason == "Legal review."
    actions = list(
        AuditEvent.objects.filter(target_id=str(draft.pk), action__startswith="gallery.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[:2] == ["gallery.submit", "gallery.request_changes"]
    assert actions[-1] == "gallery.withdraw"


def test_refused_step_shows_the_workflow_message(client, draft, editor):
    client.force_login(editor)
    with pytest.raises(TransitionError) as expected:
        workflow.withdraw_gallery(gallery=draft, by=editor, reason="No.")
    response = step(client, draft, "withdraw", reason="No.")
    shown = [(m.level_tag, m.message) for m in response.context["messages"]]
    assert shown == [("error", str(expected.value))]
    assert status_of(draft) == Status.DRAFT


def test_request_changes_without_a_note_is_refused(client, draft, photographer_user, editor):
    client.force_login(photographer_user)
    step(client, draft, "submit")
    client.force_login(editor)
    response = step(client, draft, "request_changes", note="  ")
    assert "Say what needs to change" in response.content.decode()
    assert status_of(draft) == Status.IN_REVIEW


def test_photographer_cannot_approve(client, draft, photographer_user):
    client.force_login(photographer_user)
    step(client, draft, "submit")
    response = step(client, draft, "approve")
    assert "You may not approve" in response.content.decode()
    assert status_of(draft) == Status.IN_REVIEW


def test_other_photographer_cannot_reach_the_step(client, draft):
    other = UserFactory(username="other", is_staff=True)
    other.groups.add(Group.objects.get(name="Photographers"))
    client.force_login(other)
    response = client.post(reverse("admin:galleries_gallery_transition", args=[draft.pk, "submit"]))
    assert response.status_code == 403
    assert status_of(draft) == Status.DRAFT


def test_steps_accept_only_post(client, draft, photographer_user):
    client.force_login(photographer_user)
    assert client.get(reverse("admin:galleries_gallery_transition", args=[draft.pk, "submit"])).status_code == 405


def test_bulk_approve_action_reports_each_refusal(client, editor, photographer_user):
    good = ready(GalleryFactory(items=1, created_by=photographer_user, in_review=True))
    empty = GalleryFactory(in_review=True, title="Empty one")
    client.force_login(editor)
    data = {"action": "approve_selected", "_selected_action": [good.pk, empty.pk]}
    response = client.post(reverse("admin:galleries_gallery_changelist"), data, follow=True)
    html = response.content.decode()
    assert "1 gallery approved" in html
    assert "“Empty one”: " in html
    assert (status_of(good), status_of(empty)) == (Status.PUBLISHED, Status.IN_REVIEW)


def test_bulk_submit_action(client, draft, photographer_user):
    client.force_login(photographer_user)
    data = {"action": "submit_selected", "_selected_action": [draft.pk]}
    client.post(reverse("admin:galleries_gallery_changelist"), data)
    assert status_of(draft) == Status.IN_REVIEW


def test_history_view_lists_revisions(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    client.post(
        reverse("admin:galleries_gallery_change", args=[gallery.pk]), change_form_data(client, gallery, title="T2")
    )
    response = client.get(reverse("admin:galleries_gallery_history", args=[gallery.pk]))
    assert response.status_code == 200
    assert "editor" in response.content.decode()
    assert len(response.context["action_list"]) == 1


def test_audit_section_on_the_change_page(client, draft, photographer_user, editor):
    client.force_login(photographer_user)
    step(client, draft, "submit")
    client.force_login(editor)
    html = client.get(reverse("admin:galleries_gallery_change", args=[draft.pk])).content.decode()
    # In people's words, not the action's code name.
    assert "<td>Submit</td>" in html
    assert "Draft → In review" in html


def test_reverting_a_revision_restores_content_but_not_the_workflow_state(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_change", args=[gallery.pk])
    client.post(url, change_form_data(client, gallery, title="Draft title"))
    client.post(url, change_form_data(client, gallery, title="Final title"))
    history = client.get(reverse("admin:galleries_gallery_history", args=[gallery.pk])).context["action_list"]
    # Published since (the workflow bumps the version too).
    Gallery.objects.filter(pk=gallery.pk).update(status=Status.PUBLISHED, published_at=timezone.now(), version=9)

    revision_url = history[0]["url"]
    data = change_form_data(client, gallery)
    form = client.get(revision_url).context["adminform"].form
    assert form.initial["title"] == "Draft title"
    data.update(title="Draft title", version=9)
    assert client.post(revision_url, data).status_code == 302
    gallery.refresh_from_db()
    assert (gallery.title, gallery.status, gallery.version) == ("Draft title", Status.PUBLISHED, 10)


@pytest.mark.parametrize(
    ("publish_at", "message"),
    [
        ("2026-02-30T08:00", "Give the publication time as a date and time"),
        ("2026-13-01T08:00", "Give the publication time as a date and time"),
        ("soon", "Give the publication time as a date and time"),
        ("9999-12-31T23:59-05:00", "Schedule publication within the next 5 years"),
        ("2999-01-01T08:00", "Schedule publication within the next 5 years"),
    ],
)
def test_a_publication_time_that_is_not_a_real_time_is_refused_with_the_format(client, editor, publish_at, message):
    gallery = ready(GalleryFactory(items=1, in_review=True))
    client.force_login(editor)

    response = step(client, gallery, "approve", publish_at=publish_at)

    assert message in response.text
    assert status_of(gallery) == Status.IN_REVIEW


def test_item_notes_with_other_digits_in_their_names_are_ignored(client, editor):
    gallery = ready(GalleryFactory(items=1, in_review=True))
    client.force_login(editor)

    response = step(client, gallery, "request_changes", note="Check the names.", **{"item_note_\u00b2": "Crop it."})

    assert "Sent back to the photographer" in response.text
    assert status_of(gallery) == Status.DRAFT


def test_a_revision_preview_shows_the_old_content_with_todays_workflow_state(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_change", args=[gallery.pk])
    client.post(url, change_form_data(client, gallery, title="Draft title"))
    client.post(url, change_form_data(client, gallery, title="Final title"))
    history = client.get(reverse("admin:galleries_gallery_history", args=[gallery.pk])).context["action_list"]
    Gallery.objects.filter(pk=gallery.pk).update(status=Status.PUBLISHED, published_at=timezone.now(), version=9)

    preview = client.get(history[0]["url"]).context["original"]

    assert (preview.title, preview.status) == ("Draft title", Status.PUBLISHED)
    assert Gallery.objects.get(pk=gallery.pk).title == "Final title"
