"""The small, safe markup of introductions and captions."""

import html
import re
from urllib.parse import urlsplit

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines

from galleries.text import CONTROLS

ALLOWED_TAGS = {"p", "br", "a", "em", "strong", "i", "b", "blockquote", "q", "cite"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "q": {"cite"}, "blockquote": {"cite"}}
_TAG = re.compile(r"<[a-zA-Z/!]")
# What only nh3 handles as it should: markup, entities, no-break spaces, control characters. Carriage
# returns are normalised first, as nh3 would.
_NEEDS_CLEANING = re.compile(f"[<>&\ufeff\xa0{CONTROLS}]")
_NEEDS_CLEANING_ESCAPED = re.compile(f"[\ufeff{CONTROLS}]")


URL_SCHEMES = {"http", "https", "mailto"}


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    # nh3 checks the scheme of href but not of cite, which it does not count as a URL.
    if attribute == "cite" and urlsplit(value.strip()).scheme.lower() not in {"http", "https"}:
        return None
    return value


def render_markup(text: str) -> SafeString:
    """Turn a caption or introduction into safe HTML.

    Plain text becomes paragraphs; text that already has tags keeps the
    allowed ones, cleaned by nh3. Either way nothing but ALLOWED_TAGS survives.
    """
    text = normalize_newlines(text or "").strip()
    if not text:
        return mark_safe("")
    if not _TAG.search(text):
        text = linebreaks(text, autoescape=True)
        if not _NEEDS_CLEANING_ESCAPED.search(text):
            # Escaped text in <p> and <br> is already what nh3 would let through.
            return mark_safe(text)  # noqa: S308 -- linebreaks escaped it
    elif not text.lstrip().lower().startswith(("<p", "<blockquote")):
        text = linebreaks(text, autoescape=False)
    cleaned = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 -- nh3 has just cleaned it


def plain_text(text: str) -> str:
    """The words of a caption without any markup, for alt-free contexts like feeds and meta tags.

    Plain text, not HTML: "&" stays "&". Whoever prints it escapes it (templates, feeds, json_ld_script).
    """
    text = normalize_newlines(text or "")
    if not _NEEDS_CLEANING.search(text):
        return text.strip()
    return html.unescape(nh3.clean(text, tags=set())).strip()
