"""The comment section of a gallery or photo page, as values worked out when the page first asks for them.

Every value is lazy: when the section's threads come from the fragment cache, their queries never run.
"""

import time
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from galleries.pagecache import fragment_seconds, fragment_version
from galleries.templatetags.loupe import jinja_markup
from newsroom.forms import CommentForm
from newsroom.models import ROOTS_PER_PAGE, SORTS, Comment, photo_comments_fragment
from newsroom.moderation import comments_closed_reason, issue_form_stamp


class CommentCounts:
    """The visible comments on a gallery, by item (None: the gallery's own thread), counted in one query."""

    def __init__(self, gallery):
        self.gallery = gallery

    @cached_property
    def by_item(self) -> dict[int | None, tuple[int, int]]:
        return Comment.objects.visible().filter(gallery=self.gallery).counts_by_item()

    @property
    def photos_version(self) -> int:
        """The version of the photos' counts, for the keys of fragments that show them (the counts stay unread)."""
        return fragment_version(photo_comments_fragment(self.gallery.pk))

    def of(self, item=None) -> int:
        return self.by_item.get(item.pk if item else None, (0, 0))[0]

    def roots_of(self, item=None) -> int:
        return self.by_item.get(item.pk if item else None, (0, 0))[1]

    @property
    def all(self) -> int:
        return sum(total for total, _ in self.by_item.values())


class CommentSection:
    sorts = list(SORTS)

    def __init__(self, request: HttpRequest, *, gallery, item=None, counts: CommentCounts | None = None):
        self.request = request
        self.gallery = gallery
        self.item = item
        self.counts = counts or CommentCounts(gallery)
        self.sort = request.GET.get("csort") if request.GET.get("csort") in SORTS else "newest"
        self.page_number = request.GET.get("cpage") or "1"

    @property
    def target(self):
        return self.item or self.gallery

    @property
    def count(self) -> int:
        return self.counts.of(self.item)

    @cached_property
    def page(self) -> Page:
        # The count comes from the counts query, so the paginator asks no more of the database than one page.
        return Paginator(range(self.counts.roots_of(self.item)), ROOTS_PER_PAGE).get_page(self.page_number)

    @cached_property
    def roots(self) -> list[Comment]:
        """The top-level comments of this page of threads, in the reader's order."""
        if not self.page.paginator.count:
            return []
        return list(
            Comment.objects.visible().roots_for(
                gallery=self.gallery, item=self.item, sort=self.sort, offset=self.page.start_index() - 1
            )
        )

    @cached_property
    def thread_markup(self) -> list[SafeString]:
        """The markup of each thread of the page, in order.

        The page's threads are kept together in one cache entry, each with the `thread_version` of its top-level
        comment, which every change to what the thread shows moves on, and the time it was rendered: one read
        finds them, and only the threads whose version moved, that are new to the page or that were rendered
        longer ago than fragments live have their replies read, in one query, and are rendered; one write keeps
        the page's threads again. A thread kept is never kept longer than any other fragment, however often the
        entry is written again for its neighbours.
        """
        seconds = fragment_seconds(self.request)
        key = make_template_fragment_key(
            "comment-threads", [self.gallery.pk, self.item.pk if self.item else None, self.sort, self.page.number]
        )
        now = time.time()
        kept = {
            pk: thread
            for pk, thread in ((cache.get(key) or {}) if seconds else {}).items()
            if thread[1] > now - seconds
        }
        missing = [root for root in self.roots if kept.get(root.pk, (None,))[0] != root.thread_version]
        # Only a thread that changed costs the query (and building it: the rule is a join of five tables).
        changed = Comment.objects.visible().threads_of(missing) if missing else []
        made = {
            thread.root.pk: (thread.root.thread_version, now, jinja_markup("newsroom/thread.jinja", {"t": thread}))
            for thread in changed
        }
        threads = {root.pk: made.get(root.pk) or kept[root.pk] for root in self.roots}
        if made and seconds:
            cache.set(key, threads, seconds)
        # Made by jinja_markup, safe; kept in the cache as plain strings.
        return [mark_safe(markup) for _, _, markup in threads.values()]  # noqa: S308

    @cached_property
    def closed_reason(self) -> str:
        return comments_closed_reason(self.gallery)

    @cached_property
    def form(self) -> CommentForm | None:
        if self.closed_reason:
            return None
        initial = {"gallery": self.gallery.pk, "item": self.item.pk if self.item else None, "stamp": issue_form_stamp()}
        return CommentForm(user=self.request.user, initial=initial)

    @property
    def premoderated(self) -> bool:
        return self.gallery.comment_mode == self.gallery.CommentMode.PREMODERATED

    @property
    def max_length(self) -> int:
        return settings.LOUPE_COMMENT_MAX_LENGTH
