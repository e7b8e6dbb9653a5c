"""The editorial state machine: who may move a gallery from which state to which, and what must hold first.

Every transition locks the gallery row, checks the table below, changes the row with a conditional UPDATE
(so two racing requests cannot both win), bumps `version` and writes an AuditEvent, all in one
transaction. What the change requires afterwards (public files, cache purges, mail) is enqueued in that same
transaction and done by workers, retried until done (galleries.tasks.enqueue_with_change).

Publication: readers see a published gallery only once every one of its photos is public. Until then it is
published but `publishing` (the admin shows "publishing: 31 of 45 photos public"), and published() leaves it
out. A worker copies the files and clears the flag; periodic's repair pass finishes any it left half done.

Editing policy, as the newsroom's standards desk set it:
- A photographer edits only their own galleries, and only while they are drafts. Once submitted, the
  gallery belongs to the desk until an editor sends it back (or the photographer takes it back with
  "recall" while it is still in review).
- Editors may edit a gallery in any state. Edits to a published gallery go live at once; any change of
  substance (a fact, a name, a caption's meaning, a photo removed) must be followed by a correction note
  (`add_correction`), which readers see as a dated "Updated:" line. Typo fixes need none. Every edit is
  kept in the revision history (galleries/history.py), so nothing changes silently.
- A withdrawn gallery stays off the site until an editor reopens it as a draft and it is approved again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from galleries.audit import record
from galleries.models import CorrectionNote, Gallery, Photo
from galleries.pagecache import purge_gallery_pages
from galleries.roles import EDITORS, MODERATORS, PHOTOGRAPHERS, STAFF_PHOTOGRAPHERS
from galleries.tasks import enqueue_with_change, notify, settle_gallery

logger = logging.getLogger(__name__)
# How far ahead an approval may schedule publication.
SCHEDULE_HORIZON = timedelta(days=5 * 365)
CORRECTION_MAX_LENGTH = 1000

Status = Gallery.Status


class TransitionError(Exception):
    """A transition that may not happen; str() is a message fit to show the person who asked."""

    def __init__(self, message: str, *, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class ConfirmationNeeded(TransitionError):
    """The step may happen once the person confirms what `problems` lists (photos that cost money, say)."""


# Roles ---------------------------------------------------------------------------------------------------


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_loupe_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._loupe_groups = cached
    return cached


def _is_active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_editor(user) -> bool:
    return _is_active(user) and (user.is_superuser or EDITORS in _group_names(user))


def is_photographer(user) -> bool:
    return _is_active(user) and bool({PHOTOGRAPHERS, STAFF_PHOTOGRAPHERS} & _group_names(user))


def is_moderator(user) -> bool:
    return _is_active(user) and (user.is_superuser or MODERATORS in _group_names(user))


def is_owner(user, gallery: Gallery) -> bool:
    """The gallery's author: who created it, or a photographer credited on it."""
    if not _is_active(user):
        return False
    if gallery.created_by_id == user.pk:
        return True
    return gallery.pk is not None and gallery.photographers.filter(user=user).exists()


def can_edit_gallery(user, gallery: Gallery) -> bool:
    """Editors: any state. Photographers: their own drafts only. See the module docstring for why."""
    if is_editor(user):
        return True
    if gallery.pk is None:
        return is_photographer(user)
    return is_photographer(user) and gallery.status == Status.DRAFT and is_owner(user, gallery)


def can_edit_photo(user, photo: Photo) -> bool:
    """Editors: any photo. Photographers: their own (uploaded by or credited to them) while no gallery past
    draft uses it; as with galleries, once the desk has it, the desk decides what readers see."""
    if is_editor(user):
        return True
    if not is_photographer(user):
        return False
    if photo.pk is None:
        return True
    own = photo.uploaded_by_id == user.pk or (
        photo.photographer_id is not None and photo.photographer.user_id == user.pk
    )
    return own and not photo.items.exclude(gallery__status=Status.DRAFT).exists()


def galleries_visible_to(user):
    """What the admin lists: everything for editors, a photographer's own galleries for them."""
    if is_editor(user):
        return Gallery.objects.all()
    if is_photographer(user):
        return Gallery.objects.filter(Q(created_by=user) | Q(photographers__user=user)).distinct()
    return Gallery.objects.none()


# What must hold --------------------------------------------------------------------------------------------


def readiness_problems(gallery: Gallery) -> list[str]:
    """Everything that keeps a gallery from review or publication, one plain sentence each."""
    problems = []
    if not gallery.title.strip():
        problems.append("The gallery has no title.")
    if not gallery.dek.strip():
        problems.append("The gallery has no dek (the one-paragraph summary).")
    items = list(gallery.items.select_related("photo").order_by("position", "id"))
    if not items:
        problems.append("The gallery has no photos.")
    for item in items:
        if item.photo.state != Photo.State.READY:
            problems.append(f"Item {item.number}'s photo is not ready ({item.photo.get_state_display().lower()}).")
        if not item.effective_alt_text.strip():
            problems.append(f"Item {item.number} has no alt text.")
    return problems


def _two_people_problems(gallery: Gallery, by) -> list[str]:
    if settings.LOUPE_REQUIRE_TWO_PEOPLE and by is not None and gallery.submitted_by_id == by.pk:
        return ["Someone other than the person who submitted it must approve this gallery."]
    return []


def _gallery_photos(gallery: Gallery) -> list[tuple[str, Photo]]:
    """Each photo the gallery shows, named as the desk names it ("Item 3", "The cover"), in page order."""
    named = [
        (f"Item {item.number}", item.photo) for item in gallery.items.select_related("photo").order_by("position", "id")
    ]
    if gallery.cover_id and gallery.cover_id not in {photo.pk for _, photo in named}:
        cover = Photo.objects.filter(pk=gallery.cover_id).first()
        if cover is not None:
            named.append(("The cover", cover))
    return named


def rights_to_confirm(gallery: Gallery) -> list[tuple[str, Photo]]:
    """The photos that cost money or carry conditions whose use no editor has confirmed for this gallery yet."""
    confirmed = set(gallery.rights_confirmed_photos or [])
    return [
        (name, photo)
        for name, photo in _gallery_photos(gallery)
        if photo.needs_rights_confirmation and photo.pk not in confirmed
    ]


def usage_rights_problems(gallery: Gallery, *, at: datetime | None = None, embargoes: bool = True) -> list[str]:
    """What the photos' rights forbid about publishing the gallery at `at` (now by default)."""
    at = at or timezone.now()
    problems = []
    for name, photo in _gallery_photos(gallery):
        if photo.taken_down_at is not None:
            problems.append(
                f"{name}'s photo was taken down ({photo.get_takedown_cause_display().lower()}): replace or remove it."
            )
        elif embargoes and photo.embargoed_until and photo.embargoed_until > at:
            until = timezone.localtime(photo.embargoed_until)
            problems.append(f"{name}'s photo is embargoed until {until:%Y-%m-%d %H:%M}.")
        elif photo.allowed_until and photo.allowed_until <= at:
            problems.append(f"{name}'s photo may not be used after its licence ended.")
    return problems


def _rights(gallery: Gallery, by) -> list[str]:
    return usage_rights_problems(gallery)


def _rights_but_embargoes(gallery: Gallery, by) -> list[str]:
    # An approval may schedule the gallery for after an embargo: approve_gallery checks it against that time.
    return usage_rights_problems(gallery, embargoes=False)


def _confirmations(gallery: Gallery) -> list[str]:
    return [
        f"{name}: {photo.rights_summary}{f' ({photo.rights_restrictions})' if photo.rights_restrictions else ''}"
        for name, photo in rights_to_confirm(gallery)
    ]


def _confirm_rights(locked: Gallery, *, by) -> None:
    """Record that `by` accepts the cost and conditions of the gallery's photos that have them."""
    unconfirmed = rights_to_confirm(locked)
    if not unconfirmed:
        return
    confirmed = sorted(set(locked.rights_confirmed_photos or []) | {photo.pk for _, photo in unconfirmed})
    now = timezone.now()
    Gallery.objects.filter(pk=locked.pk).update(
        rights_confirmed_photos=confirmed, rights_confirmed_by=by, rights_confirmed_at=now
    )
    locked.rights_confirmed_photos, locked.rights_confirmed_by, locked.rights_confirmed_at = confirmed, by, now
    record(
        locked,
        "gallery.rights_confirmed",
        by=by,
        from_state=locked.status,
        to_state=locked.status,
        data={
            "photos": [
                {"photo": photo.pk, "item": name, "cost": photo.rights_cost, "restrictions": photo.rights_restrictions}
                for name, photo in unconfirmed
            ]
        },
    )


def _ai_label_problems(gallery: Gallery, by) -> list[str]:
    """Readers are told when a photo is declared AI-generated: its item must carry the public label."""
    if not settings.LOUPE_AI_LABEL_REQUIRED:
        return []
    unlabelled = gallery.items.filter(photo__digital_source_type__in=Photo.AI_GENERATED_SOURCES, ai_label=False)
    return [
        f"Item {item.number}'s photo is declared AI-generated: tick “Labelled AI-generated” so readers are told."
        for item in unlabelled.order_by("position", "id").only("position")
    ]


# The table -------------------------------------------------------------------------------------------------


def _editor(user, gallery: Gallery, now: datetime) -> bool:
    return is_editor(user)


def _author_or_editor(user, gallery: Gallery, now: datetime) -> bool:
    return is_editor(user) or (is_photographer(user) and is_owner(user, gallery))


def _submitter_or_author(user, gallery: Gallery, now: datetime) -> bool:
    return _is_active(user) and (gallery.submitted_by_id == user.pk or _author_or_editor(user, gallery, now))


def _editor_or_schedule(user, gallery: Gallery, now: datetime) -> bool:
    # No person: publish_due acting on an editor's schedule, so only once the time has come.
    if user is None:
        return gallery.publish_at is not None and gallery.publish_at <= now
    return is_editor(user)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    allowed: Callable[..., bool]
    permission: str
    checks: tuple[Callable[..., list[str]], ...] = ()
    # What the person must confirm before the step, one line each (galleries.admin.transitions asks).
    confirms: Callable[[Gallery], list[str]] | None = None


def _ready(gallery: Gallery, by) -> list[str]:
    return readiness_problems(gallery)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            "Submit for review",
            frozenset({Status.DRAFT}),
            Status.IN_REVIEW,
            _author_or_editor,
            "galleries.submit_gallery",
            (_ready,),
        ),
        Transition(
            "recall",
            "Take back to draft",
            frozenset({Status.IN_REVIEW}),
            Status.DRAFT,
            _submitter_or_author,
            "galleries.submit_gallery",
        ),
        Transition(
            "request_changes",
            "Request changes",
            frozenset({Status.IN_REVIEW, Status.APPROVED}),
            Status.DRAFT,
            _editor,
            "galleries.approve_gallery",
        ),
        Transition(
            "approve",
            "Approve",
            frozenset({Status.IN_REVIEW}),
            Status.APPROVED,
            _editor,
            "galleries.approve_gallery",
            (_ready, _two_people_problems, _rights_but_embargoes, _ai_label_problems),
            _confirmations,
        ),
        Transition(
            "publish",
            "Publish now",
            frozenset({Status.APPROVED}),
            Status.PUBLISHED,
            _editor_or_schedule,
            "galleries.publish_gallery",
            (_ready, _rights, _ai_label_problems),
            _confirmations,
        ),
        Transition(
            "withdraw",
            "Withdraw",
            frozenset({Status.PUBLISHED}),
            Status.WITHDRAWN,
            _editor,
            "galleries.publish_gallery",
        ),
        Transition(
            "reopen",
            "Reopen as draft",
            frozenset({Status.WITHDRAWN}),
            Status.DRAFT,
            _editor,
            "galleries.publish_gallery",
        ),
    )
}


def _refusal(transition: Transition, gallery: Gallery, by, now: datetime | None = None) -> str | None:
    if gallery.status not in transition.sources:
        return f"This gallery is {gallery.get_status_display().lower()}: “{transition.label}” is not possible now."
    if not transition.allowed(by, gallery, now or timezone.now()):
        return f"You may not {transition.label[0].lower()}{transition.label[1:]} this gallery."
    if by is not None and not by.has_perm(transition.permission):
        return f"You may not {transition.label[0].lower()}{transition.label[1:]} this gallery."
    return None


def check_transition(gallery: Gallery, name: str, *, by, now: datetime | None = None) -> Transition:
    """Raise TransitionError unless `by` (None: the scheduler) may make this transition now."""
    transition = TRANSITIONS[name]
    refusal = _refusal(transition, gallery, by, now)
    if refusal:
        raise TransitionError(refusal)
    problems = [problem for check in transition.checks for problem in check(gallery, by)]
    if problems:
        raise TransitionError(" ".join(problems), problems=problems)
    to_confirm = transition.confirms(gallery) if transition.confirms else []
    if to_confirm:
        raise ConfirmationNeeded(
            "Confirm the usage rights of the photos that cost money or carry conditions first.", problems=to_confirm
        )
    return transition


@dataclass(frozen=True)
class AvailableTransition:
    name: str
    label: str
    target: str
    problems: list[str]
    to_confirm: list[str] = ()


def available_transitions(*, gallery: Gallery, user) -> list[AvailableTransition]:
    """The transitions this user's role allows from the gallery's state, each with what still blocks it."""
    result = []
    for transition in TRANSITIONS.values():
        if _refusal(transition, gallery, user) is not None:
            continue
        problems = [problem for check in transition.checks for problem in check(gallery, user)]
        to_confirm = transition.confirms(gallery) if transition.confirms and not problems else []
        result.append(AvailableTransition(transition.name, transition.label, transition.target, problems, to_confirm))
    return result


# Applying a transition ---------------------------------------------------------------------------------------


def _lock(gallery: Gallery) -> Gallery:
    return Gallery.objects.select_for_update().get(pk=gallery.pk)


def _move(gallery: Gallery, locked: Gallery, transition: Transition, *, by, note: str = "", data=None, **fields):
    """Change state with a conditional UPDATE, bump the version and audit it; the caller holds the lock."""
    from_state = locked.status
    fields["status"] = transition.target
    changed = Gallery.objects.filter(pk=locked.pk, status=from_state, version=locked.version).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    if changed != 1:
        # Only reachable where the row lock is a no-op (SQLite): someone else moved it first.
        raise TransitionError("Someone else changed this gallery a moment ago. Reload it and try again.")
    new_version = locked.version + 1
    for target in (gallery, locked):
        for name, value in fields.items():
            setattr(target, name, value)
        target.version = new_version
    record(
        locked,
        f"gallery.{transition.name}",
        by=by,
        from_state=from_state,
        to_state=transition.target,
        note=note,
        data=data,
    )
    return locked


def _after_commit(func: Callable, **kwargs) -> None:
    transaction.on_commit(partial(func, **kwargs))


def _notify(kind: str, gallery_id: int) -> None:
    enqueue_with_change(notify, kind=kind, gallery_id=gallery_id)


@transaction.atomic
def submit_gallery(*, gallery: Gallery, by) -> Gallery:
    locked = _lock(gallery)
    transition = check_transition(locked, "submit", by=by)
    _move(gallery, locked, transition, by=by, submitted_by=by)
    _notify("submitted", locked.pk)
    return gallery


@transaction.atomic
def recall_gallery(*, gallery: Gallery, by) -> Gallery:
    locked = _lock(gallery)
    transition = check_transition(locked, "recall", by=by)
    _move(gallery, locked, transition, by=by)
    return gallery


@transaction.atomic
def request_changes(*, gallery: Gallery, by, note: str, item_notes: dict[int, str] | None = None) -> Gallery:
    """Send the gallery back to draft; `item_notes` ({item pk: note}) replace every item's editor note."""
    note = (note or "").strip()
    if not note:
        raise TransitionError("Say what needs to change: the note is what the photographer will read.")
    locked = _lock(gallery)
    transition = check_transition(locked, "request_changes", by=by)
    item_notes = {int(pk): (text or "").strip() for pk, text in (item_notes or {}).items()}
    item_notes = {pk: text for pk, text in item_notes.items() if text}
    items = {item.pk: item for item in locked.items.all()}
    strangers = sorted(set(item_notes) - set(items))
    if strangers:
        raise TransitionError(f"Item {strangers[0]} is not in this gallery.")
    for pk, item in items.items():
        if item.editor_note != item_notes.get(pk, ""):
            item.editor_note = item_notes.get(pk, "")
            item.save(update_fields=["editor_note"])
    was_scheduled = locked.status == Status.APPROVED
    _move(
        gallery,
        locked,
        transition,
        by=by,
        note=note,
        data={"item_notes": {str(items[pk].number): text for pk, text in item_notes.items()}},
        review_note=note,
        publish_at=None,
    )
    if was_scheduled:
        _after_commit(purge_gallery_pages, gallery_ids=[locked.pk])
    _notify("changes_requested", locked.pk)
    return gallery


@transaction.atomic
def approve_gallery(
    *, gallery: Gallery, by, publish_at: datetime | None = None, confirm_rights: bool = False
) -> Gallery:
    """Approve; with a future `publish_at` the gallery is scheduled, otherwise it is published at once.

    `confirm_rights` says `by` accepts the cost and conditions of the photos that have them (recorded, audited);
    without it such photos keep the gallery from approval.
    """
    if publish_at is not None:
        try:
            too_late = publish_at > timezone.now() + SCHEDULE_HORIZON
        except OverflowError:  # out of datetime's range once in UTC, like 9999-12-31 23:59 west of Greenwich
            too_late = True
        if too_late:
            raise TransitionError(f"Schedule publication within the next {SCHEDULE_HORIZON.days // 365} years.")
    locked = _lock(gallery)
    if confirm_rights and _refusal(TRANSITIONS["approve"], locked, by) is None:
        _confirm_rights(locked, by=by)
    transition = check_transition(locked, "approve", by=by)
    now = timezone.now()
    scheduled = publish_at is not None and publish_at > now
    if scheduled and (embargoed := usage_rights_problems(locked, at=publish_at)):
        raise TransitionError(" ".join(embargoed), problems=embargoed)
    _move(
        gallery,
        locked,
        transition,
        by=by,
        data={"publish_at": publish_at.isoformat()} if scheduled else None,
        publish_at=publish_at if scheduled else now,
        review_note="",
    )
    locked.items.exclude(editor_note="").update(editor_note="")
    if not scheduled:
        _publish(gallery, locked, by=by)
    _notify("approved", locked.pk)
    return gallery


def _publish(gallery: Gallery, locked: Gallery, *, by, now: datetime | None = None) -> Gallery:
    transition = check_transition(locked, "publish", by=by, now=now)
    _move(gallery, locked, transition, by=by, published_at=timezone.now(), withdrawn_reason="", publishing=True)
    enqueue_with_change(settle_gallery, gallery_id=locked.pk)
    return gallery


@transaction.atomic
def publish_gallery(*, gallery: Gallery, by=None, confirm_rights: bool = False) -> Gallery:
    """Publish an approved gallery: an editor at once, or (by=None) the scheduler once publish_at has come."""
    locked = _lock(gallery)
    if confirm_rights and by is not None and _refusal(TRANSITIONS["publish"], locked, by) is None:
        _confirm_rights(locked, by=by)
    return _publish(gallery, locked, by=by)


@transaction.atomic
def withdraw_gallery(*, gallery: Gallery, by, reason: str) -> Gallery:
    """Take a published gallery off the site; its pages answer 410 Gone with `reason`."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("Give the reason readers will see in place of the gallery.")
    locked = _lock(gallery)
    transition = check_transition(locked, "withdraw", by=by)
    _move(gallery, locked, transition, by=by, note=reason, withdrawn_reason=reason, publishing=False)
    enqueue_with_change(settle_gallery, gallery_id=locked.pk)
    # The 410 reaches readers at once; the worker's purge after the files come down covers a lost one.
    _after_commit(purge_gallery_pages, gallery_ids=[locked.pk])
    _notify("withdrawn", locked.pk)
    return gallery


@transaction.atomic
def reopen_gallery(*, gallery: Gallery, by) -> Gallery:
    """A withdrawn gallery goes back to draft; it must be approved again before readers see it."""
    locked = _lock(gallery)
    transition = check_transition(locked, "reopen", by=by)
    _move(gallery, locked, transition, by=by, publish_at=None)
    return gallery


@transaction.atomic
def add_correction(*, gallery: Gallery, by, text: str) -> CorrectionNote:
    """A dated "Updated:" note on a published gallery, shown to readers."""
    text = (text or "").strip()
    if not text:
        raise TransitionError("Write the correction readers will see.")
    if len(text) > CORRECTION_MAX_LENGTH:
        # A note sits above the gallery on every page of it: a correction, not a second article.
        raise TransitionError(
            f"A correction can be at most {CORRECTION_MAX_LENGTH} characters; this one has {len(text)}."
        )
    if not is_editor(by) or not by.has_perm("galleries.add_correctionnote"):
        raise TransitionError("Only editors may post corrections.")
    locked = _lock(gallery)
    if locked.status != Status.PUBLISHED:
        raise TransitionError("Corrections are for published galleries; edit an unpublished one directly.")
    note = CorrectionNote.objects.create(gallery=locked, text=text, created_by=by)
    record(locked, "gallery.corrected", by=by, from_state=locked.status, to_state=locked.status, note=text)
    _after_commit(purge_gallery_pages, gallery_ids=[locked.pk])
    return note


def publish_due(*, now: datetime | None = None) -> list[Gallery]:
    """Publish every approved gallery whose time has come, each exactly once across concurrent workers.

    PostgreSQL: each worker skips rows another worker has locked. SQLite has no row locks, so _move's write,
    made only while the status is still the one read, is what stops a second worker: it finds the status
    already changed and moves on.
    """
    now = now or timezone.now()
    due = Gallery.objects.filter(status=Status.APPROVED, publish_at__lte=now)
    published = []
    for pk in list(due.order_by("publish_at", "pk").values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                rows = due.filter(pk=pk)
                if connection.features.has_select_for_update_skip_locked:
                    rows = rows.select_for_update(skip_locked=True)
                else:
                    rows = rows.select_for_update()
                locked = rows.first()
                if locked is None:
                    continue  # another worker holds it, or already published it
                published.append(_publish(locked, locked, by=None, now=now))
        except TransitionError as error:
            logger.error("Gallery %s is due but cannot be published: %s", pk, error)
    return published


# Withdrawn pages -----------------------------------------------------------------------------------------


def withdrawn_gallery(*, slug: str) -> Gallery | None:
    """The withdrawn gallery `slug` names, with the reason readers are given; None if it names none.

    Public views ask where a published gallery is not found, to answer 410 Gone instead of 404.
    """
    return Gallery.objects.filter(slug=slug, status=Status.WITHDRAWN).only("title", "withdrawn_reason").first()
