"""Putting library photos into galleries: appending, ordering and finding where a photo is used."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils.timezone import now

from galleries.audit import record
from galleries.models import Gallery, Item, Photo


class AppendOrder:
    NAME = "name"
    TAKEN = "taken"
    CHOICES = [(NAME, "File name"), (TAKEN, "Capture time")]


@dataclass(frozen=True)
class Dropped:
    """A photo the editor dropped, under the file name it had on their disk."""

    photo: Photo
    name: str


def natural_key(name: str) -> tuple:
    # "img-2.jpg" before "img-10.jpg", as a picture editor reads a card.
    # isdecimal, not isdigit: "²" is a digit that int() cannot read.
    return tuple(int(part) if part.isdecimal() else part.lower() for part in re.split(r"(\d+)", name))


def sort_dropped(dropped: Sequence[Dropped], *, order: str | None) -> list[Dropped]:
    """Order by capture time or file name; with no order, keep the order given."""
    if order is None:
        return list(dropped)
    if order == AppendOrder.TAKEN:
        # Photos without a capture time go last, in file-name order, rather than being refused.
        return sorted(
            dropped,
            key=lambda d: (d.photo.taken_at is None, d.photo.taken_at or datetime.min, natural_key(d.name)),
        )
    return sorted(dropped, key=lambda d: natural_key(d.name))


@transaction.atomic
def append_photos(*, gallery: Gallery, dropped: Sequence[Dropped], order: str | None, by=None) -> list[Item]:
    """Append photos as items after the last one, skipping photos the gallery already holds."""
    present = set(gallery.items.values_list("photo_id", flat=True))
    last = gallery.items.aggregate(last=Max("position"))["last"]
    position = -1 if last is None else last
    items = []
    for entry in sort_dropped(dropped, order=order):
        if entry.photo.pk in present:
            continue
        present.add(entry.photo.pk)
        position += 1
        items.append(
            Item(
                gallery=gallery,
                photo=entry.photo,
                position=position,
                headline=entry.photo.headline,
                caption=entry.photo.caption,
            )
        )
    Item.objects.bulk_create(items)
    if items:
        record(gallery, "gallery.photos_added", by=by, data={"photos": [item.photo_id for item in items]})
    return items


def renumber_items(*, gallery: Gallery) -> None:
    """Close gaps and ties so positions run 0, 1, 2… in the order the editor set."""
    items = list(gallery.items.only("id", "position").order_by("position", "id"))
    changed = []
    for number, item in enumerate(items):
        if item.position != number:
            item.position = number
            changed.append(item)
    Item.objects.bulk_update(changed, ["position"])


def move_item(*, gallery: Gallery, item_id: int, direction: str) -> None:
    items = list(gallery.items.only("id", "position").order_by("position", "id"))
    index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
    if index is None:
        return
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for number, item in enumerate(items):
        item.position = number
    Item.objects.bulk_update(items, ["position"])


def galleries_using(photos: Sequence[Photo]) -> dict[int, list[Gallery]]:
    """Which galleries each photo sits in, in one query."""
    using: dict[int, list[Gallery]] = {}
    items = Item.objects.filter(photo__in=photos).select_related("gallery").order_by("gallery__title")
    for item in items:
        galleries = using.setdefault(item.photo_id, [])
        if item.gallery not in galleries:
            galleries.append(item.gallery)
    return using


# A photo used in a gallery published this recently is flagged where editors pick photos: readers notice reruns.
RECENT_USE_DAYS = 7


@dataclass(frozen=True)
class Usage:
    """One gallery a photo appears in, and the places of it readers meet the photo."""

    gallery: Gallery
    items: int
    cover: bool

    @property
    def live(self) -> bool:
        return self.gallery.status == Gallery.Status.PUBLISHED and self.gallery.published_at is not None

    @property
    def places(self) -> list[str]:
        if not self.live:
            return []
        places = ["gallery page", "photo page", "feeds", "image sitemap"] if self.items else []
        if self.cover:
            places += ["cover in listings", "social card", "feed picture"]
        return places


def photo_usages(photo: Photo) -> list[Usage]:
    """Every gallery showing the photo, as an item or as its cover, newest publication first; two queries."""
    counts: dict[int, int] = {}
    galleries: dict[int, Gallery] = {}
    for item in Item.objects.filter(photo=photo).select_related("gallery"):
        counts[item.gallery_id] = counts.get(item.gallery_id, 0) + 1
        galleries[item.gallery_id] = item.gallery
    covers = set()
    for gallery in Gallery.objects.filter(cover=photo):
        covers.add(gallery.pk)
        galleries.setdefault(gallery.pk, gallery)
    usages = [Usage(gallery=g, items=counts.get(pk, 0), cover=pk in covers) for pk, g in galleries.items()]
    return sorted(
        usages, key=lambda u: (u.gallery.published_at is None, -(u.gallery.published_at or now()).timestamp())
    )


def recently_used(photos: Sequence[Photo | int], *, days: int = RECENT_USE_DAYS) -> dict[int, list[Gallery]]:
    """The galleries published in the last `days` days that show each of these photos, in one query."""
    since = now() - timedelta(days=days)
    ids = [photo if isinstance(photo, int) else photo.pk for photo in photos]
    recent = Gallery.objects.filter(status=Gallery.Status.PUBLISHED, published_at__gte=since)
    used: dict[int, list[Gallery]] = {}
    rows = (
        Item.objects.filter(photo__in=ids, gallery__in=recent)
        .select_related("gallery")
        .order_by("-gallery__published_at")
    )
    for item in rows:
        galleries = used.setdefault(item.photo_id, [])
        if item.gallery not in galleries:
            galleries.append(item.gallery)
    return used
