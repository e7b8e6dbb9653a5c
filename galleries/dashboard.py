"""What the admin home shows editors and photographers, and the figures behind the gallery charts.

Readers' activity is read from GalleryDayStats, which `popularity.fold_stats` keeps off the request path;
the desks are read from workflow and render states. Each function is a fixed number of queries, whatever
the size of the newsroom (see tests/galleries/test_dashboard.py).
"""

import datetime
import heapq
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse

from galleries.charts import Datum
from galleries.models import AuditEvent, Gallery, GalleryDayStats, Item, PersonRequest, Photo, Photographer
from galleries.tasks import stuck_photos

CHART_DAYS = 30
SCHEDULE_DAYS = 7
# Licences ending this soon are listed on the desk, to renew, replace or remove in time.
LICENCE_DAYS = 30
WEEK_DAYS = 7
TOP_GALLERIES = 5
LIST_LENGTH = 20
PROBLEM_PHOTOS = 10
Status = Gallery.Status


@dataclass(frozen=True)
class DayFigures:
    day: datetime.date
    views: int = 0
    votes: int = 0
    comments: int = 0


@dataclass(frozen=True)
class Figure:
    """One of the newsroom's numbers: today's so far, against the seven days before."""

    name: str
    today: int
    week: int

    @property
    def daily_average(self) -> int:
        return round(self.week / WEEK_DAYS)


@dataclass
class Rankings:
    views_day: list[Datum] = field(default_factory=list)
    views_week: list[Datum] = field(default_factory=list)
    votes_day: list[Datum] = field(default_factory=list)
    votes_week: list[Datum] = field(default_factory=list)


@dataclass
class EditorDesk:
    in_review: list[Gallery]
    more_in_review: bool
    scheduled: list[Gallery]
    changes_requested: list[Gallery]
    photo_problems: list[Photo]
    failed_photos: int
    stuck_photos: int
    licences_ending: list[Photo] = field(default_factory=list)
    # Open requests from the people pictured, oldest first: only for those who may handle them.
    person_requests: list[PersonRequest] | None = None
    more_person_requests: bool = False


@dataclass
class PhotographerDesk:
    drafts: list[Gallery]
    changes_requested: list[Gallery]
    waiting: list[Gallery]
    photo_states: dict[str, int]
    failed_photos: list[Photo]

    @property
    def photo_state_list(self) -> list[tuple[str, str, int]]:
        return [(state.value, state.label, self.photo_states.get(state.value, 0)) for state in Photo.State]


# Reader activity, from the folded day stats --------------------------------------------------------------


def _fill(rows: dict[datetime.date, DayFigures], *, today: datetime.date, days: int) -> list[DayFigures]:
    # A day nobody visited has no row; the chart still needs its column.
    first = today - datetime.timedelta(days=days - 1)
    return [rows.get(day, DayFigures(day=day)) for day in (first + datetime.timedelta(n) for n in range(days))]


def site_days(*, today: datetime.date, days: int = CHART_DAYS) -> list[DayFigures]:
    """Views, votes and comments of every gallery together, per day, oldest first."""
    rows = (
        GalleryDayStats.objects.filter(day__gt=today - datetime.timedelta(days=days), day__lte=today)
        .order_by("day")
        .values("day")
        .annotate(views=Sum("views"), votes=Sum("votes"), comments=Sum("comments"))
    )
    return _fill({row["day"]: DayFigures(**row) for row in rows}, today=today, days=days)


def gallery_days(*, gallery: Gallery, today: datetime.date, days: int = CHART_DAYS) -> list[DayFigures]:
    rows = GalleryDayStats.objects.filter(
        gallery=gallery, day__gt=today - datetime.timedelta(days=days), day__lte=today
    ).values("day", "views", "votes", "comments")
    return _fill({row["day"]: DayFigures(**row) for row in rows}, today=today, days=days)


def gallery_daily_figures(*, gallery: Gallery):
    """Every day the gallery has figures for, oldest first, as (day, views, votes, comments): the CSV's rows."""
    return (
        GalleryDayStats.objects.filter(gallery=gallery)
        .order_by("day")
        .values_list("day", "views", "votes", "comments")
        .iterator(chunk_size=2000)
    )


def gallery_totals(*, gallery: Gallery) -> dict[str, int]:
    totals = GalleryDayStats.objects.filter(gallery=gallery).aggregate(
        views=Coalesce(Sum("views"), 0), votes=Coalesce(Sum("votes"), 0), comments=Coalesce(Sum("comments"), 0)
    )
    return totals


def numbers(days: list[DayFigures]) -> list[Figure]:
    """Today against the seven days before it, from `site_days` (so no query of its own)."""
    today, week = days[-1], days[-1 - WEEK_DAYS : -1]
    return [
        Figure(name=name, today=getattr(today, attr), week=sum(getattr(day, attr) for day in week))
        for name, attr in (("Views", "views"), ("Votes", "votes"), ("Comments", "comments"))
    ]


def as_series(days: list[DayFigures], attr: str) -> list[Datum]:
    return [Datum(label=day.day, value=getattr(day, attr)) for day in days]


def rankings(*, today: datetime.date, limit: int = TOP_GALLERIES) -> Rankings:
    """The most viewed and most voted galleries since yesterday and over the last seven days, in one query.

    The stats are kept per day, so "the last 24 hours" is yesterday and today: at eight in the morning that
    still says what readers looked at overnight.
    """
    week_start = today - datetime.timedelta(days=WEEK_DAYS - 1)
    day_start = today - datetime.timedelta(days=1)
    recent = Q(day__gte=day_start)
    rows = list(
        GalleryDayStats.objects.filter(day__gte=week_start, day__lte=today)
        .order_by()
        .values("gallery_id", "gallery__title")
        .annotate(
            views_week=Sum("views"),
            votes_week=Sum("votes"),
            views_day=Coalesce(Sum("views", filter=recent), 0),
            votes_day=Coalesce(Sum("votes", filter=recent), 0),
        )
    )

    def top(key: str) -> list[Datum]:
        best = heapq.nsmallest(limit, (row for row in rows if row[key] > 0), key=lambda r: (-r[key], r["gallery_id"]))
        return [
            Datum(
                label=row["gallery__title"],
                value=row[key],
                url=reverse("admin:galleries_gallery_stats", args=[row["gallery_id"]]),
            )
            for row in best
        ]

    return Rankings(
        views_day=top("views_day"),
        views_week=top("views_week"),
        votes_day=top("votes_day"),
        votes_week=top("votes_week"),
    )


def photo_votes(*, gallery: Gallery) -> list[Datum]:
    """Readers' upvotes of each photo of the gallery, in the gallery's order."""
    items = gallery.items.order_by("position", "pk").values(
        "pk", "position", "headline", "photo__headline", "vote_count"
    )
    return [
        Datum(
            label=f"{row['position'] + 1}. {row['headline'] or row['photo__headline'] or 'Untitled'}",
            value=row["vote_count"],
        )
        for row in items
    ]


# The desks -------------------------------------------------------------------------------------------------


def _submitted_at() -> Subquery:
    # When the gallery was last submitted: its age in the queue, which later edits by the desk do not reset.
    return Subquery(
        AuditEvent.objects.filter(
            target_type__app_label="galleries",
            target_type__model="gallery",
            target_id=Cast(OuterRef("pk"), CharField()),
            action="gallery.submit",
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def editor_desk(*, now: datetime.datetime, person_requests: bool = False) -> EditorDesk:
    """The review desk; `person_requests`: with the open requests from the people pictured."""
    in_review = list(
        Gallery.objects.filter(status=Status.IN_REVIEW)
        .select_related("submitted_by")
        .annotate(submitted_at=Coalesce(_submitted_at(), F("updated_at")))
        .order_by("submitted_at", "pk")[: LIST_LENGTH + 1]
    )
    scheduled = list(
        Gallery.objects.filter(status=Status.APPROVED)
        .filter(Q(publish_at__lte=now + datetime.timedelta(days=SCHEDULE_DAYS)) | Q(publish_at__isnull=True))
        .order_by(F("publish_at").asc(nulls_last=True), "pk")[:LIST_LENGTH]
    )
    changes_requested = list(
        Gallery.objects.filter(status=Status.DRAFT)
        .exclude(review_note="")
        .select_related("created_by")
        .order_by("updated_at", "pk")[:LIST_LENGTH]
    )
    problems = Photo.objects.filter(state=Photo.State.FAILED) | stuck_photos()
    counts = problems.aggregate(
        failed=Count("pk", filter=Q(state=Photo.State.FAILED)),
        stuck=Count("pk", filter=~Q(state=Photo.State.FAILED)),
    )
    requests = None
    if person_requests:
        requests = list(PersonRequest.objects.open().order_by("created_at", "pk")[: LIST_LENGTH + 1])
    return EditorDesk(
        person_requests=requests and requests[:LIST_LENGTH],
        more_person_requests=bool(requests) and len(requests) > LIST_LENGTH,
        in_review=in_review[:LIST_LENGTH],
        more_in_review=len(in_review) > LIST_LENGTH,
        scheduled=scheduled,
        changes_requested=changes_requested,
        photo_problems=list(problems.select_related("photographer").order_by("updated_at", "pk")[:PROBLEM_PHOTOS]),
        failed_photos=counts["failed"],
        stuck_photos=counts["stuck"],
        licences_ending=list(
            Photo.objects.licences_ending(days=LICENCE_DAYS, now=now).select_related("photographer")[:LIST_LENGTH]
        ),
    )


def photographer_desk(*, user) -> PhotographerDesk:
    # "Mine" as lookups on indexed columns: an OR across a join or a subquery would read every photo.
    photographer = Photographer.objects.filter(user=user).values_list("pk", flat=True).first()
    galleries, photos = Q(created_by=user), Q(uploaded_by=user)
    if photographer is not None:
        credited = Gallery.photographers.through.objects.filter(photographer_id=photographer).values("gallery_id")
        galleries |= Q(pk__in=credited)
        photos |= Q(photographer_id=photographer)
    open_galleries = list(
        Gallery.objects.filter(galleries, status__in=[Status.DRAFT, Status.IN_REVIEW, Status.APPROVED])
        .prefetch_related(Prefetch("items", Item.objects.exclude(editor_note="").order_by("position"), to_attr="noted"))
        .order_by("-updated_at", "-pk")[: LIST_LENGTH * 2]
    )
    own_photos = Photo.objects.filter(photos)
    states = dict(own_photos.order_by().values("state").annotate(n=Count("pk")).values_list("state", "n"))
    return PhotographerDesk(
        drafts=[g for g in open_galleries if g.status == Status.DRAFT and not g.review_note],
        changes_requested=[g for g in open_galleries if g.status == Status.DRAFT and g.review_note],
        waiting=[g for g in open_galleries if g.status != Status.DRAFT],
        photo_states=states,
        failed_photos=list(own_photos.filter(state=Photo.State.FAILED).order_by("-updated_at")[:PROBLEM_PHOTOS])
        if states.get(Photo.State.FAILED)
        else [],
    )
