"""What the reader site's design relies on: the seeds' shapes (items without headlines, galleries without a
chosen cover), the lead picture's loading, the photo story presentation and the sections menu."""

import re
from html import unescape

import pytest
from django.core.cache import cache

from galleries.models import Gallery, Rendition
from galleries.pagecache import purge_gallery_pages, purge_pages
from galleries.presentation import (
    LEAD_SIZES,
    PHOTO_PAGE_ROOM,
    PHOTO_PAGE_SIZES,
    GalleryPage,
    PageItem,
    Picture,
    absolute,
    caption_title,
    public_url,
)
from tests.factories import GalleryFactory, SectionFactory, TagFactory, published_gallery
from tests.galleries import test_page_metadata
from tests.galleries.test_admin import change_form_data, change_url
from tests.galleries.test_page_metadata import _file, _json_ld, _meta, _rendition_at

pytestmark = pytest.mark.django_db
# Two real photos, rendered and public, for the sizes of the files that pages name.
rendered_gallery = test_page_metadata.rendered_gallery


def first_match(pattern: str, html: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(1) if match.groups() else match.group(0)


# ── Items without a headline ──


def test_a_numbered_item_without_a_headline_shows_its_number_and_caption_only(client):
    gallery = published_gallery(items=3, kind=Gallery.Kind.STORY)
    gallery.items.filter(position=1).update(headline="", caption="A crane driver at the end of his shift.")
    html = client.get(gallery.get_absolute_url()).text

    item = first_match(r'(<li class="item no-headline" id="photo-2".*?</li>)', html)
    assert '<span class="item-number">2<span class="visually-hidden">.</span></span>' in item
    assert "item-title" not in item
    assert "A crane driver at the end of his shift." in item
    assert "Untitled" not in html
    # The items with headlines keep them.
    assert html.count('class="item-title"') == 2


def test_an_essay_item_without_a_headline_has_no_heading_at_all(client):
    gallery = published_gallery(items=2)
    gallery.items.filter(position=0).update(headline="")
    html = client.get(gallery.get_absolute_url()).text

    item = first_match(r'(<li class="item no-headline" id="photo-1".*?</li>)', html)
    assert "<h2" not in item and "Untitled" not in html


def test_the_photo_page_of_a_headline_less_item_is_named_by_its_captions_first_words(client):
    gallery = published_gallery(items=2, title="45 photos from inside the harbour")
    item = gallery.items.get(position=1)
    item.headline = ""
    item.caption = "The canteen opens at four in the morning. It closes when the last boat is in."
    item.save()
    html = client.get(item.get_absolute_url()).text

    assert first_match(r"<h1>(.*?)</h1>", html) == "The canteen opens at four in the morning"
    title = unescape(first_match(r"<title>(.*?)</title>", html))
    assert title == "The canteen opens at four in the morning · 45 photos from inside the harbour · Loupe"
    assert title.count("45 photos from inside the harbour") == 1
    assert 'property="og:title" content="The canteen opens at four in the morning"' in html


def test_an_item_with_neither_headline_nor_caption_is_called_by_its_number(client):
    gallery = published_gallery(items=3, title="Night shift")
    item = gallery.items.get(position=2)
    item.headline = item.caption = ""
    item.save()
    html = client.get(item.get_absolute_url()).text

    assert first_match(r"<h1>(.*?)</h1>", html) == "Photo 3"
    assert unescape(first_match(r"<title>(.*?)</title>", html)) == "Photo 3 · Night shift · Loupe"


@pytest.mark.parametrize(
    ("caption", "title"),
    [
        ("Short and plain.", "Short and plain"),
        ("<p>“You stop hearing the cranes,” he said. Then he laughed.</p>", "“You stop hearing the cranes,” he said"),
        (
            "A long first sentence that goes on and on about the harbour, the boats, the crews and the weather "
            "without ever stopping",
            "A long first sentence that goes on and on about the harbour…",
        ),
        ("", ""),
    ],
)
def test_a_caption_title_is_its_first_sentence_cut_at_a_word(caption, title):
    assert caption_title(caption) == title


# ── The card photo: the chosen cover, else the first photo ──


def card_images(html: str) -> list[str]:
    return re.findall(r'<a class="card-image"[^>]*>.*?<img src="([^"]+)"', html, re.S)


def test_a_gallery_without_a_chosen_cover_shows_its_first_photo_on_every_card(client):
    published_gallery(items=1, title="The lead")
    uncovered = published_gallery(items=3, title="No cover chosen")
    uncovered.cover = None
    uncovered.save(update_fields=["cover"])
    first_photo = uncovered.items.get(position=0).photo
    covered = published_gallery(items=3, title="Cover chosen")
    chosen = covered.items.get(position=2).photo
    covered.cover = chosen
    covered.save(update_fields=["cover"])

    def shows(html: str, photo) -> bool:
        return any(photo.sha256[:16] in src for src in card_images(html) + re.findall(r'<img src="([^"]+)"', html))

    for url in ["/", uncovered.section.get_absolute_url(), "/search/?q=cover"]:
        html = client.get(url).text
        assert shows(html, first_photo), url
    html = client.get("/search/?q=cover").text
    assert shows(html, chosen)
    assert not shows(html, covered.items.get(position=0).photo)


def test_the_first_photo_stands_in_for_a_missing_cover_in_social_cards(client):
    gallery = published_gallery(items=2)
    gallery.cover = None
    gallery.save(update_fields=["cover"])
    first = gallery.items.get(position=0).photo
    socials = {r.url for r in Rendition.objects.filter(photo=first, purpose=Rendition.Purpose.SOCIAL)}
    html = client.get(gallery.get_absolute_url()).text

    assert first_match(r'<meta property="og:image" content="http://127.0.0.1:8000([^"]+)">', html) in socials
    assert (
        GalleryPage(gallery, base=gallery.get_absolute_url()).social.url.removeprefix("http://127.0.0.1:8000")
        in socials
    )


def test_the_cover_picker_offers_the_first_photo_when_none_is_chosen(client, editor):
    gallery = GalleryFactory(items=2)
    client.force_login(editor)
    page = client.get(change_url(gallery))
    assert "No choice: the first photo" in page.text
    assert 'class="loupe-cover-picker"' in page.text


# ── The home page's lead ──


def test_the_lead_picture_loads_first_at_the_width_its_layout_gives_it(client):
    published_gallery(items=1)
    published_gallery(items=1)
    html = client.get("/").text
    lead = first_match(r'(<a class="lead-image".*?</a>)', html)
    image = first_match(r"(<img [^>]*>)", lead)

    assert 'fetchpriority="high"' in image and "loading=" not in image
    assert re.search(r'width="\d+" height="\d+"', image)
    assert lead.count(f'sizes="{LEAD_SIZES}"') == 3  # one per format
    # Every other picture on the page waits until it is needed.
    others = re.findall(r"<img [^>]*>", html.replace(lead, ""))
    assert others and all('loading="lazy"' in tag for tag in others)


def test_trending_and_most_popular_show_thumbnails(client):
    from galleries.models import GalleryDayStats

    gallery = published_gallery(items=1, title="Much liked")
    item = gallery.items.get()
    item.vote_count = 10
    item.save()
    GalleryDayStats.objects.create(gallery=gallery, day=gallery.published_at.date(), views=50, votes=10)
    html = client.get("/").text
    ranked = re.findall(r'<ol class="ranked">(.*?)</ol>', html, re.S)
    assert ranked
    for ranking in ranked:
        assert 'class="ranked-thumb"><picture>' in ranking and "Much liked" in ranking


# ── Photo story presentation ──


def test_an_editor_chooses_the_dark_photo_story_presentation(client, editor):
    gallery = published_gallery(items=2)
    client.force_login(editor)
    data = change_form_data(client, gallery, presentation="dark")
    response = client.post(change_url(gallery), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    gallery.refresh_from_db()
    assert gallery.presentation == Gallery.Presentation.DARK


def test_a_photo_story_is_set_dark_on_its_gallery_and_photo_pages(client):
    story = published_gallery(items=2, presentation=Gallery.Presentation.DARK)
    standard = published_gallery(items=2)

    assert '<body class="page gallery-page photo-story">' in client.get(story.get_absolute_url()).text
    assert "photo-story" in first_match(r"<body[^>]*>", client.get(story.items.first().get_absolute_url()).text)
    assert '<body class="page gallery-page">' in client.get(standard.get_absolute_url()).text


# ── Photos are never upscaled ──


@pytest.mark.parametrize(("largest", "cap"), [(300, 320), (480, 320), (1000, 960), (1600, 1280), (2560, 0)])
def test_a_photo_is_held_to_the_width_of_its_largest_file(largest, cap):
    picture = Picture(sources=(), src="", width=1, height=1, largest="", type="image/jpeg", largest_width=largest)
    assert picture.cap == cap


def test_the_page_marks_a_small_photo_so_it_is_not_upscaled(client):
    gallery = published_gallery(items=1)  # files up to 1600 pixels wide
    html = client.get(gallery.get_absolute_url()).text
    assert re.search(r'<img class="photo upto-1280" ', html)


# ── The sections menu ──


def test_the_menu_lists_sections_with_published_work_and_is_cached_until_the_next_purge(
    client, django_assert_num_queries
):
    published_gallery(items=1, section=SectionFactory(name="Work", slug="work"))
    GalleryFactory(section=SectionFactory(name="Drafts only", slug="drafts-only"))
    cache.clear()
    html = client.get("/").text
    menu = first_match(r'(<nav class="sections".*?</nav>)', html)
    assert '<a href="/sections/work/">Work</a>' in menu and "Drafts only" not in menu
    assert '<a href="/" aria-current="page">Latest</a>' in menu
    footer = first_match(r'(<footer class="site-footer">.*?</footer>)', html)
    assert "/sections/work/" in footer and "RSS feed" in footer and "Atom feed" in footer

    from newsroom.context_processors import site_sections

    with django_assert_num_queries(0):
        assert [section["name"] for section in site_sections()] == ["Work"]
    published_gallery(items=1, section=SectionFactory(name="Rural life", slug="rural-life"))
    purge_gallery_pages([])
    with django_assert_num_queries(1):
        assert [section["name"] for section in site_sections()] == ["Rural life", "Work"]


def test_a_comment_purges_the_pages_but_not_the_menu(django_assert_num_queries):
    from newsroom.context_processors import site_sections

    published_gallery(items=1, section=SectionFactory(name="Work", slug="work"))
    site_sections()
    purge_pages(changed=["comments:1"])
    with django_assert_num_queries(0):
        assert [section["name"] for section in site_sections()] == ["Work"]


@pytest.mark.django_db(transaction=True)
def test_renaming_or_deleting_a_section_in_the_admin_refreshes_the_menu_and_its_galleries_pages(admin_client):
    section = SectionFactory(name="Work", slug="work")
    gallery = published_gallery(items=1, section=section)
    client = type(admin_client)()
    assert '<a href="/sections/work/">Work</a>' in client.get(gallery.get_absolute_url()).text

    change = f"/admin/galleries/section/{section.pk}/change/"
    response = admin_client.post(change, {"name": "Labour", "slug": "work"})
    assert response.status_code == 302, response.content

    html = client.get(gallery.get_absolute_url()).text
    menu = first_match(r'(<nav class="sections".*?</nav>)', html)
    assert '<a href="/sections/work/">Labour</a>' in menu
    kicker = first_match(r'(<p class="kicker">.*?</p>)', html)
    assert kicker == '<p class="kicker"><a href="/sections/work/">Labour</a></p>'

    response = admin_client.post(f"/admin/galleries/section/{section.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    html = client.get(gallery.get_absolute_url()).text
    assert "Labour" not in html and 'class="kicker"' not in html


@pytest.mark.django_db(transaction=True)
def test_renaming_a_tag_in_the_admin_refreshes_its_galleries_pages(admin_client):
    gallery = published_gallery(items=1)
    tag = TagFactory(name="Harbours", slug="harbours")
    gallery.tags.add(tag)
    client = type(admin_client)()
    assert ">Harbours</a>" in client.get(gallery.get_absolute_url()).text

    response = admin_client.post(f"/admin/galleries/tag/{tag.pk}/change/", {"name": "Ports", "slug": "harbours"})
    assert response.status_code == 302, response.content
    html = client.get(gallery.get_absolute_url()).text
    assert ">Ports</a>" in html and "Harbours" not in html

    # Deleted from the list, with the admin's bulk action.
    response = admin_client.post(
        "/admin/galleries/tag/", {"action": "delete_selected", "_selected_action": [tag.pk], "post": "yes"}
    )
    assert response.status_code == 302, response.content
    assert ">Ports</a>" not in client.get(gallery.get_absolute_url()).text


def test_the_section_page_marks_its_menu_entry_as_current(client):
    gallery = published_gallery(items=1, section=SectionFactory(name="Work", slug="work"))
    html = client.get(gallery.section.get_absolute_url()).text
    assert f'<a href="{gallery.section.get_absolute_url()}" aria-current="page">Work</a>' in html


# ── The home page's social card and the photo page's structured data ──


def test_the_home_page_shares_its_lead_storys_card_photo_at_the_size_of_its_file(client, rendered_gallery):
    rendered_gallery.cover = rendered_gallery.items.last().photo
    rendered_gallery.save(update_fields=["cover"])
    html = client.get("/").text
    rendition = _rendition_at(_meta(html, "property", "og:image"))
    (width, height), _, content_type = _file(rendition)

    assert rendition.photo == rendered_gallery.cover and rendition.purpose == Rendition.Purpose.SOCIAL
    assert _meta(html, "property", "og:image:width") == str(width)
    assert _meta(html, "property", "og:image:height") == str(height)
    assert _meta(html, "property", "og:image:type") == content_type
    assert _meta(html, "property", "og:type") == "website"
    assert _meta(html, "name", "twitter:card") == "summary_large_image"
    assert _meta(html, "property", "og:image:alt") == rendered_gallery.title


def test_the_home_page_without_galleries_has_no_social_image(client):
    html = client.get("/").text
    assert 'property="og:title"' in html and "og:image" not in html


def test_a_photo_page_describes_its_photo_as_an_image_object_with_the_files_size(client, rendered_gallery):
    item = rendered_gallery.items.select_related("photo__photographer").last()
    item.headline = ""
    item.caption = "Ingrid Berg sharpens the scythe. The meadow waits."
    item.save()
    item.photo.copyright = "© 2026 Tomás Lindqvist"
    item.photo.credit = "Tomás Lindqvist / Loupe"
    item.photo.save()
    html = client.get(item.get_absolute_url()).text
    [image] = _json_ld(html)

    assert image["@context"] == "https://schema.org" and image["@type"] == "ImageObject"
    assert image["name"] == "Ingrid Berg sharpens the scythe"
    assert image["caption"] == "Ingrid Berg sharpens the scythe. The meadow waits."
    assert image["creator"] == {"@type": "Person", "name": item.photo.photographer.name}
    assert image["creditText"] == item.credit
    assert image["copyrightNotice"] == "© 2026 Tomás Lindqvist"
    assert image["url"] == image["mainEntityOfPage"] == absolute(item.get_absolute_url())
    assert image["isPartOf"]["url"] == absolute(rendered_gallery.get_absolute_url())
    rendition = _rendition_at(image["contentUrl"])
    (width, height), _, content_type = _file(rendition)
    assert (image["width"], image["height"]) == (width, height) and image["encodingFormat"] == content_type
    assert width == max(r.width for r in Rendition.objects.filter(photo=item.photo, purpose="responsive"))


def test_the_photo_pages_image_object_is_the_one_its_gallery_page_lists(client, rendered_gallery):
    """One function builds a photo's structured data, so what it gains shows on both pages."""
    item = rendered_gallery.items.first()
    [on_photo_page] = _json_ld(client.get(item.get_absolute_url()).text)
    listed = _json_ld(client.get(rendered_gallery.get_absolute_url()).text)[0]["associatedMedia"]["associatedMedia"]
    assert listed[0].items() <= on_photo_page.items()


def test_a_photo_page_asks_for_the_width_its_photo_is_shown_at_beside_its_words(client):
    gallery = published_gallery(items=1)
    item = gallery.items.get()
    html = client.get(item.get_absolute_url()).text
    image = first_match(r'(<a class="frame".*?</a>)', html)
    picture = PageItem(item, gallery=gallery, base=gallery.get_absolute_url(), url=public_url).picture

    # Fitted to the window's height less the header, else the column beside the words, else the page.
    sizes = (
        f"(min-aspect-ratio: {picture.width}/{picture.height}) calc((100vh - {PHOTO_PAGE_ROOM}) * "
        f"{picture.width / picture.height:.3f}), {PHOTO_PAGE_SIZES}"
    )
    assert image.count(f'sizes="{sizes}"') == 3  # one per format
