import dataclasses
import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, F, Q, When, Window
from django.db.models.functions import Coalesce, Lower, RowNumber
from django.urls import reverse
from django.utils import timezone

from galleries.models import published_rule, shown_rule
from galleries.text import TypedText


def new_unsubscribe_token() -> str:
    return secrets.token_urlsafe(24)


# How many top-level comments a page shows, how many replies each thread shows at first, and how many more
# "load more replies" fetches at a time.
ROOTS_PER_PAGE = 20
REPLIES_SHOWN = 3
REPLIES_PER_FETCH = 20
# The orders readers can pick for top-level comments, in the order the page offers them; the first is the default.
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "top": ("-vote_count", "-created_at", "-id"),
}


def photo_comments_fragment(gallery_id: int) -> str:
    """The name of the version of the comment counts a gallery's page shows under each of its photos."""
    return f"photo-comments:{gallery_id}"


@dataclasses.dataclass
class Thread:
    """A top-level comment with the first of its visible replies."""

    root: "Comment"
    replies: list["Comment"] = dataclasses.field(default_factory=list)
    reply_count: int = 0

    @property
    def more_replies(self) -> int:
        return self.reply_count - len(self.replies)

    @property
    def last_reply_id(self) -> int:
        return self.replies[-1].pk if self.replies else 0


def visible_rule(through: str = "") -> Q:
    """The rule of CommentQuerySet.visible(): approved, on a published gallery, and on the gallery itself or on
    one of its items still shown (a photo taken down with its items hidden takes their comments with it); as a
    condition on the comment reached through `through` ("parent__" from a reply)."""
    return (
        Q(**{f"{through}status": Comment.Status.APPROVED})
        & published_rule(f"{through}gallery__")
        & (Q(**{f"{through}item__isnull": True}) | shown_rule(f"{through}item__"))
    )


# What a comment in a thread shows, and what places it in its thread.
THREAD_COLUMNS = (
    "id",
    "parent_id",
    "root_id",
    "depth",
    "author_name",
    "body",
    "created_at",
    "vote_count",
)


class CommentQuerySet(models.QuerySet):
    def visible(self, *, on=None) -> Self:
        """What readers may see; the one road public code takes to comments. `on` narrows it to one gallery."""
        visible = self.filter(visible_rule())
        return visible if on is None else visible.filter(gallery=on)

    def awaiting_moderation(self) -> Self:
        return self.filter(status=Comment.Status.PENDING)

    def reported(self) -> Self:
        return self.filter(report_count__gt=0, status__in=[Comment.Status.PENDING, Comment.Status.APPROVED])

    def on(self, *, gallery, item=None) -> Self:
        return self.filter(gallery=gallery, item=item)

    def for_thread_display(self) -> Self:
        """The columns a thread shows, and the name a reply answers (`parent_name`), only while that comment is
        visible too: the rule of visible(), through a join to the parent."""
        answered = Case(When(visible_rule("parent__"), then=F("parent__author_name")))
        return self.annotate(parent_name=answered).only(*THREAD_COLUMNS)

    def counts_by_item(self) -> dict[int | None, tuple[int, int]]:
        """(comments, top-level comments) by item id, None for the gallery's own thread, in one query."""
        rows = (
            self.order_by()
            .values("item_id")
            .annotate(total=Count("pk"), roots=Count("pk", filter=Q(parent__isnull=True)))
            .values_list("item_id", "total", "roots")
        )
        return {item_id: (total, roots) for item_id, total, roots in rows}

    def roots_for(
        self, *, gallery, item=None, sort: str = "newest", offset: int = 0, limit: int = ROOTS_PER_PAGE
    ) -> Self:
        """One page of the top-level comments on a gallery (or one of its items), with their `thread_version`;
        they answer nobody, so they carry no `parent_name`."""
        roots = self.on(gallery=gallery, item=item).filter(parent__isnull=True).only(*THREAD_COLUMNS, "thread_version")
        return roots.order_by(*SORTS[sort])[offset : offset + limit]

    def threads_of(self, roots: list["Comment"]) -> list[Thread]:
        """Each of `roots` as a thread with its first replies, in one query, or none without roots.

        The replies of every thread come in one query: a window numbers each thread's replies.
        """
        threads = {root.pk: Thread(root=root) for root in roots}
        if not threads:
            return []
        for reply in self.first_replies(roots=list(threads), limit=REPLIES_SHOWN):
            thread = threads[reply.root_id]
            thread.replies.append(reply)
            thread.reply_count = reply.thread_size
        return list(threads.values())

    def change_threads(self) -> int:
        """Move on the `thread_version` of the threads these comments belong to: what each thread shows has
        changed, so none of its cached copies may be shown again. Call it in the transaction of the change."""
        roots = self.order_by().values(thread=Coalesce("root_id", "pk"))
        return Comment.objects.filter(pk__in=roots).update(thread_version=F("thread_version") + 1)

    def first_replies(self, *, roots: list[int], limit: int) -> Self:
        """The first `limit` replies of each of the threads `roots`, oldest first, in one query; each knows how
        many replies its thread has (`thread_size`). A window numbers each thread's replies."""
        by_thread = {"partition_by": F("root_id")}
        return (
            self.filter(root_id__in=roots)
            .for_thread_display()
            .annotate(
                position=Window(RowNumber(), order_by=F("id").asc(), **by_thread),
                thread_size=Window(Count("pk"), **by_thread),
            )
            .filter(position__lte=limit)
            .order_by("root_id", "id")
        )

    def replies_to(self, root: "Comment", *, after: int = 0) -> Self:
        """The replies of a thread after the one numbered `after`, oldest first."""
        return self.filter(root=root, pk__gt=after).for_thread_display().order_by("id")


class Comment(TypedText):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    gallery = models.ForeignKey("galleries.Gallery", on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey("galleries.Item", null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="thread_replies",
        help_text="The top-level comment of this thread; empty for top-level comments.",
    )
    depth = models.PositiveSmallIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author_name = models.CharField(max_length=80)
    author_email = models.EmailField(blank=True, db_index=True, help_text="Never shown to readers.")
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    fingerprint = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="The reader, the place and the words, within an hour: the same post sent twice is stored once.",
    )
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    policy_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vote_count = models.PositiveIntegerField(default=0)
    # A database default too, so the release before this one can still store comments while both run.
    thread_version = models.PositiveIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="On a top-level comment: moves on whenever anything its thread shows changes (a reply published or "
        "hidden, a vote, an erasure), so a cached copy of the thread is kept under the version it shows.",
    )
    report_count = models.PositiveIntegerField(default=0, help_text="Open reports, not yet reviewed.")
    notify_on_reply = models.BooleanField(
        default=False, help_text="Email the author when the comment is published or answered."
    )
    unsubscribe_token = models.CharField(max_length=64, default=new_unsubscribe_token, db_index=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("moderate_comments", "Can moderate reader comments")]
        indexes = [
            models.Index(fields=["gallery", "item", "status", "parent"], name="comment_thread_roots"),
            models.Index(fields=["root", "status", "id"], name="comment_thread_replies"),
            # Moderation decisions per day, on the admin home, read from the index alone.
            models.Index(fields=["decided_at", "status"], name="comment_decisions"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, root__isnull=True, depth=0)
                | Q(parent__isnull=False, root__isnull=False, depth__gte=1),
                name="comment_depth_matches_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("comments:permalink", kwargs={"pk": self.pk})

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @property
    def target(self):
        return self.item if self.item_id else self.gallery


class CommentReport(TypedText):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        ENDANGERS = "endangers", "Identifies or endangers a person in the photo"
        GRAPHIC = "graphic", "Graphic content"
        MISINFORMATION = "misinformation", "Misinformation or misattributed photo"
        OTHER = "other", "Other"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=16, choices=Reason)
    note = models.TextField(blank=True, max_length=1000)
    reporter_key = models.CharField(max_length=64, help_text="A hash of the reader's account or cookie.")
    ip_hash = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter_key"], name="comment_report_once_per_reader"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on comment {self.comment_id}"


class CommentVote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64, help_text="A hash of the reader's account or cookie.")
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter_key"], name="comment_vote_once_per_reader"),
        ]

    def __str__(self) -> str:
        return f"Vote for comment {self.comment_id}"


class BanQuerySet(models.QuerySet):
    def active(self, *, now=None) -> Self:
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def matching(self, *, email: str = "", user=None, ip_hash: str = "") -> Self:
        match = Q(pk__in=[])
        if email:
            match |= Q(email__iexact=email)
        if user is not None and user.is_authenticated:
            match |= Q(user=user)
        if ip_hash:
            match |= Q(ip_hash=ip_hash)
        return self.filter(match)


class Ban(TypedText):
    email = models.EmailField(blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="comment_bans"
    )
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the ban is permanent.")
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | Q(user__isnull=False) | ~Q(ip_hash=""),
                name="ban_names_someone",
            ),
        ]

    def __str__(self) -> str:
        who = self.email or (f"user {self.user_id}" if self.user_id else f"IP {self.ip_hash[:8]}…")
        until = f"until {self.expires_at:%Y-%m-%d %H:%M}" if self.expires_at else "permanently"
        return f"{who}, {until}"

    @property
    def is_active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()


class WordRule(TypedText):
    class Kind(models.TextChoices):
        BANNED = "banned", "Banned: reject the comment"
        SUSPECT = "suspect", "Suspect: hold for review"

    word = models.CharField(max_length=100, help_text="A whole word or phrase; case does not matter.")
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.SUSPECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["word"]
        constraints = [models.UniqueConstraint(Lower("word"), name="word_rule_unique_word")]

    def __str__(self) -> str:
        return f"{self.word} ({self.get_kind_display()})"
