"""The admin home: what each role has waiting at the start of the day, and the charts that go with it.

Editors get the review desk and readers' numbers, photographers their own work, moderators the comment
queue; a superuser gets every section. The figures come from galleries.dashboard and from the comment
tables here; the page is drawn by templates/admin/index.html.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from galleries import charts, dashboard
from galleries.charts import Chart, Datum
from galleries.workflow import is_editor, is_moderator, is_photographer
from newsroom.models import Comment, CommentReport

DECISIONS = [Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.REMOVED]


@dataclass
class ModerationDesk:
    waiting: int
    reasons: list[tuple[str, int]]
    oldest_waiting: datetime.datetime | None
    reports: list[tuple[str, int, int]]

    @property
    def open_reports(self) -> int:
        return sum(reports for _, reports, _ in self.reports)


@dataclass
class Dashboard:
    now: datetime.datetime
    editor: dashboard.EditorDesk | None = None
    photographer: dashboard.PhotographerDesk | None = None
    moderation: ModerationDesk | None = None
    numbers: list[dashboard.Figure] = field(default_factory=list)
    rankings: dashboard.Rankings | None = None
    charts: list[Chart] = field(default_factory=list)

    @property
    def ranking_charts(self) -> list[Chart]:
        if self.rankings is None:
            return []
        r = self.rankings
        return [
            charts.bars(key="top-views-day", title="Most viewed, yesterday and today", unit="views",
                        label_heading="Gallery", rows=r.views_day),
            charts.bars(key="top-views-week", title="Most viewed, last 7 days", unit="views",
                        label_heading="Gallery", rows=r.views_week),
            charts.bars(key="top-votes-day", title="Most voted, yesterday and today", unit="votes",
                        label_heading="Gallery", rows=r.votes_day),
            charts.bars(key="top-votes-week", title="Most voted, last 7 days", unit="votes",
                        label_heading="Gallery", rows=r.votes_week),
        ]  # fmt: skip


def moderation_desk() -> ModerationDesk:
    held = list(
        Comment.objects.awaiting_moderation()
        .order_by()
        .values("policy_reason")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    )
    reports = (
        CommentReport.objects.filter(resolved_at__isnull=True)
        .order_by()
        .values("reason")
        .annotate(n=Count("pk"), comments=Count("comment", distinct=True))
    )
    labels = dict(CommentReport.Reason.choices)
    return ModerationDesk(
        waiting=sum(row["n"] for row in held),
        reasons=sorted(((row["policy_reason"] or "No reason given", row["n"]) for row in held), key=lambda r: -r[1]),
        oldest_waiting=min((row["oldest"] for row in held), default=None),
        reports=sorted(
            ((labels.get(row["reason"], row["reason"]), row["n"], row["comments"]) for row in reports),
            key=lambda r: -r[1],
        ),
    )


def decisions_per_day(*, today: datetime.date, days: int = dashboard.CHART_DAYS) -> list[Datum]:
    """Moderators' decisions per day (the last decision on each comment), each day split by decision."""
    start = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time()))
    rows = (
        Comment.objects.filter(decided_at__gte=start, status__in=DECISIONS)
        .annotate(day=TruncDate("decided_at"))
        .order_by()
        .values("day", "status")
        .annotate(n=Count("pk"))
    )
    counts: dict[datetime.date, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["day"], {})[row["status"]] = row["n"]
    first = today - datetime.timedelta(days=days - 1)
    series = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        split = counts.get(day, {})
        series.append(
            Datum(label=day, value=sum(split.values()), extra=tuple(split.get(status, 0) for status in DECISIONS))
        )
    return series


def dashboard_for(user, *, now: datetime.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    editor, moderator = is_editor(user), is_moderator(user)
    board = Dashboard(now=now)
    if editor or moderator:
        days = dashboard.site_days(today=today)
    if editor:
        board.editor = dashboard.editor_desk(now=now, person_requests=user.has_perm("galleries.handle_person_request"))
        board.numbers = dashboard.numbers(days)
        board.rankings = dashboard.rankings(today=today)
        board.charts.append(
            charts.columns(
                key="site-views",
                title=f"Views per day, last {dashboard.CHART_DAYS} days",
                unit="views",
                rows=dashboard.as_series(days, "views"),
            )
        )
    if is_photographer(user) or user.is_superuser:
        board.photographer = dashboard.photographer_desk(user=user)
    if editor or moderator:
        board.charts.append(
            charts.columns(
                key="site-comments",
                title=f"Published comments per day, last {dashboard.CHART_DAYS} days",
                unit="comments",
                rows=dashboard.as_series(days, "comments"),
            )
        )
    if moderator:
        board.moderation = moderation_desk()
        board.charts.append(
            charts.columns(
                key="moderation-decisions",
                title=f"Moderation decisions per day, last {dashboard.CHART_DAYS} days",
                unit="decisions",
                rows=decisions_per_day(today=today),
                extra_headings=tuple(status.label for status in DECISIONS),
            )
        )
    return board
