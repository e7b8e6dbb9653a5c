from django import template
from django.utils.safestring import SafeString

from newsroom.comments import render_comment_article, render_comment_body, render_reply_list, render_thread

register = template.Library()


@register.filter
def comment_body(text: str) -> SafeString:
    return render_comment_body(text)


@register.simple_tag
def comment_article(comment) -> SafeString:
    return render_comment_article(comment)


@register.simple_tag
def reply_list(root, replies, more, last_id) -> SafeString:
    return render_reply_list(root, replies, more=more, last_id=last_id)


@register.simple_tag
def comment_thread(thread) -> SafeString:
    return render_thread(thread)
