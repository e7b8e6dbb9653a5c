import re

import nh3
from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

# Everything urlize could turn into a link (a scheme, www., an address, a bare domain), and characters only
# nh3 handles as it should. Text with none of these needs only Django's linebreaks, which escapes it.
_NEEDS_NH3 = re.compile(r"://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)\b|[\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", re.I)


def render_comment_body(text: str) -> SafeString:
    """A reader's plain text as HTML: escaped, paragraphs kept, bare URLs turned into links nobody vouches for."""
    if not _NEEDS_NH3.search(text):
        return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 -- linebreaks escaped it
    linked = urlize(text, trim_url_limit=60, nofollow=True, autoescape=True)
    # urlize escaped the text; nh3 makes sure nothing but these tags survives and sets rel on every link.
    cleaned = nh3.clean(
        linebreaks(linked, autoescape=False),
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="nofollow ugc noopener",
    )
    return mark_safe(cleaned)  # noqa: S308 -- nh3 has just cleaned it
