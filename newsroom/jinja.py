"""The Jinja2 environment of the one surface Jinja2 renders: comment threads (see docs/public-site.md)."""

from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.timezone import template_localtime
from jinja2 import Environment

from newsroom.markup import render_comment_body


def local_date(value, format_string: str) -> str:
    """As Django's `date` filter writes a time: in the current time zone."""
    return format_date(template_localtime(value), format_string)


def environment(**options) -> Environment:
    # Comments are readers' words: escaping is never left to a setting.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals["url"] = lambda name, *args: reverse(name, args=args)
    env.filters["date"] = local_date
    env.filters["comment_body"] = render_comment_body
    return env
