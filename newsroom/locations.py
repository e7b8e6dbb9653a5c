"""Where a visible comment is shown to readers."""

from django.db.models import Q
from django.urls import reverse

from newsroom.models import REPLIES_SHOWN, ROOTS_PER_PAGE, Comment


def comment_location(comment: Comment) -> str:
    """Where a visible comment is shown: its page of the gallery or photo, or its thread page, with its anchor."""
    if comment.root_id:
        earlier = Comment.objects.visible().filter(root_id=comment.root_id, pk__lt=comment.pk).count()
        if earlier >= REPLIES_SHOWN:
            return f"{reverse('comments:thread', kwargs={'pk': comment.root_id})}#{comment.anchor}"
    return f"{comment.target.get_absolute_url()}{permalink_query(comment)}#{comment.anchor}"


def with_notice(url: str) -> str:
    """The URL with a marker that keeps the page cache from answering, so the reader sees the message meant for them."""
    path, _, anchor = url.partition("#")
    path += ("&" if "?" in path else "?") + "notice=1"
    return f"{path}#{anchor}" if anchor else path


def permalink_query(comment: Comment) -> str:
    """The query string (page of top-level comments, newest first) on which this comment's thread appears."""
    root = comment.root or comment
    newer = (
        Comment.objects.visible()
        .on(gallery=root.gallery_id, item=root.item_id)
        .filter(parent__isnull=True)
        .filter(Q(created_at__gt=root.created_at) | Q(created_at=root.created_at, pk__gt=root.pk))
        .count()
    )
    page = newer // ROOTS_PER_PAGE + 1
    return f"?cpage={page}" if page > 1 else ""
