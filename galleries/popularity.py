"""Votes, views and the rankings built from them.

A page view never writes to the database: the page is often served from the
cache, so a small beacon posted after load bumps a counter in the cache, and
`manage.py fold_stats` (run every few minutes) folds those counters, the day's
votes and comments into GalleryDayStats. Rankings read only that table.
"""

import datetime
import math

from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import FieldError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.connection import ConnectionProxy

from galleries.models import Gallery, GalleryDayStats, Item, Vote

# Counts live in the "counters" cache, apart from cached pages (see settings.CACHES).
cache = ConnectionProxy(caches, "counters")

# Several readers can share one address (a household, an office), but not a whole town.
VOTES_PER_ADDRESS_PER_PHOTO = 5
WEIGHTS = {"views": 1, "votes": 5, "comments": 10}
TRENDING_DAYS = 3
TRENDING_HALF_LIFE_DAYS = 1.0


def _views_key(gallery_id: int, day: datetime.date) -> str:
    return f"views:{day.isoformat()}:{gallery_id}"


def count_view(*, gallery_id: int) -> None:
    key = _views_key(gallery_id, timezone.localdate())
    if not cache.add(key, 1, timeout=3 * 86400):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=3 * 86400)


def cast_vote(*, item: Item, voter: str, ip_hash: str) -> bool:
    """Count one upvote; False (and nothing written) when this reader or address already voted for the photo.

    A replayed request finds its vote already there, so it can never add to the count.
    """
    with transaction.atomic():
        # One vote per photo at a time: racing requests with fresh cookies would otherwise all pass the count.
        Item.objects.select_for_update().filter(pk=item.pk).values_list("pk").first()
        if Vote.objects.filter(item=item, ip_hash=ip_hash).count() >= VOTES_PER_ADDRESS_PER_PHOTO:
            return False
        try:
            with transaction.atomic():
                Vote.objects.create(item=item, voter=voter, ip_hash=ip_hash)
        except IntegrityError:
            return False
        Item.objects.filter(pk=item.pk).update(vote_count=F("vote_count") + 1)
    return True


def _comment_counts(day: datetime.date) -> dict[int, int]:
    # Comments belong to the newsroom app; count only what readers can see, if that model exists yet.
    try:
        comment = apps.get_model("newsroom", "Comment")
        rows = (
            comment.objects.visible()
            .filter(created_at__date=day)
            .values("gallery_id")
            .annotate(n=Count("id"))
            .values_list("gallery_id", "n")
        )
        return dict(rows)
    except (LookupError, AttributeError, FieldError):
        return {}


def fold_stats(*, now: datetime.datetime | None = None) -> int:
    """Move today's and yesterday's view counters from the cache into GalleryDayStats; recount votes and comments."""
    today = timezone.localdate(now)
    touched = 0
    gallery_ids = list(Gallery.objects.published().values_list("pk", flat=True))
    for day in (today - datetime.timedelta(days=1), today):
        keys = {_views_key(pk, day): pk for pk in gallery_ids}
        views = {keys[key]: n for key, n in cache.get_many(keys).items() if n}
        votes = dict(
            Vote.objects.filter(created_at__date=day, item__gallery_id__in=gallery_ids)
            .values("item__gallery_id")
            .annotate(n=Count("id"))
            .values_list("item__gallery_id", "n")
        )
        comments = _comment_counts(day)
        for pk in set(views) | set(votes) | (set(comments) & set(gallery_ids)):
            with transaction.atomic():
                stats, _ = GalleryDayStats.objects.select_for_update().get_or_create(gallery_id=pk, day=day)
                stats.views += views.get(pk, 0)
                stats.votes = votes.get(pk, 0)
                stats.comments = comments.get(pk, 0)
                stats.save(update_fields=["views", "votes", "comments"])
                if views.get(pk):
                    # Take away only what was folded: hits counted meanwhile stay for the next run.
                    cache.decr(_views_key(pk, day), views[pk])
            touched += 1
    return touched


def _score(views: int, votes: int, comments: int) -> float:
    return views * WEIGHTS["views"] + votes * WEIGHTS["votes"] + comments * WEIGHTS["comments"]


def trending(*, limit: int = 5, now: datetime.datetime | None = None) -> list[Gallery]:
    """Galleries by views, votes and comments over the last days, each day worth half the one after it."""
    today = timezone.localdate(now)
    rows = GalleryDayStats.objects.filter(
        day__gt=today - datetime.timedelta(days=TRENDING_DAYS), gallery__in=Gallery.objects.published()
    ).values_list("gallery_id", "day", "views", "votes", "comments")
    scores: dict[int, float] = {}
    for gallery_id, day, views, votes, comments in rows:
        decay = math.pow(0.5, (today - day).days / TRENDING_HALF_LIFE_DAYS)
        scores[gallery_id] = scores.get(gallery_id, 0) + _score(views, votes, comments) * decay
    top = sorted((pk for pk, score in scores.items() if score > 0), key=lambda pk: -scores[pk])[:limit]
    galleries = Gallery.objects.published().for_listing().in_bulk(top)
    return [galleries[pk] for pk in top if pk in galleries]


def most_popular(*, limit: int = 5) -> list[Gallery]:
    weighted = (
        Sum("day_stats__views") * WEIGHTS["views"]
        + Sum("day_stats__votes") * WEIGHTS["votes"]
        + Sum("day_stats__comments") * WEIGHTS["comments"]
    )
    return list(
        Gallery.objects.published()
        .annotate(score=Coalesce(weighted, Value(0), output_field=IntegerField()))
        .filter(score__gt=0)
        .order_by("-score", "-published_at")
        .for_listing()[:limit]
    )
