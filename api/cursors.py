"""Opaque cursors for keyset pagination: signed, so a client can only hand back one the API gave it."""

from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class BadCursor(ValueError):
    pass


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def encode(kind: str, values: list) -> str:
    return signing.dumps([_plain(v) for v in values], salt=f"api.cursor.{kind}", compress=False)


def decode(kind: str, cursor: str, *, keys: tuple[str, ...]) -> list:
    """The position `cursor` marks, checked: another list's cursor, an edited one or junk is refused."""
    try:
        values = signing.loads(cursor, salt=f"api.cursor.{kind}")
    except (signing.BadSignature, ValueError) as error:
        raise BadCursor("The cursor is not one this API gave out; start again without it.") from error
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor("The cursor is not one this API gave out; start again without it.")
    decoded = []
    for key, value in zip(keys, values, strict=True):
        if key.lstrip("-").endswith("_at"):
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError) as error:
                raise BadCursor("The cursor is not one this API gave out; start again without it.") from error
        decoded.append(value)
    return decoded


def _after(keys: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in the order `keys` (each "-field" descending), as one condition."""
    condition = Q()
    for depth, key in enumerate(keys):
        field = key.lstrip("-")
        step = Q(**{f"{field}__{'lt' if key.startswith('-') else 'gt'}": values[depth]})
        for earlier, value in zip(keys[:depth], values[:depth], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return condition


def paginate(queryset: QuerySet, *, kind: str, keys: tuple[str, ...], cursor: str | None, limit: int) -> tuple:
    """One page of `queryset` in the order `keys` after `cursor`, and the cursor of the next page (None at the end).

    One query: a row more than the page is read to know whether another page follows.
    """
    ordered = queryset.order_by(*keys)
    if cursor:
        ordered = ordered.filter(_after(keys, decode(kind, cursor, keys=keys)))
    rows = list(ordered[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode(kind, [getattr(last, key.lstrip("-")) for key in keys])
