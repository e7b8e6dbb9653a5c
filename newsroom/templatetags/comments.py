"""The comment section of any page that shows a gallery or a photo: `{% load comments %}{% comment_section gallery %}`.

Pages of the galleries app render comments through these tags, so that app needs no import of this one.
"""

from django import template
from django.utils.safestring import SafeString

from galleries.pagecache import comments_fragment, fragment_seconds, fragment_version
from galleries.templatetags.loupe import jinja_markup
from newsroom.markup import render_comment_body
from newsroom.sections import CommentCounts, CommentSection

register = template.Library()

register.filter("comment_body", render_comment_body)


@register.simple_tag
def get_comment_counts(gallery) -> CommentCounts:
    """`{% get_comment_counts gallery as comment_counts %}`: counted when first printed, once for the page.

    Fragments that print the photos' counts vary on `comment_counts.photos_version`, which changes with them.
    """
    return CommentCounts(gallery)


@register.filter
def count_for(counts: CommentCounts, item) -> int:
    """`comment_counts|count_for:item`: the visible comments on one photo."""
    return counts.of(item)


@register.simple_tag
def comment_article(comment) -> SafeString:
    return jinja_markup("newsroom/comment.jinja", {"c": comment})


@register.simple_tag
def comment_replies(root, replies, more, last_id) -> SafeString:
    return jinja_markup("newsroom/replies.jinja", {"root": root, "replies": replies, "more": more, "last_id": last_id})


@register.inclusion_tag("newsroom/includes/comments.html", takes_context=True)
def comment_section(context: template.Context, gallery, item=None) -> dict:
    """The comments on `gallery` (or one of its items) with the form to add one.

    The heading and the page of threads are one fragment cached under the gallery's comment version, which every
    change to its comments bumps; inside it each thread is kept under a version of its own
    (CommentSection.thread_markup), so a change renders again only the threads it touched. The form is a fragment
    too, for readers who are not signed in: the same for all of them while comments stay open (or closed for the
    same reason), its stamp shared by them all as on the cached page.
    """
    request = context["request"]
    counts = context.get("comment_counts")
    if not isinstance(counts, CommentCounts) or counts.gallery != gallery:
        counts = CommentCounts(gallery)
    seconds = fragment_seconds(request)
    return {
        "section": CommentSection(request, gallery=gallery, item=item, counts=counts),
        "comments_version": fragment_version(comments_fragment(gallery.pk)),
        "fragment_seconds": seconds,
        "form_seconds": 0 if request.user.is_authenticated else seconds,
        "messages": context.get("messages"),
        "request": request,
        "user": request.user,
    }
