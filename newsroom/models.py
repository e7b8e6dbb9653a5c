import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from galleries.models import Gallery, TypedText


def new_unsubscribe_token() -> str:
    return secrets.token_urlsafe(24)


class CommentQuerySet(models.QuerySet):
    def visible(self, *, on=None) -> Self:
        """What readers may see; the one road public code takes to comments.

        `on` narrows it to one gallery whose instance the caller holds: whether that gallery is public
        is then read from the instance rather than from a subquery in every query.
        """
        approved = self.filter(status=Comment.Status.APPROVED)
        if on is None:
            return approved.filter(gallery__in=Gallery.objects.published())
        return approved.filter(gallery=on) if on.is_public else self.none()

    def awaiting_moderation(self) -> Self:
        return self.filter(status=Comment.Status.PENDING)

    def reported(self) -> Self:
        return self.filter(report_count__gt=0, status__in=[Comment.Status.PENDING, Comment.Status.APPROVED])

    def on(self, *, gallery, item=None) -> Self:
        return self.filter(gallery=gallery, item=item)

    def for_thread_display(self) -> Self:
        # Everything a thread shows lives on the comment row, but for the name a reply answers.
        return self.annotate(parent_name=F("parent__author_name")).only(
            "id",
            "gallery_id",
            "item_id",
            "parent_id",
            "root_id",
            "depth",
            "author_name",
            "body",
            "created_at",
            "vote_count",
            "status",
        )


class Comment(models.Model):
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
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    policy_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vote_count = models.PositiveIntegerField(default=0)
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


class CommentReport(models.Model):
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
