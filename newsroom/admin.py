import re
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from galleries.audit import record
from galleries.models import Rendition
from galleries.text import TypedTextField
from newsroom.markup import render_comment_body
from newsroom.models import Ban, Comment, CommentReport, WordRule
from newsroom.moderation import (
    CommentRefused,
    approve_comment,
    ban_commenter,
    can_moderate,
    comments_changed,
    lift_ban,
    mark_spam,
    reject_comment,
    remove_comment,
)

# --- Moderation queue ---------------------------------------------------------


class DecisionForm(forms.Form):
    # The reason box above the queue, kept in the audit log and on bans: one line, as both show it.
    decision_reason = TypedTextField(required=False)


def _decision_reason(request) -> str:
    form = DecisionForm(request.POST)
    return form.cleaned_data["decision_reason"] if form.is_valid() else ""


def _thumbnail(photo) -> str:
    if photo is None:
        return ""
    renditions = [r for r in photo.renditions.all() if r.purpose == "responsive" and r.format in ("webp", "jpeg")]
    if not renditions:
        return ""
    smallest = min(renditions, key=lambda r: r.width)
    return format_html('<img src="{}" alt="" width="80" class="comment-queue-thumb">', smallest.preview_url)


def _author_history(status: list[str]):
    # One correlated count per row, so the queue never asks again per comment.
    same_author = (
        Comment.objects.filter(author_email=OuterRef("author_email"), status__in=status)
        .exclude(author_email="")
        .order_by()
        .values("author_email")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(same_author), 0)


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"
    TABS = [
        ("pending", "Pending"),
        ("reported", "Reported"),
        ("spam", "Spam"),
        ("approved", "Approved"),
        ("rejected", "Rejected"),
        ("removed", "Removed"),
    ]

    def lookups(self, request, model_admin):
        return self.TABS

    def value(self):
        return super().value() or "pending"

    def choices(self, changelist):
        for value, label in self.TABS:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == "reported":
            return queryset.reported()
        if value == "pending":
            return queryset.awaiting_moderation()
        return queryset.filter(status=value)


class ModeratorOnly:
    """Moderation models are open to moderators (and superusers), whatever other staff permissions say."""

    def has_module_permission(self, request):
        return can_moderate(request.user)

    def has_view_permission(self, request, obj=None):
        return can_moderate(request.user)

    def has_change_permission(self, request, obj=None):
        return can_moderate(request.user)

    def has_moderate_permission(self, request):
        return can_moderate(request.user)


@admin.register(Comment)
class CommentAdmin(ModeratorOnly, admin.ModelAdmin):
    change_list_template = "admin/newsroom/comment/change_list.html"
    list_display = ["comment", "on", "thread", "author", "policy", "created_at"]
    list_filter = [QueueFilter]
    search_fields = ["body", "author_name", "author_email"]
    list_per_page = 50
    actions = [
        "approve_selected",
        "reject_selected",
        "spam_selected",
        "remove_selected",
        "ban_authors",
    ]
    readonly_fields = [
        "gallery",
        "item",
        "parent",
        "author_name",
        "author_email",
        "user",
        "body",
        "status",
        "policy_reason",
        "created_at",
        "decided_at",
        "decided_by",
        "vote_count",
        "report_count",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        renditions = Prefetch("renditions", Rendition.objects.order_by("width"))
        return (
            super()
            .get_queryset(request)
            .select_related("gallery__cover", "item__photo", "parent", "user")
            .prefetch_related(
                Prefetch("item__photo__renditions", renditions.queryset),
                Prefetch("gallery__cover__renditions", renditions.queryset),
                Prefetch("reports", CommentReport.objects.filter(resolved_at__isnull=True)),
            )
            .annotate(
                author_approved=_author_history([Comment.Status.APPROVED]),
                author_rejected=_author_history([Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.REMOVED]),
            )
            .order_by("-created_at", "-id")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would erase the record of a decision; removal is the moderators' tool.
        return request.user.is_superuser

    # Every field above is read-only: the admin changes comments only through the decisions below, and by
    # deleting them, which takes them (and their replies) off their pages like a decision does.
    def delete_model(self, request, obj):
        with transaction.atomic():
            comments_changed([obj], counted=True)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            comments_changed(list(Comment.objects.filter(pk__in=queryset.values("pk"))), counted=True)
            super().delete_queryset(request, queryset)

    def changelist_view(self, request, extra_context=None):
        counts = dict(
            Comment.objects.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        counts["reported"] = Comment.objects.reported().count()
        selected = request.GET.get("queue", "pending")
        tabs = [
            {"value": value, "label": label, "count": counts.get(value, 0), "selected": value == selected}
            for value, label in QueueFilter.TABS
        ]
        extra_context = {**(extra_context or {}), "queue_tabs": tabs}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description="Comment")
    def comment(self, obj):
        return format_html(
            '<div class="comment-queue-body" data-status="{}">{}</div><small>{} · {} votes</small>',
            obj.status,
            render_comment_body(obj.body),
            obj.get_status_display(),
            obj.vote_count,
        )

    @admin.display(description="On")
    def on(self, obj):
        photo = obj.item.photo if obj.item_id else obj.gallery.cover
        where = f"Photo {obj.item.number}: {obj.item.headline}" if obj.item_id else "the gallery"
        target_url = (
            reverse("galleries:photo", kwargs={"slug": obj.gallery.slug, "pk": obj.item_id})
            if obj.item_id
            else obj.gallery.get_absolute_url()
        )
        return format_html(
            '{}<br><a href="{}">{}</a><br><small>{} · {}</small>',
            _thumbnail(photo),
            target_url,
            obj.gallery.title,
            where,
            obj.gallery.get_status_display(),
        )

    @admin.display(description="Thread")
    def thread(self, obj):
        if obj.parent is None:
            return "Top-level comment"
        return format_html(
            "In reply to <strong><bdi>{}</bdi></strong>:<br><q>{}</q>",
            obj.parent.author_name,
            truncatechars(obj.parent.body, 200),
        )

    @admin.display(description="Author")
    def author(self, obj):
        return format_html(
            # By typed address, which anyone can type: a history, not proof of who wrote this one.
            "<strong><bdi>{}</bdi></strong><br>{}{}"
            "<br><small>{} approved · {} rejected/spam/removed under this address</small>",
            obj.author_name,
            obj.author_email or "no email",
            f" · account {obj.user.get_username()}" if obj.user_id else "",
            obj.author_approved,
            obj.author_rejected,
        )

    @admin.display(description="Why it is here")
    def policy(self, obj):
        reports = [
            f"{report.get_reason_display()}{': ' + report.note if report.note else ''}" for report in obj.reports.all()
        ]
        return format_html(
            "{}{}",
            obj.policy_reason or "—",
            format_html_join("", "<br>Report: <bdi>{}</bdi>", ((text,) for text in reports)),
        )

    def _decide(self, request, queryset, decide, done: str):
        reason = _decision_reason(request)
        count, refused = 0, []
        # The queue tab filters the queryset by state: a selected comment that left it was decided meanwhile.
        selected = set(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        gone = selected - {str(pk) for pk in queryset.values_list("pk", flat=True)}
        for comment in queryset:
            try:
                decide(comment, reason, comment.status)
            except CommentRefused:
                refused.append(comment)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} comment(s) {done}.", messages.SUCCESS)
        if gone or refused:
            self.message_user(
                request,
                f"{len(gone) + len(refused)} of the selected comment(s) were decided by someone else after this "
                "page was shown, and were left as they are.",
                messages.WARNING,
            )

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda c, why, shown: approve_comment(comment=c, by=request.user, note=why, expected_status=shown),
            "approved",
        )

    @admin.action(description="Reject selected comments", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda c, why, shown: reject_comment(
                comment=c, by=request.user, reason=why or "Breaks the comment rules.", expected_status=shown
            ),
            "rejected",
        )

    @admin.action(description="Mark selected comments as spam", permissions=["moderate"])
    def spam_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda c, why, shown: mark_spam(comment=c, by=request.user, reason=why or "Spam", expected_status=shown),
            "marked as spam",
        )

    @admin.action(description="Remove selected comments (after publication)", permissions=["moderate"])
    def remove_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda c, why, shown: remove_comment(
                comment=c, by=request.user, reason=why or "Removed by a moderator.", expected_status=shown
            ),
            "removed",
        )

    @admin.action(description="Ban the authors of selected comments", permissions=["moderate"])
    def ban_authors(self, request, queryset):
        reason = _decision_reason(request)
        days = request.POST.get("ban_days", "").strip()
        if not reason:
            self.message_user(request, "Write the reason for the ban in the reason box.", messages.ERROR)
            return
        if days and not (re.fullmatch(r"[0-9]{1,5}", days) and int(days) > 0):
            self.message_user(
                request, "Ban length must be a whole number of days, or empty for a permanent ban.", messages.ERROR
            )
            return
        until = timezone.now() + timedelta(days=int(days)) if days else None
        try:
            with transaction.atomic():  # all the selected authors, or none
                for comment in queryset:
                    ban_commenter(comment=comment, by=request.user, reason=reason, until=until)
        except CommentRefused as refusal:
            self.message_user(request, f"No one was banned: {refusal}", messages.ERROR)
            return
        length = f"for {days} days" if days else "permanently"
        self.message_user(request, f"Banned the authors of {queryset.count()} comment(s) {length}.", messages.SUCCESS)


class BanForm(forms.ModelForm):
    # Moderators ban a person by what they know of them: a comment they wrote, an address, an account. The
    # hashed network address is never typed; it comes with the comment.
    comment = forms.ModelChoiceField(
        queryset=Comment.objects.all(),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        label="Comment number",
        help_text="Ban whoever wrote this comment (its number is in the moderation queue): their account, e-mail "
        "address and network address.",
        error_messages={"invalid_choice": "There is no comment with that number."},
    )

    class Meta:
        model = Ban
        fields = ["email", "user", "expires_at", "reason"]
        labels = {"email": "Reader's e-mail address", "user": "Reader's account"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "expires_at" in self.fields:
            self.fields[
                "expires_at"
            ].help_text = f"Newsroom time ({timezone.get_current_timezone_name()}). Empty: the ban is permanent."

    def clean(self):
        cleaned = super().clean()
        comment = cleaned.get("comment")
        if comment is not None:
            self.instance.ip_hash = comment.ip_hash
            cleaned["email"] = cleaned.get("email") or comment.author_email
            cleaned["user"] = cleaned.get("user") or comment.user
            self.instance.email, self.instance.user = cleaned["email"], cleaned["user"]
        elif self.instance._state.adding and not (cleaned.get("email") or cleaned.get("user")):
            raise forms.ValidationError("Name the reader to ban: a comment of theirs, an e-mail address or an account.")
        return cleaned

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now() and self.instance._state.adding:
            raise forms.ValidationError("A ban must end in the future; leave empty for a permanent ban.")
        return expires_at


@admin.register(Ban)
class BanAdmin(ModeratorOnly, admin.ModelAdmin):
    form = BanForm
    list_display = ["__str__", "reason", "expires_at", "created_by", "created_at", "is_active"]
    list_filter = ["created_at"]
    search_fields = ["email", "reason"]
    raw_id_fields = ["user"]

    def get_fields(self, request, obj=None):
        return (
            ["email", "user", "expires_at", "reason"] if obj else ["comment", "email", "user", "expires_at", "reason"]
        )

    actions = ["lift_selected"]

    def has_add_permission(self, request):
        return can_moderate(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            record(obj, "commenter.ban_changed", by=request.user, note=obj.reason, data={"fields": form.changed_data})
            return
        # The form has checked what ban_commenter checks, so a new ban goes through the audited decision.
        ban = ban_commenter(
            by=request.user,
            reason=obj.reason,
            comment=form.cleaned_data.get("comment"),
            email=obj.email,
            user=obj.user,
            ip_hash=obj.ip_hash,
            until=obj.expires_at,
        )
        obj.pk, obj.created_by, obj.created_at = ban.pk, ban.created_by, ban.created_at
        obj._state.adding = False

    @admin.action(description="Lift selected bans now", permissions=["moderate"])
    def lift_selected(self, request, queryset):
        for ban in queryset:
            lift_ban(ban=ban, by=request.user)
        self.message_user(request, f"Lifted {queryset.count()} ban(s).", messages.SUCCESS)

    def has_moderate_permission(self, request):
        return can_moderate(request.user)


@admin.register(WordRule)
class WordRuleAdmin(ModeratorOnly, admin.ModelAdmin):
    list_display = ["word", "kind", "created_at"]
    list_editable = ["kind"]
    list_filter = ["kind"]
    search_fields = ["word"]
    fields = ["word", "kind"]

    def has_add_permission(self, request):
        return can_moderate(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_moderate(request.user)
