"""Search over published galleries: their words and the headlines and captions of their photos."""

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat

from galleries.models import Gallery, Item
from galleries.text import typed_text

MAX_QUERY_LENGTH = 200


def clean_query(query: str) -> str:
    """What is searched for, and shown as searched for: words apart by single spaces, cleaned as typed text.

    The search box is where its text enters: a zero-width space inside a word would otherwise match nothing.
    """
    return " ".join(typed_text(query, one_line=True).split())[:MAX_QUERY_LENGTH].strip()


def search_galleries(query: str) -> QuerySet[Gallery]:
    """Published galleries matching `query`, best first; empty for a blank query. Same API on every database."""
    query = clean_query(query)
    published = Gallery.objects.published()
    if not query:
        return published.none()
    if connection.vendor == "postgresql":
        return _full_text(published, query)
    return _contains(published, query)


def _full_text(published: QuerySet[Gallery], query: str) -> QuerySet[Gallery]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    item_text = (
        Item.objects.shown()
        .filter(gallery=OuterRef("pk"))
        .order_by()
        .values("gallery")
        .annotate(
            text=StringAgg(Concat("headline", Value(" "), "caption", output_field=TextField()), delimiter=Value(" "))
        )
        .values("text")
    )
    vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("dek", weight="B", config="english")
        + SearchVector("introduction", weight="C", config="english")
        + SearchVector(
            Coalesce(Subquery(item_text, output_field=TextField()), Value("", output_field=TextField())),
            weight="C",
            config="english",
        )
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return (
        published.annotate(document=vector, rank=SearchRank(F("document"), search_query))
        .filter(document=search_query)
        .order_by("-rank", "-published_at")
    )


def _contains(published: QuerySet[Gallery], query: str) -> QuerySet[Gallery]:
    condition = Q()
    for word in query.split()[:10]:
        in_items = Item.objects.shown().filter(
            Q(headline__icontains=word) | Q(caption__icontains=word), gallery=OuterRef("pk")
        )
        condition &= (
            Q(title__icontains=word) | Q(dek__icontains=word) | Q(introduction__icontains=word) | Exists(in_items)
        )
    return published.filter(condition).order_by("-published_at")
