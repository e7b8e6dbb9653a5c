import nh3
from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe


def render_comment_body(text: str) -> SafeString:
    """A reader's plain text as HTML: escaped, paragraphs kept, bare URLs turned into links nobody vouches for."""
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
