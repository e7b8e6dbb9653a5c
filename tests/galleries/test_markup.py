from galleries.markup import plain_text, render_markup


def test_plain_text_becomes_escaped_paragraphs():
    html = render_markup("First <3 paragraph & more\n\nSecond line")
    assert html.startswith("<p>")
    assert "First &lt;3 paragraph &amp; more" in html
    assert html.count("<p>") == 2


def test_links_and_emphasis_survive_but_scripts_do_not():
    html = render_markup(
        '<p>See <a href="https://example.org" onclick="steal()">this</a> <em>now</em><script>alert(1)</script></p>'
    )
    assert '<a href="https://example.org"' in html
    assert "<em>now</em>" in html
    assert "onclick" not in html
    assert "<script" not in html
    assert 'rel="noopener nofollow"' in html


def test_javascript_urls_are_removed():
    html = render_markup('<a href="javascript:alert(1)">x</a>')
    assert "javascript:" not in html


def test_plain_text_strips_all_markup():
    assert plain_text("<p>A <em>quiet</em> harbour</p>") == "A quiet harbour"
