"""The Jinja2 environment of the surfaces Jinja2 renders: comment threads and the photos of gallery and photo pages
(docs/public-site.md says why)."""

from django.template.defaultfilters import date, pluralize
from django.templatetags.l10n import unlocalize
from django.urls import reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment

from galleries.markup import render_markup
from newsroom.markup import render_comment_body
from newsroom.templatetags.comments import count_for


def environment(**options) -> Environment:
    # Comments, captions and credits are people's words: escaping is never left to a setting.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals["url"] = lambda name, *args: reverse(name, args=args)
    # In the current time zone, as Django's templates show times.
    env.filters["localtime"] = template_localtime
    env.filters["date"] = date
    env.filters["comment_body"] = render_comment_body
    # The filters of Django's templates that the photos use, the same functions.
    env.filters |= {"markup": render_markup, "pluralize": pluralize, "unlocalize": unlocalize, "count_for": count_for}
    return env
