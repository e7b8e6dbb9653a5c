"""The small, safe markup of introductions and captions."""

import html
import re
from urllib.parse import urlsplit

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines

ALLOWED_TAGS = {"p", "br", "a", "em", "strong", "i", "b", "blockquote", "q", "cite"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "q": {"cite"}, "blockquote": {"cite"}}
_TAG = re.compile(r"<[a-zA-Z/!]")
# C0 controls but tab, line feed and carriage return, and DEL: no writer means them, PostgreSQL refuses NUL in
# text, and XML (feeds, sitemaps) allows none of them.
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL_CHARACTERS = re.compile(f"[{_CONTROLS}]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")
# What only nh3 handles as it should: markup, entities, no-break spaces, control characters. Carriage
# returns are normalised first, as nh3 would.
_NEEDS_CLEANING = re.compile(f"[<>&\ufeff\xa0{_CONTROLS}]")
_NEEDS_CLEANING_ESCAPED = re.compile(f"[\ufeff{_CONTROLS}]")


def without_control_characters(text: str, replacement: str = "") -> str:
    """Text as it may be stored: control characters other than tab and line breaks replaced (removed by default)."""
    return _CONTROL_CHARACTERS.sub(replacement, text)


def has_control_characters(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def texts_without_control_characters(value):
    """`value` with control characters removed from every text in it, however deep in lists, tuples and dicts."""
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, list | tuple):
        return type(value)(texts_without_control_characters(part) for part in value)
    if isinstance(value, dict):
        return {key: texts_without_control_characters(part) for key, part in value.items()}
    return value


def one_line(text: str) -> str:
    """Text for a title, a name or a mail subject: no control characters, and a space for each run of breaks."""
    return _LINE_BREAKS.sub(" ", without_control_characters(text))


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
