"""The Jinja2 environment of the surfaces Jinja2 renders: comment threads and the photos of gallery and photo pages
(docs/public-site.md says why)."""

from datetime import datetime

from django.template.defaultfilters import pluralize
from django.templatetags.l10n import unlocalize
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.timezone import template_localtime
from jinja2 import Environment

from galleries.markup import render_markup
from newsroom.markup import render_comment_body
from newsroom.templatetags.comments import count_for


def day_and_time(value: datetime) -> str:
    """A time already in the current time zone, as Django's `date` filter writes it with "j M Y, H:i" (Django's
    month names), for the comment lists that show it on every comment."""
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year}, {value:%H:%M}"


def environment(**options) -> Environment:
    # Comments, captions and credits are people's words: escaping is never left to a setting.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals["url"] = lambda name, *args: reverse(name, args=args)
    # In the current time zone, as Django's templates show times.
    env.filters["localtime"] = template_localtime
    env.filters["day_and_time"] = day_and_time
    env.filters["comment_body"] = render_comment_body
    # The filters of Django's templates that the photos use, the same functions.
    env.filters |= {"markup": render_markup, "pluralize": pluralize, "unlocalize": unlocalize, "count_for": count_for}
    return env
