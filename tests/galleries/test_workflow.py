import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from django.utils import timezone

from galleries import workflow
from galleries.models import AuditEvent, CorrectionNote, Gallery, Item, Photo
from galleries.workflow import TransitionError
from tests.factories import GalleryFactory, ItemFactory, PhotographerFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Gallery.Status


def ready(gallery: Gallery) -> Gallery:
    """Renditions are the ingest pipeline's business; here every photo is simply done."""
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


@pytest.fixture
def draft(photographer_user):
    return ready(GalleryFactory(items=3, created_by=photographer_user))


@pytest.fixture
def in_review(draft, photographer_user):
    return workflow.submit_gallery(gallery=draft, by=photographer_user)


@pytest.fixture
def published(in_review, editor, django_capture_on_commit_callbacks):
    # The commit runs the publication job here, so the gallery's photos are public and readers see it.
    with django_capture_on_commit_callbacks(execute=True):
        return workflow.approve_gallery(gallery=in_review, by=editor)


def audit_actions(gallery: Gallery) -> list[tuple[str, str, str]]:
    events = AuditEvent.objects.filter(target_id=str(gallery.pk), action__startswith="gallery.").order_by("id")
    return [(event.action, event.from_state, event.to_state) for event in events]


# Submit ---------------------------------------------------------------------------------------------------


def test_photographer_submits_own_draft(draft, photographer_user):
    version = draft.version

    workflow.submit_gallery(gallery=draft, by=photographer_user)

    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert draft.submitted_by == photographer_user
    assert draft.version == version + 1
    event = AuditEvent.objects.get(action="gallery.submit")
    assert (event.actor, event.from_state, event.to_state) == (photographer_user, "draft", "in_review")


def test_photographer_cannot_submit_someone_elses_draft(draft):
    stranger = UserFactory(username="stranger", is_staff=True)
    stranger.groups.add(Group.objects.get(name="Photographers"))

    with pytest.raises(TransitionError, match="may not"):
        workflow.submit_gallery(gallery=draft, by=stranger)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not AuditEvent.objects.filter(action__startswith="gallery.").exists()


def test_credited_photographer_may_submit(photographer_user):
    gallery = ready(GalleryFactory(items=1))
    gallery.photographers.add(PhotographerFactory(user=photographer_user))

    workflow.submit_gallery(gallery=gallery, by=photographer_user)

    assert gallery.status == Status.IN_REVIEW


@pytest.mark.parametrize("persona", ["reader", "moderator"])
def test_readers_and_moderators_cannot_submit(request, draft, persona):
    with pytest.raises(TransitionError):
        workflow.submit_gallery(gallery=draft, by=request.getfixturevalue(persona))


def test_submit_without_items_is_refused(photographer_user):
    gallery = GalleryFactory(created_by=photographer_user)

    with pytest.raises(TransitionError) as refused:
        workflow.submit_gallery(gallery=gallery, by=photographer_user)

    assert refused.value.problems == ["The gallery has no photos."]


def test_submit_without_alt_text_names_the_item(draft, photographer_user):
    item = draft.items.order_by("position")[1]
    item.photo.alt_text = ""
    item.photo.save()
    item.caption = "A caption is not alt text."
    item.save()

    with pytest.raises(TransitionError) as refused:
        workflow.submit_gallery(gallery=draft, by=photographer_user)

    assert refused.value.problems == [f"Item {item.number} has no alt text."]
    assert f"Item {item.number} has no alt text." in str(refused.value)


def test_item_alt_text_overrides_a_missing_photo_alt_text(draft, photographer_user):
    Photo.objects.filter(items__gallery=draft).update(alt_text="")
    Item.objects.filter(gallery=draft).update(alt_text="Cranes against the night sky.")

    workflow.submit_gallery(gallery=draft, by=photographer_user)

    assert draft.status == Status.IN_REVIEW


def test_submit_with_unready_photo_or_missing_title_and_dek_lists_every_problem(draft, photographer_user):
    first = draft.items.order_by("position").first()
    Photo.objects.filter(pk=first.photo_id).update(state=Photo.State.PROCESSING)
    Gallery.objects.filter(pk=draft.pk).update(title=" ", dek="")

    with pytest.raises(TransitionError) as refused:
        workflow.submit_gallery(gallery=draft, by=photographer_user)

    assert refused.value.problems == [
        "The gallery has no title.",
        "The gallery has no dek (the one-paragraph summary).",
        f"Item {first.number}'s photo is not ready (processing).",
    ]


def test_submitting_twice_is_refused(in_review, photographer_user):
    with pytest.raises(TransitionError, match="in review"):
        workflow.submit_gallery(gallery=in_review, by=photographer_user)


def test_photographer_recalls_a_submission(in_review, photographer_user):
    workflow.recall_gallery(gallery=in_review, by=photographer_user)

    assert Gallery.objects.get(pk=in_review.pk).status == Status.DRAFT


# Request changes ------------------------------------------------------------------------------------------


def test_editor_requests_changes_with_notes_on_items(in_review, editor):
    first, second, _ = in_review.items.order_by("position")

    workflow.request_changes(
        gallery=in_review, by=editor, note="Check the names.", item_notes={second.pk: "Crop the left edge."}
    )

    in_review.refresh_from_db()
    assert (in_review.status, in_review.review_note) == (Status.DRAFT, "Check the names.")
    assert Item.objects.get(pk=second.pk).editor_note == "Crop the left edge."
    assert Item.objects.get(pk=first.pk).editor_note == ""
    event = AuditEvent.objects.get(action="gallery.request_changes")
    assert (event.note, event.data) == ("Check the names.", {"item_notes": {str(second.number): "Crop the left edge."}})


def test_request_changes_needs_a_note(in_review, editor):
    with pytest.raises(TransitionError, match="Say what needs to change"):
        workflow.request_changes(gallery=in_review, by=editor, note="  ")
    assert Gallery.objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_request_changes_refuses_items_of_another_gallery(in_review, editor):
    stranger = ItemFactory()

    with pytest.raises(TransitionError, match="not in this gallery"):
        workflow.request_changes(gallery=in_review, by=editor, note="Fix it.", item_notes={stranger.pk: "No."})
    assert Gallery.objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_request_changes_unschedules_an_approved_gallery(in_review, editor):
    workflow.approve_gallery(gallery=in_review, by=editor, publish_at=timezone.now() + timezone.timedelta(days=1))

    workflow.request_changes(gallery=in_review, by=editor, note="Hold it: a name is wrong.")

    in_review.refresh_from_db()
    assert (in_review.status, in_review.publish_at) == (Status.DRAFT, None)


# Approve and publish --------------------------------------------------------------------------------------


def test_approve_without_date_publishes_now(in_review, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve_gallery(gallery=in_review, by=editor)

    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED
    assert in_review.published_at <= timezone.now()
    assert list(Gallery.objects.published()) == [in_review]
    assert audit_actions(in_review)[-2:] == [
        ("gallery.approve", "in_review", "approved"),
        ("gallery.publish", "approved", "published"),
    ]


def test_approve_with_future_date_schedules(in_review, editor):
    when = timezone.now() + timezone.timedelta(hours=2)

    workflow.approve_gallery(gallery=in_review, by=editor, publish_at=when)

    in_review.refresh_from_db()
    assert (in_review.status, in_review.publish_at, in_review.published_at) == (Status.APPROVED, when, None)
    assert not Gallery.objects.published().exists()


@pytest.mark.parametrize(
    "when",
    [
        timezone.now() + timezone.timedelta(days=6 * 365),
        # The last minute Python can hold, west of Greenwich: past its range once in UTC.
        timezone.datetime.max.replace(tzinfo=timezone.get_fixed_timezone(-300)),
    ],
)
def test_approve_refuses_a_date_years_away_and_changes_nothing(in_review, editor, when):
    with pytest.raises(TransitionError, match="within the next 5 years"):
        workflow.approve_gallery(gallery=in_review, by=editor, publish_at=when)

    assert Gallery.objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_approve_with_past_date_publishes_now(in_review, editor):
    workflow.approve_gallery(gallery=in_review, by=editor, publish_at=timezone.now() - timezone.timedelta(days=1))

    assert Gallery.objects.get(pk=in_review.pk).status == Status.PUBLISHED


def test_approve_clears_review_notes(in_review, editor, photographer_user):
    item = in_review.items.first()
    workflow.request_changes(gallery=in_review, by=editor, note="Fix it.", item_notes={item.pk: "This one."})
    workflow.submit_gallery(gallery=in_review, by=photographer_user)

    workflow.approve_gallery(gallery=in_review, by=editor)

    assert Gallery.objects.get(pk=in_review.pk).review_note == ""
    assert Item.objects.get(pk=item.pk).editor_note == ""


@pytest.mark.parametrize(
    "action",
    [
        lambda g, u: workflow.approve_gallery(gallery=g, by=u),
        lambda g, u: workflow.request_changes(gallery=g, by=u, note="No."),
        lambda g, u: workflow.publish_gallery(gallery=g, by=u),
    ],
    ids=["approve", "request_changes", "publish"],
)
@pytest.mark.parametrize("persona", ["photographer_user", "moderator", "reader"])
def test_only_editors_approve_send_back_or_publish(request, in_review, action, persona):
    with pytest.raises(TransitionError, match=r"may not|not possible"):
        action(in_review, request.getfixturevalue(persona))
    assert Gallery.objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_approval_is_checked_again(in_review, editor):
    Item.objects.filter(gallery=in_review).update(alt_text="")
    Photo.objects.filter(items__gallery=in_review).update(alt_text="")

    with pytest.raises(TransitionError, match="has no alt text"):
        workflow.approve_gallery(gallery=in_review, by=editor)


def test_two_people_rule_refuses_approving_your_own_submission(settings, editor):
    settings.LOUPE_REQUIRE_TWO_PEOPLE = True
    gallery = ready(GalleryFactory(items=1, created_by=editor))
    workflow.submit_gallery(gallery=gallery, by=editor)

    with pytest.raises(TransitionError, match="Someone other than"):
        workflow.approve_gallery(gallery=gallery, by=editor)

    second_editor = UserFactory(username="second-editor", is_staff=True)
    second_editor.groups.set(editor.groups.all())
    workflow.approve_gallery(gallery=gallery, by=second_editor)
    assert Gallery.objects.get(pk=gallery.pk).status == Status.PUBLISHED


def test_without_two_people_rule_an_editor_may_approve_own_submission(settings, editor):
    settings.LOUPE_REQUIRE_TWO_PEOPLE = False
    gallery = ready(GalleryFactory(items=1, created_by=editor))
    workflow.submit_gallery(gallery=gallery, by=editor)

    workflow.approve_gallery(gallery=gallery, by=editor)

    assert gallery.status == Status.PUBLISHED


def test_editor_publishes_a_scheduled_gallery_early(in_review, editor, django_capture_on_commit_callbacks):
    workflow.approve_gallery(gallery=in_review, by=editor, publish_at=timezone.now() + timezone.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_gallery(gallery=in_review, by=editor)

    assert Gallery.objects.published().get() == in_review


def test_scheduler_cannot_publish_before_the_time(in_review, editor):
    workflow.approve_gallery(gallery=in_review, by=editor, publish_at=timezone.now() + timezone.timedelta(days=1))

    with pytest.raises(TransitionError):
        workflow.publish_gallery(gallery=in_review, by=None)


# Withdraw, reopen, corrections --------------------------------------------------------------------------------


def test_withdraw_needs_a_reason(published, editor):
    with pytest.raises(TransitionError, match="reason"):
        workflow.withdraw_gallery(gallery=published, by=editor, reason="")
    assert Gallery.objects.get(pk=published.pk).status == Status.PUBLISHED


def test_withdraw_takes_the_gallery_off_the_site(published, editor):
    workflow.withdraw_gallery(gallery=published, by=editor, reason="A subject withdrew consent.")

    published.refresh_from_db()
    assert (published.status, published.withdrawn_reason) == (Status.WITHDRAWN, "A subject withdrew consent.")
    assert not Gallery.objects.published().exists()
    assert audit_actions(published)[-1] == ("gallery.withdraw", "published", "withdrawn")


def test_photographer_cannot_withdraw(published, photographer_user):
    with pytest.raises(TransitionError):
        workflow.withdraw_gallery(gallery=published, by=photographer_user, reason="Mine.")


def test_reopened_gallery_must_be_approved_again(published, editor, photographer_user):
    workflow.withdraw_gallery(gallery=published, by=editor, reason="Legal review.")

    workflow.reopen_gallery(gallery=published, by=editor)

    assert Gallery.objects.get(pk=published.pk).status == Status.DRAFT
    assert not Gallery.objects.published().exists()


def test_editor_adds_a_dated_correction(published, editor):
    note = workflow.add_correction(gallery=published, by=editor, text="An earlier caption misspelt a name.")

    assert list(published.corrections.all()) == [note]
    assert note.created_at.date() == timezone.now().date()
    assert audit_actions(published)[-1] == ("gallery.corrected", "published", "published")


def test_corrections_are_for_published_galleries_and_editors(in_review, published, editor, photographer_user):
    with pytest.raises(TransitionError, match="Only editors"):
        workflow.add_correction(gallery=published, by=photographer_user, text="Fixed.")
    draft = GalleryFactory()
    with pytest.raises(TransitionError, match="published galleries"):
        workflow.add_correction(gallery=draft, by=editor, text="Fixed.")
    with pytest.raises(TransitionError, match="Write the correction"):
        workflow.add_correction(gallery=published, by=editor, text=" ")
    assert not CorrectionNote.objects.exists()


# Atomicity -------------------------------------------------------------------------------------------------


def test_rolled_back_transition_leaves_no_audit_row_and_sends_nothing(draft, photographer_user, editor):
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.submit_gallery(gallery=draft, by=photographer_user)
        raise RuntimeError("the request failed after the transition")

    assert Gallery.objects.get(pk=draft.pk).status == Status.DRAFT
    assert not AuditEvent.objects.filter(action__startswith="gallery.").exists()
    assert mail.outbox == []


def test_failing_check_leaves_no_audit_row(editor, photographer_user):
    gallery = GalleryFactory(created_by=photographer_user)
    with pytest.raises(TransitionError):
        workflow.submit_gallery(gallery=gallery, by=photographer_user)
    assert not AuditEvent.objects.filter(action__startswith="gallery.").exists()


def test_stale_copy_cannot_move_a_gallery_twice(in_review, editor):
    stale = Gallery.objects.get(pk=in_review.pk)
    workflow.approve_gallery(gallery=in_review, by=editor)

    with pytest.raises(TransitionError):
        workflow.approve_gallery(gallery=stale, by=editor)
    assert [a for a, *_ in audit_actions(in_review)].count("gallery.approve") == 1


# Roles and editing policy ------------------------------------------------------------------------------------


def test_available_transitions_follow_the_role(in_review, editor, photographer_user, moderator):
    as_editor = {t.name for t in workflow.available_transitions(gallery=in_review, user=editor)}
    as_photographer = {t.name for t in workflow.available_transitions(gallery=in_review, user=photographer_user)}

    assert as_editor == {"approve", "request_changes", "recall"}
    assert as_photographer == {"recall"}
    assert workflow.available_transitions(gallery=in_review, user=moderator) == []


def test_available_transitions_carry_what_blocks_them(draft, photographer_user):
    Photo.objects.filter(items__gallery=draft).update(state=Photo.State.QUEUED)

    (submit,) = workflow.available_transitions(gallery=draft, user=photographer_user)

    assert submit.name == "submit"
    assert len(submit.problems) == 3


def test_photographer_edits_own_drafts_only(draft, in_review, photographer_user, editor):
    other = GalleryFactory()
    assert workflow.can_edit_gallery(photographer_user, GalleryFactory(created_by=photographer_user))
    assert not workflow.can_edit_gallery(photographer_user, in_review)
    assert not workflow.can_edit_gallery(photographer_user, other)
    assert workflow.can_edit_gallery(editor, in_review)


def test_editors_may_edit_published_galleries_photographers_may_not(published, editor, photographer_user):
    assert workflow.can_edit_gallery(editor, published)
    assert not workflow.can_edit_gallery(photographer_user, published)


def test_role_predicates(editor, photographer_user, moderator, reader):
    assert [workflow.is_editor(u) for u in (editor, photographer_user, moderator, reader)] == [1, 0, 0, 0]
    assert [workflow.is_photographer(u) for u in (editor, photographer_user, moderator, reader)] == [0, 1, 0, 0]
    assert [workflow.is_moderator(u) for u in (editor, photographer_user, moderator, reader)] == [0, 0, 1, 0]
    editor.is_active = False
    assert not workflow.is_editor(editor)


def test_photographer_sees_only_own_galleries(draft, photographer_user, editor):
    GalleryFactory()
    assert list(workflow.galleries_visible_to(photographer_user)) == [draft]
    assert workflow.galleries_visible_to(editor).count() == 2


# Withdrawn pages --------------------------------------------------------------------------------------------


def test_withdrawn_gallery_answers_410_with_the_reason(client, published, editor):
    item = published.items.first()
    workflow.withdraw_gallery(gallery=published, by=editor, reason="A subject withdrew consent.")

    for url in (published.get_absolute_url(), item.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 410
        assert "A subject withdrew consent." in response.text
        assert published.title not in response.text
        assert item.caption not in response.text


def test_unknown_gallery_is_still_404(client):
    assert client.get("/galleries/no-such-gallery/").status_code == 404
    assert workflow.withdrawn_gallery(slug="no-such-gallery") is None


# The newsroom's whole path ------------------------------------------------------------------------------------


def test_the_full_path_from_draft_to_withdrawn(client, photographer_user, editor, django_capture_on_commit_callbacks):
    gallery = ready(GalleryFactory(items=2, created_by=photographer_user, title="Flood relief camp"))
    first = gallery.items.order_by("position").first()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_gallery(gallery=gallery, by=photographer_user)
        workflow.request_changes(gallery=gallery, by=editor, note="Name the camp.", item_notes={first.pk: "Crop."})
    assert workflow.can_edit_gallery(photographer_user, gallery)
    Gallery.objects.filter(pk=gallery.pk).update(dek="A week at the Riverside relief camp.")
    gallery.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_gallery(gallery=gallery, by=photographer_user)
        workflow.approve_gallery(gallery=gallery, by=editor, publish_at=timezone.now() + timezone.timedelta(hours=1))
    assert client.get(gallery.get_absolute_url()).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        assert workflow.publish_due(now=timezone.now() + timezone.timedelta(hours=1)) == [gallery]
    assert client.get(gallery.get_absolute_url()).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw_gallery(gallery=gallery, by=editor, reason="Withdrawn at the request of a family.")
    response = client.get(gallery.get_absolute_url())
    assert response.status_code == 410
    assert "Withdrawn at the request of a family." in response.text

    assert [action for action, *_ in audit_actions(gallery)] == [
        "gallery.submit",
        "gallery.request_changes",
        "gallery.submit",
        "gallery.approve",
        "gallery.publish",
        "gallery.withdraw",
    ]
    assert [message.subject.split(":")[0] for message in mail.outbox] == [
        "[Loupe] For review",
        "[Loupe] Changes requested",
        "[Loupe] For review",
        "[Loupe] Approved",
        "[Loupe] Withdrawn",
    ]


def test_withdrawal_reaches_readers_past_the_page_cache(client, published, editor, django_capture_on_commit_callbacks):
    assert client.get(published.get_absolute_url()).status_code == 200  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw_gallery(gallery=published, by=editor, reason="Withdrawn for legal review.")

    assert client.get(published.get_absolute_url()).status_code == 410
    assert published.title not in client.get("/").text
