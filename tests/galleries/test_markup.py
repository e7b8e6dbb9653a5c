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


def test_plain_text_from_a_form_keeps_its_paragraphs_whatever_the_line_ends():
    assert render_markup("First line\r\nsame paragraph\r\n\r\nSecond") == render_markup(
        "First line\nsame paragraph\n\nSecond"
    )
    assert render_markup("First\r\n\r\nSecond").count("<p>") == 2


def test_plain_text_is_escaped_without_markup_and_cleaned_with_it():
    assert plain_text("  Quiet harbour  ") == "Quiet harbour"
    assert plain_text("Fish & chips") == "Fish & chips"
    assert plain_text("<b>Loud</b> harbour") == "Loud harbour"
