"""Attacks on the public site and the newsroom admin, each as an attacker would try it."""

import json
import re

import pytest

from galleries.markup import plain_text, render_markup
from tests.factories import published_gallery

pytestmark = pytest.mark.django_db


# Markup ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quote",
    [
        '<blockquote cite="javascript:alert(1)">Said.</blockquote>',
        '<p><q cite="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">Said.</q></p>',
        '<blockquote cite=" JavaScript:alert(1)">Said.</blockquote>',
    ],
)
def test_quote_sources_keep_only_web_addresses(quote):
    html = render_markup(quote)

    assert "Said." in html
    assert "cite=" not in html
    assert "javascript" not in html.lower() and "data:" not in html


def test_quote_source_on_the_web_is_kept():
    html = render_markup('<blockquote cite="https://example.org/interview">Said.</blockquote>')

    assert 'cite="https://example.org/interview"' in html


def test_plain_text_is_text_not_html():
    # Escaped again by whoever prints it: an "&amp;" here would reach readers as "&amp;".
    assert plain_text("<p>Tom &amp; Jerry &lt;3 the <em>harbour</em></p><script>steal()</script>") == (
        "Tom & Jerry <3 the harbour"
    )


def test_markup_in_a_caption_cannot_leave_the_meta_tags_or_the_json_ld(client):
    gallery = published_gallery(items=1, dek='Ships &amp; "boats" &lt;/script&gt;&lt;script&gt;alert(1)')
    item = gallery.items.get()
    item.caption = '<p>Quay &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &amp; "crane"</p>'
    item.save()

    page = client.get(gallery.get_absolute_url()).text
    photo_page = client.get(item.get_absolute_url()).text

    assert "<script>alert" not in page and "<script>alert" not in photo_page
    assert '<meta name="description" content="Ships &amp; &quot;boats&quot; &lt;/script&gt;' in page
    assert '<meta name="description" content="Quay &lt;/script&gt;&lt;script&gt;alert(2)' in photo_page
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(block)
    assert data["description"] == 'Ships & "boats" </script><script>alert(1)'
    assert (
        data["associatedMedia"]["associatedMedia"][0]["caption"] == 'Quay </script><script>alert(2)</script> & "crane"'
    )
