"""Comment sections as the public pages show them."""

import hashlib
import re
import secrets
from dataclasses import dataclass, field

import nh3
from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

from galleries.text import TypedTextField
from newsroom.models import Comment
from newsroom.moderation import comments_closed_reason, issue_form_stamp

ROOTS_PER_PAGE = 20
REPLIES_SHOWN = 3
REPLIES_PER_FETCH = 20
READER_COOKIE = "loupe_reader"
# Orders of the top-level comments, as SQL for the queries below.
SORTS = {
    "newest": "created_at DESC, id DESC",
    "top": "vote_count DESC, created_at DESC, id DESC",
}


# Everything urlize could turn into a link (a scheme, www., an address, a bare domain), and what only nh3
# handles as it should; text with none of these is escaped and given paragraphs without either.
_MAYBE_LINK = re.compile(r"://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)\b", re.IGNORECASE)
_NEEDS_CLEANING = re.compile(r"[\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # linebreaks takes care of \r


def render_comment_body(text: str) -> SafeString:
    """A reader's plain text as HTML: escaped, paragraphs kept, bare URLs turned into links nobody vouches for."""
    if not _MAYBE_LINK.search(text) and not _NEEDS_CLEANING.search(text):
        return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 -- escaped by linebreaks
    linked = urlize(text, trim_url_limit=60, nofollow=True, autoescape=True)
    html = linebreaks(linked, autoescape=False)
    # urlize escaped the text; nh3 makes sure nothing but these tags survives and sets rel on every link.
    cleaned = nh3.clean(
        html,
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="nofollow ugc noopener",
    )
    return mark_safe(cleaned)  # noqa: S308 -- nh3 has just cleaned it


def _shown_time(moment) -> str:
    # As dateformat.format(moment, "j M Y, H:i") writes it, in a third of the time: every comment shows one.
    return f"{moment.day} {MONTHS_3[moment.month].title()} {moment.year:04d}, {moment.hour:02d}:{moment.minute:02d}"


def render_comment_article(comment: Comment) -> SafeString:
    """One comment as every comment list shows it: the `comment` partial of comment_thread.html.

    Written here rather than in the template, which takes a quarter of a millisecond for each comment.
    """
    permalink = escape(comment.get_absolute_url())
    author = escape(comment.author_name)
    created = timezone.localtime(comment.created_at)
    in_reply_to = ""
    if comment.depth > 1:
        parent_name = escape(getattr(comment, "parent_name", "") or "")
        in_reply_to = (
            f'\n<a class="comment-in-reply-to" href="#comment-{comment.parent_id}">'
            f"in reply to <bdi>{parent_name}</bdi></a>"
        )
    return mark_safe(  # noqa: S308 -- every value escaped or rendered safe
        f'<article class="comment comment-depth-{comment.depth}" id="comment-{comment.pk}">\n'
        f'<header class="comment-meta">\n<bdi class="comment-author">{author}</bdi>{in_reply_to}\n'
        f'<a class="comment-permalink" href="{permalink}"><time datetime="{created.strftime("%Y-%m-%dT%H:%M:%S%z")}">'
        f"{_shown_time(created)}</time></a>\n</header>\n"
        f'<div class="comment-body">{render_comment_body(comment.body)}</div>\n'
        f'<footer class="comment-actions">\n<form method="post" action="{permalink}vote/" class="comment-vote">'
        f'<button type="submit">Upvote<span class="visually-hidden"> comment by {author}</span> '
        f'<span class="comment-votes">{comment.vote_count}</span></button></form>\n'
        f'<a href="{permalink}reply/">Reply<span class="visually-hidden"> to {author}</span></a>\n'
        f'<a href="{permalink}report/">Report<span class="visually-hidden"> comment by {author}</span></a>\n'
        "</footer>\n</article>"
    )


def reader_key(request: HttpRequest) -> tuple[str, str]:
    """A stable, anonymous key for this reader (account or cookie), and the cookie to set if it is new."""
    if request.user.is_authenticated:
        raw, new_cookie = f"user:{request.user.pk}", ""
    else:
        cookie = request.COOKIES.get(READER_COOKIE, "")
        if len(cookie) < 20:
            cookie = new_cookie = secrets.token_urlsafe(24)
        else:
            new_cookie = ""
        raw = f"cookie:{cookie}"
    return hashlib.sha256(f"{settings.LOUPE_IP_SALT}:{raw}".encode()).hexdigest()[:40], new_cookie


def remember_reader(response: HttpResponse, new_cookie: str) -> HttpResponse:
    if new_cookie:
        response.set_cookie(
            READER_COOKIE, new_cookie, max_age=365 * 24 * 3600, httponly=True, samesite="Lax", secure=not settings.DEBUG
        )
    return response


def _attributes(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False drops an attribute, True leaves it bare.
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _widget_html(field: forms.BoundField) -> str:
    widget = field.field.widget
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    name, value, attributes = escape(context["name"]), context["value"], _attributes(context["attrs"])
    if isinstance(widget, forms.Textarea):
        return f'<textarea name="{name}"{attributes}>\n{escape(value) if value else ""}</textarea>'
    value = "" if value is None else f' value="{escape(value)}"'
    return f'<input type="{context["type"]}" name="{name}"{value}{attributes}>'


def _label_html(field: forms.BoundField) -> str:
    label = escape(field.label)
    suffix = field.field.label_suffix if field.field.label_suffix is not None else field.form.label_suffix
    if suffix and label and label[-1] not in ":?.!":
        label += escape(suffix)
    return f'<label for="{field.id_for_label}">{label}</label>' if field.auto_id else label


def _field_group_html(field: forms.BoundField) -> str:
    help_text = (
        f'<div class="helptext" id="{field.auto_id}_helptext">{field.help_text}</div>' if field.help_text else ""
    )
    errors = field.errors
    errors = (
        f'<ul class="{errors.error_class}" id="{field.auto_id}_error">'
        + "".join(f"<li>{escape(error)}</li>" for error in errors)
        + "</ul>"
        if errors
        else ""
    )
    return f"{_label_html(field)}\n\n{help_text}\n{errors}\n{_widget_html(field)}"


_NEW_FORM_HTML: dict[tuple, dict[str, SafeString]] = {}


class CommentForm(forms.Form):
    body = TypedTextField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Plain text; web addresses become links.",
    )
    author_name = TypedTextField(label="Name", max_length=80, required=False, help_text="Shown with your comment.")
    # 254, the longest address mail can deliver to, and the length of the column.
    author_email = forms.EmailField(label="Email", max_length=254, required=False, help_text="Never shown.")
    notify = forms.BooleanField(label="Email me when my comment is published or gets a reply", required=False)
    # Hidden from people by CSS and labelled for screen readers; bots fill it in.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)
    gallery = forms.IntegerField(widget=forms.HiddenInput)
    item = forms.IntegerField(widget=forms.HiddenInput, required=False)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.is_authenticated:
            del self.fields["author_name"], self.fields["author_email"]

    def html(self) -> dict[str, SafeString]:
        """The form's fields as HTML, as Django's field and widget templates write them.

        The form is on every gallery and photo page; Django's templates take two
        milliseconds to write it, these functions a tenth of that. A test holds
        the two to the same markup.
        """
        fields = {name: self[name] for name in self.fields}
        hidden = [name for name, field in fields.items() if field.is_hidden]
        html = {"hidden": mark_safe("".join(_widget_html(fields[name]) for name in hidden))}  # noqa: S308 -- escaped
        if self.is_bound or self.initial.keys() - set(hidden):
            return html | self._visible_html(fields)
        # A new form shows the same empty fields to every reader on every page: written once per process.
        key = (self.prefix, self.auto_id, tuple(fields))
        if key not in _NEW_FORM_HTML:
            _NEW_FORM_HTML[key] = self._visible_html(fields)
        return html | _NEW_FORM_HTML[key]

    def _visible_html(self, fields: dict[str, forms.BoundField]) -> dict[str, SafeString]:
        html = {}
        for name in ("body", "author_name", "author_email"):
            if name in fields:
                html[name] = _field_group_html(fields[name])
        for name in ("website", "notify"):
            html[f"{name}_label"] = _label_html(fields[name])
            html[f"{name}_widget"] = _widget_html(fields[name])
        return {name: mark_safe(part) for name, part in html.items()}  # noqa: S308 -- every value escaped above

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        limit = settings.LOUPE_COMMENT_MAX_LENGTH
        if len(body) > limit:
            raise forms.ValidationError(f"Comments can be at most {limit} characters; yours has {len(body)}.")
        return body

    def clean(self):
        cleaned = super().clean()
        if self.user is None or not self.user.is_authenticated:
            if not cleaned.get("author_name"):
                self.add_error("author_name", "Give the name to show with your comment.")
            if not cleaned.get("author_email") and "author_email" not in self.errors:
                self.add_error("author_email", "Give your email address; it is never shown.")
        return cleaned


class ReportForm(forms.Form):
    # Both optional here: report_comment() says what is missing, in the words the report page shows.
    reason = forms.CharField(required=False)
    note = TypedTextField(required=False, widget=forms.Textarea)


@dataclass
class Thread:
    root: Comment
    replies: list[Comment] = field(default_factory=list)
    reply_count: int = 0

    @property
    def more_replies(self) -> int:
        return self.reply_count - len(self.replies)

    @property
    def last_reply_id(self) -> int:
        return self.replies[-1].pk if self.replies else 0


def render_reply_list(root: Comment, replies: list[Comment], *, more: int | bool, last_id: int) -> SafeString:
    """The `reply-list` partial of comment_thread.html: replies, then the way to the rest when there are more."""
    parts = [render_comment_article(reply) for reply in replies]
    if more:
        thread_url = escape(reverse("comments:thread", kwargs={"pk": root.pk}))
        replies_url = escape(reverse("comments:replies", kwargs={"pk": root.pk}))
        count = "" if more is True else f" ({more})"
        parts.append(
            f'<p class="comment-load-more"><a href="{thread_url}" data-replies-url="{replies_url}?after={last_id}">'
            f"Load more replies{count}</a></p>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 -- every value escaped or rendered safe


def render_thread(thread: Thread) -> SafeString:
    """One thread of a comment section; in Python, as its comments are, to spare the template two includes each."""
    replies = render_reply_list(thread.root, thread.replies, more=thread.more_replies, last_id=thread.last_reply_id)
    return mark_safe(  # noqa: S308 -- rendered safe above
        f'<li class="comment-thread">\n{render_comment_article(thread.root)}\n'
        f'<div class="comment-replies">\n{replies}\n</div>\n</li>'
    )


def replies_after(root: Comment, *, after: int = 0, limit: int | None = REPLIES_PER_FETCH) -> list[Comment]:
    replies = Comment.objects.visible().filter(root=root, pk__gt=after).for_thread_display().order_by("id")
    return list(replies[:limit] if limit else replies)


# The comment section's three reads, in SQL: the ORM takes about three milliseconds, a fifth of a gallery
# page, to build and compile them, and the database a tenth of that to run them. They read what
# Comment.objects.visible(on=gallery) reads, approved comments of a gallery the caller holds as public;
# tests hold the two to the same comments.
_COUNTS_SQL = """
SELECT item_id, COUNT(*), COUNT(CASE WHEN parent_id IS NULL THEN 1 END)
  FROM newsroom_comment
 WHERE gallery_id = %s AND status = %s
 GROUP BY item_id
"""
# Both load the columns for_thread_display() loads.
_ROOTS_SQL = """
SELECT id, gallery_id, item_id, parent_id, root_id, depth, author_name, body, created_at, vote_count, status
  FROM newsroom_comment
 WHERE gallery_id = %s AND {item} AND status = %s AND parent_id IS NULL
 ORDER BY {order}
 LIMIT %s OFFSET %s
"""
# A window numbers each thread's replies, so one statement takes the first few of every thread on the page.
_REPLIES_SQL = """
SELECT * FROM (
    SELECT c.id, c.gallery_id, c.item_id, c.parent_id, c.root_id, c.depth, c.author_name, c.body, c.created_at,
           c.vote_count, c.status, p.author_name AS parent_name,
           ROW_NUMBER() OVER (PARTITION BY c.root_id ORDER BY c.id) AS position,
           COUNT(*) OVER (PARTITION BY c.root_id) AS thread_size
      FROM newsroom_comment c LEFT OUTER JOIN newsroom_comment p ON p.id = c.parent_id
     WHERE c.gallery_id = %s AND c.status = %s AND c.root_id IN ({roots})
) replies
 WHERE position <= %s
 ORDER BY root_id, id
"""


def _section_counts(gallery) -> dict[int | None, tuple[int, int]]:
    """(comments, top-level comments) visible on the gallery (key None) and on each of its items."""
    if not gallery.is_public:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL, [gallery.pk, Comment.Status.APPROVED])
        return {item_id: (total, roots) for item_id, total, roots in cursor.fetchall()}


def _root_comments(*, gallery, item, sort: str, offset: int) -> list[Comment]:
    sql = _ROOTS_SQL.format(item="item_id IS NULL" if item is None else "item_id = %s", order=SORTS[sort])
    params = [gallery.pk, *([] if item is None else [item.pk]), Comment.Status.APPROVED, ROOTS_PER_PAGE, offset]
    return list(Comment.objects.raw(sql, params))


def _first_replies(*, gallery, root_ids: list[int]) -> list[Comment]:
    sql = _REPLIES_SQL.format(roots=", ".join(["%s"] * len(root_ids)))
    return list(Comment.objects.raw(sql, [gallery.pk, Comment.Status.APPROVED, *root_ids, REPLIES_SHOWN]))


def comment_context(request: HttpRequest, *, gallery, item=None) -> dict:
    """Everything the comment section of a gallery or photo page needs, loaded in a fixed number of queries.

    Three queries whatever the size of the conversation: the counts for the
    gallery and each of its items, one page of top-level comments, and the
    first replies of those threads (a window function picks them); one when
    there is no conversation yet.
    """
    sort = request.GET.get("csort") if request.GET.get("csort") in SORTS else "newest"
    counts = _section_counts(gallery)
    total, roots = counts.get(item.pk if item else None, (0, 0))
    # The count comes from the counts query, so the paginator asks no more of the database than one page.
    page = Paginator(range(roots), ROOTS_PER_PAGE).get_page(request.GET.get("cpage"))
    # Nothing to show: the counts have said so, and a page of threads would cost a query.
    page.object_list = (
        _root_comments(gallery=gallery, item=item, sort=sort, offset=page.start_index() - 1) if roots else []
    )
    threads = {root.pk: Thread(root=root) for root in page.object_list}
    if threads:
        for reply in _first_replies(gallery=gallery, root_ids=list(threads)):
            thread = threads[reply.root_id]
            thread.replies.append(reply)
            thread.reply_count = reply.thread_size
    closed_reason = comments_closed_reason(gallery)
    form = None
    if not closed_reason:
        form = CommentForm(
            user=request.user,
            initial={"gallery": gallery.pk, "item": item.pk if item else None, "stamp": issue_form_stamp()},
        )
    return {
        "comment_target": item or gallery,
        "comment_gallery": gallery,
        "comment_item": item,
        "comment_threads": list(threads.values()),
        "comment_page": page,
        "comment_sort": sort,
        "comment_sorts": list(SORTS),
        "comment_count": total,
        "comment_count_all": sum(n for n, _ in counts.values()),
        "comment_counts_by_item": {key: n for key, (n, _) in counts.items() if key is not None},
        "comment_form": form,
        "comments_closed_reason": closed_reason,
        "comment_premoderated": gallery.comment_mode == gallery.CommentMode.PREMODERATED,
        "comment_max_length": settings.LOUPE_COMMENT_MAX_LENGTH,
    }


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
