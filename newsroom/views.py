"""Readers' side of comments: post, reply, report, upvote, read whole threads."""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from galleries.models import Gallery
from galleries.origins import same_origin_post
from galleries.ratelimit import client_ip, hash_ip
from newsroom import trust
from newsroom.forms import CommentForm, ReportForm
from newsroom.locations import comment_location, with_notice
from newsroom.models import REPLIES_PER_FETCH, Comment, CommentReport
from newsroom.moderation import (
    CommentRefused,
    comments_closed_reason,
    is_rate_limited,
    issue_form_stamp,
    post_comment,
    report_comment,
    unsubscribe_commenter,
    vote_for_comment,
)
from newsroom.readers import reader_key, remember_reader

OUTCOME_MESSAGES = {
    Comment.Status.APPROVED: (messages.SUCCESS, "Your comment is published."),
    Comment.Status.PENDING: (
        messages.INFO,
        "Thanks. Your comment is waiting for review by a moderator and will appear once it is approved.",
    ),
    Comment.Status.REJECTED: (messages.ERROR, "Your comment was not published: it breaks our comment rules."),
    Comment.Status.SPAM: (messages.ERROR, "Your comment was not published: it looked like spam."),
}


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "newsroom/comment_rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _visible_comment(pk: int) -> Comment:
    return get_object_or_404(Comment.objects.visible().select_related("gallery", "item"), pk=pk)


@same_origin_post  # The forms sit on pages that CDNs keep, so they carry no CSRF token.
@require_POST
def post(request: HttpRequest) -> HttpResponse:
    form = CommentForm(request.POST, user=request.user)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    gallery = get_object_or_404(Gallery.objects.published(), pk=data["gallery"])
    item = get_object_or_404(gallery.items, pk=data["item"]) if data.get("item") else None
    parent = (
        get_object_or_404(Comment.objects.visible(), pk=data["parent"], gallery=gallery) if data["parent"] else None
    )
    ip_hash = hash_ip(client_ip(request))
    if is_rate_limited(ip_hash=ip_hash, user=request.user):
        return _too_many(request)
    try:
        comment = post_comment(
            gallery=gallery,
            item=item,
            parent=parent,
            body=data["body"],
            user=request.user,
            author_name=data.get("author_name", ""),
            author_email=data.get("author_email", ""),
            ip_hash=ip_hash,
            honeypot=data["website"],
            form_stamp=data["stamp"],
            notify=data["notify"],
            reader_proof=request.COOKIES.get(trust.COOKIE, ""),
        )
    except CommentRefused as refusal:
        form.add_error(None, str(refusal))
        return _form_page(request, form, status=400)
    level, text = OUTCOME_MESSAGES[comment.status]
    messages.add_message(request, level, text)
    if comment.status == Comment.Status.APPROVED:
        response = redirect(with_notice(comment_location(comment)))
    else:
        response = redirect(with_notice(f"{(item or gallery).get_absolute_url()}#comments"))
    if comment.user_id is None:
        # Once a moderator approves it, this comment is what lets the reader's next ones skip the queue.
        trust.remember_comment(response, proof=request.COOKIES.get(trust.COOKIE, ""), comment=comment)
    return response


def _form_page(request: HttpRequest, form: CommentForm, *, status: int) -> HttpResponse:
    # A failed post shows the reader's words again with the reasons, and a fresh stamp so they can retry.
    data = form.data.copy()
    data["stamp"] = issue_form_stamp()
    form.data = data
    parent_id = data.get("parent", "")
    is_id = parent_id.isascii() and parent_id.isdigit()
    parent = Comment.objects.visible().filter(pk=parent_id).first() if is_id else None
    context = {"form": form, "parent": parent, "comment_max_length": settings.LOUPE_COMMENT_MAX_LENGTH}
    return render(request, "newsroom/comment_form.html", context, status=status)


@require_GET
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The form to answer a comment: a page of its own, or (`?fragment=form`) the form alone, opened in place."""
    parent = _visible_comment(pk)
    closed = comments_closed_reason(parent.gallery)
    inline = request.GET.get("fragment") == "form"
    form = None
    if not closed:
        form = CommentForm(
            user=request.user,
            initial={
                "gallery": parent.gallery_id,
                "item": parent.item_id,
                "parent": parent.pk,
                "stamp": issue_form_stamp(),
            },
            # The form opens inside a page that has its own comment form: its ids must differ.
            auto_id=f"reply-{parent.pk}-%s" if inline else "id_%s",
        )
    context = {"form": form, "parent": parent, "closed_reason": closed, **_form_settings(parent.gallery)}
    template = "newsroom/comment_form.html#reply-form" if inline else "newsroom/comment_form.html"
    return render(request, template, context)


def _form_settings(gallery: Gallery) -> dict:
    return {
        "premoderated": gallery.comment_mode == Gallery.CommentMode.PREMODERATED,
        "comment_max_length": settings.LOUPE_COMMENT_MAX_LENGTH,
    }


@same_origin_post  # The forms sit on pages that CDNs keep, so they carry no CSRF token.
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(pk)
    context = {"comment": comment, "reasons": CommentReport.Reason.choices}
    if request.method == "GET":
        return render(request, "newsroom/comment_report.html", context)
    ip_hash = hash_ip(client_ip(request))
    if is_rate_limited(ip_hash=ip_hash, user=request.user, action="report"):
        return _too_many(request)
    key, new_cookie = reader_key(request)
    form = ReportForm(request.POST)
    form.is_valid()  # every field is optional: report_comment() refuses what is missing
    data = form.cleaned_data
    try:
        report_comment(
            comment=comment,
            reason=data["reason"],
            note=data["note"],
            reporter_key=key,
            user=request.user,
            ip_hash=ip_hash,
        )
    except CommentRefused as refusal:
        context.update(error=str(refusal), note=data["note"])
        return render(request, "newsroom/comment_report.html", context, status=400)
    messages.success(request, "Thank you. Moderators will review your report.")
    return remember_reader(redirect(with_notice(f"{comment.target.get_absolute_url()}#comments")), new_cookie)


@same_origin_post  # The forms sit on pages that CDNs keep, so they carry no CSRF token.
@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(pk)
    ip_hash = hash_ip(client_ip(request))
    if is_rate_limited(ip_hash=ip_hash, user=request.user, action="vote"):
        return _too_many(request)
    key, new_cookie = reader_key(request)
    if vote_for_comment(comment=comment, voter_key=key, ip_hash=ip_hash):
        messages.success(request, "Thanks for your vote.")
    else:
        messages.info(request, "You have already voted for this comment.")
    return remember_reader(redirect(with_notice(comment_location(comment))), new_cookie)


@require_GET
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    """A whole thread on its own page: where "load more replies" leads without JavaScript."""
    root = _visible_comment(pk)
    if root.root_id:
        return redirect("comments:thread", pk=root.root_id)
    page = Paginator(Comment.objects.visible().replies_to(root), 200).get_page(request.GET.get("page"))
    return render(request, "newsroom/comment_thread.html", {"root": root, "replies": page.object_list, "page": page})


@require_GET
def replies(request: HttpRequest, pk: int) -> HttpResponse:
    """The next replies of a thread as an HTML fragment, for the "load more replies" button."""
    root = _visible_comment(pk)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    batch = list(Comment.objects.visible().replies_to(root, after=after)[: REPLIES_PER_FETCH + 1])
    more = len(batch) > REPLIES_PER_FETCH
    batch = batch[:REPLIES_PER_FETCH]
    context = {"root": root, "replies": batch, "more": more, "last_id": batch[-1].pk if batch else after}
    return render(request, "newsroom/replies.jinja", context, using="jinja2")


@require_GET
def permalink(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(comment_location(_visible_comment(pk)))


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    # Mail scanners follow links; only the button on this page unsubscribes.
    try:
        raw = signing.loads(token, salt="loupe.comments.unsubscribe")
    except signing.BadSignature:
        raise Http404("This unsubscribe link is not valid.") from None
    comment = Comment.objects.filter(unsubscribe_token=raw).first()
    if comment is None:
        raise Http404("This unsubscribe link is not valid.")
    done = False
    if request.method == "POST":
        unsubscribe_commenter(comment=comment)
        done = True
    return render(request, "newsroom/comment_unsubscribe.html", {"done": done})
