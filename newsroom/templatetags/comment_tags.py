from django import template
from django.utils.safestring import SafeString

from newsroom.comments import render_comment_article, render_comment_body

register = template.Library()


@register.filter
def comment_body(text: str) -> SafeString:
    return render_comment_body(text)


@register.filter
def count_for(counts: dict, key) -> int:
    """`comment_counts_by_item|count_for:item.pk`: a dictionary lookup templates cannot write themselves."""
    return (counts or {}).get(key, 0)


@register.simple_tag
def comment_article(comment) -> SafeString:
    return render_comment_article(comment)
