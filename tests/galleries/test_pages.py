import json
import re

import pytest
from django.urls import reverse

from galleries.models import CorrectionNote, FaqEntry, Gallery, GalleryLink, Item
from galleries.presentation import PICTURE_SIZES
from galleries.views import render_gallery_page, render_item_page
from tests.factories import (
    CommentFactory,
    GalleryFactory,
    PhotographerFactory,
    RenditionFactory,
    TagFactory,
    add_renditions,
    published_gallery,
)

pytestmark = pytest.mark.django_db


def test_gallery_page_shows_story_items_with_pictures_in_every_format(client):
    gallery = published_gallery(items=3, kind=Gallery.Kind.STORY)
    html = client.get(gallery.get_absolute_url()).text

    assert html.count("<picture>") == 3
    for mime in ("image/avif", "image/webp", "image/jpeg"):
        assert html.count(f'<source type="{mime}"') == 3
    assert re.search(r'srcset="[^"]+ 480w, [^"]+ 960w, [^"]+ 1600w"', html)
    assert f'sizes="{PICTURE_SIZES}"' in html
    assert '<span class="item-number">2<span class="visually-hidden">.</span></span>' in html
    for number in (1, 2, 3):
        assert f'id="photo-{number}"' in html


def test_first_photo_loads_eagerly_and_the_rest_lazily_with_sizes_on_every_img(client):
    gallery = published_gallery(items=3)
    html = client.get(gallery.get_absolute_url()).text
    photos = re.findall(r'<img class="photo[ "][^>]*>', html)

    assert len(photos) == 3
    assert 'fetchpriority="high"' in photos[0] and "loading=" not in photos[0]
    assert all('loading="lazy"' in tag for tag in photos[1:])
    assert all(re.search(r'width="\d+" height="\d+"', tag) for tag in re.findall(r"<img [^>]*>", html))


def test_placeholder_is_an_image_not_an_inline_style(client):
    gallery = published_gallery(items=1)
    photo = gallery.items.get().photo
    photo.placeholder = ""  # no blurred preview yet: the dominant colour stands in
    photo.dominant_color = "#336699"
    photo.save()
    html = client.get(gallery.get_absolute_url()).text

    assert re.search(r'<img class="placeholder[^"]*" src="data:image/svg\+xml,[^"]*%23336699', html)
    assert "style=" not in html


def test_alt_text_comes_from_the_item_override_before_the_photo(client):
    gallery = published_gallery(items=2)
    first, second = gallery.items.all()
    first.alt_text = "Two fishermen haul a net onto the quay."
    first.save()
    html = client.get(gallery.get_absolute_url()).text

    assert 'alt="Two fishermen haul a net onto the quay."' in html
    assert f'alt="{second.photo.alt_text}"' in html


def test_unpublic_renditions_never_appear_on_the_public_page(client):
    gallery = published_gallery(items=1, public=False)
    html = client.get(gallery.get_absolute_url()).text
    assert "<picture>" not in html
    assert "The image is not available." in html


def test_gallery_page_shows_byline_corrections_disclosure_faq_links_and_tags(client):
    gallery = published_gallery(items=1, disclosure="We earn a commission on linked books.")
    photographer = PhotographerFactory(name="Amara Okafor")
    gallery.photographers.add(photographer)
    gallery.tags.add(TagFactory(name="Harbours"))
    CorrectionNote.objects.create(gallery=gallery, text="An earlier version misnamed the harbour.")
    FaqEntry.objects.create(gallery=gallery, question="Where was this?", answer="In the old port.")
    GalleryLink.objects.create(gallery=gallery, label="The port authority", url="https://example.org/port")
    html = client.get(gallery.get_absolute_url()).text

    assert f'<a href="{photographer.get_absolute_url()}">Amara Okafor</a>' in html
    assert "Updated" in html and "misnamed the harbour" in html
    assert "We earn a commission" in html
    assert "Where was this?" in html and "https://example.org/port" in html
    assert 'rel="tag">Harbours</a>' in html


def test_json_ld_describes_the_gallery_and_cannot_be_broken_out_of(client):
    gallery = published_gallery(items=2, title="Harbour </script><script>alert(1)</script>")
    photo = gallery.items.first().photo
    photo.copyright = "© 2026 Amara Okafor"
    photo.save()
    html = client.get(gallery.get_absolute_url()).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)

    assert "</script><script>" not in block
    assert data["@type"] == "NewsArticle"
    assert data["headline"].startswith("Harbour </script>")
    images = data["associatedMedia"]["associatedMedia"]
    assert data["associatedMedia"]["@type"] == "ImageGallery"
    assert len(images) == 2
    assert images[0]["copyrightNotice"] == "© 2026 Amara Okafor"
    assert images[0]["creditText"] and images[0]["creator"]["@type"] == "Person"


def test_social_tags_use_the_social_rendition_and_the_canonical_url(client, settings):
    settings.SITE_URL = "https://photos.example.org"
    gallery = published_gallery(items=1)
    html = client.get(gallery.get_absolute_url()).text

    assert f'<link rel="canonical" href="https://photos.example.org{gallery.get_absolute_url()}">' in html
    assert re.search(
        r'<meta property="og:image" content="https://photos\.example\.org/media/r/[^"]+-social-1200\.jpeg">', html
    )
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_photo_page_has_permalink_previous_next_and_comments(client):
    gallery = published_gallery(items=3)
    first, middle, last = gallery.items.all()
    html = client.get(middle.get_absolute_url()).text

    assert f'rel="prev" href="{first.get_absolute_url()}"' in html
    assert f'rel="next" href="{last.get_absolute_url()}"' in html
    assert "Photo 2 of 3" in html
    assert 'id="comments-heading"' in html
    assert "<picture>" in html


def test_photo_of_another_gallery_is_not_found_under_this_one(client):
    gallery = published_gallery(items=1)
    other = published_gallery(items=1)
    url = reverse("galleries:photo", kwargs={"slug": gallery.slug, "pk": other.items.get().pk})
    assert client.get(url).status_code == 404


def test_photo_of_unpublished_gallery_is_not_found(client):
    gallery = GalleryFactory(items=1)
    assert client.get(gallery.items.get().get_absolute_url()).status_code == 404


def test_withdrawn_gallery_answers_410_with_its_reason_only(client):
    gallery = GalleryFactory(withdrawn=True, items=1, title="Secret harbour story")
    for url in (gallery.get_absolute_url(), gallery.items.get().get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 410
        assert "Withdrawn for legal review." in response.text
        assert "Secret harbour story" not in response.text


def test_photographer_page_lists_only_published_galleries_with_links(client):
    photographer = PhotographerFactory(
        bio="Covers ports.", website="https://example.org/a", instagram="amara", social_links="https://m.example/@a"
    )
    live = published_gallery(items=0, title="Live story")
    draft = GalleryFactory(title="Draft story")
    live.photographers.add(photographer)
    draft.photographers.add(photographer)
    html = client.get(photographer.get_absolute_url()).text

    assert "Live story" in html and "Draft story" not in html
    assert "Covers ports." in html
    assert "https://www.instagram.com/amara/" in html and "https://m.example/@a" in html


def test_tag_and_section_pages_list_only_published_galleries(client):
    tag = TagFactory()
    live = published_gallery(items=0, title="Live story")
    hidden = GalleryFactory(in_review=True, title="Hidden story", section=live.section)
    live.tags.add(tag)
    hidden.tags.add(tag)
    for url in (tag.get_absolute_url(), live.section.get_absolute_url()):
        html = client.get(url).text
        assert "Live story" in html and "Hidden story" not in html


def test_lists_paginate(client):
    tag = TagFactory()
    for _ in range(13):
        published_gallery(items=0).tags.add(tag)
    first = client.get(tag.get_absolute_url()).text
    second = client.get(tag.get_absolute_url() + "?page=2").text
    assert 'rel="next" href="?page=2"' in first
    assert "Page 2 of 2" in second


def test_home_has_lead_latest_trending_and_popular(client):
    published_gallery(items=1, title="Older story")
    lead = published_gallery(items=1, title="Newest story")
    html = client.get("/").text
    body = html[html.index("<body") :]  # the head names the lead too, in its social card
    assert body.index("Lead story") < body.index("Newest story") < body.index("Latest galleries")
    assert "Trending" in html and "Most popular" in html
    assert lead.get_absolute_url() in html


def test_preview_renders_unpublished_gallery_with_staff_image_urls_and_never_caches(rf, editor):
    gallery = GalleryFactory(in_review=True, items=2)
    for item in gallery.items.all():
        add_renditions(item.photo, public=False)
    request = rf.get("/preview/")
    request.user = editor
    response = render_gallery_page(request, gallery, preview=True)

    assert response.status_code == 200
    assert "Preview." in response.text
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]
    assert response.text.count("<picture>") == 2
    assert "/staff-media/" in response.text and "/media/" not in response.text
    item_response = render_item_page(request, gallery, gallery.items.first(), preview=True)
    assert "Preview." in item_response.text and "no-store" in item_response["Cache-Control"]
    assert "/staff-media/" in item_response.text


def test_search_page_finds_published_galleries(client):
    published_gallery(items=0, title="Harbour at night")
    GalleryFactory(title="Harbour draft")
    html = client.get("/search/?q=harbour").text
    assert "Harbour at night" in html and "Harbour draft" not in html


def test_not_found_page_uses_the_site_design(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "find that page" in response.text and 'class="skip-link"' in response.text


def test_server_error_page_renders_without_request_context(rf):
    from galleries.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "Something went wrong" in response.text


def _item_with_renditions(gallery):
    item = Item.objects.create(gallery=gallery, photo=RenditionFactory().photo, position=gallery.items.count())
    add_renditions(item.photo)
    return item


def _converse(gallery, item=None, *, threads=3):
    for _ in range(threads):
        root = CommentFactory(gallery=gallery, item=item)
        for _ in range(5):
            CommentFactory(gallery=gallery, item=item, parent=root)


@pytest.mark.parametrize("size", [1, 45])
def test_gallery_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    gallery = published_gallery(items=size, kind=Gallery.Kind.STORY)
    gallery.tags.add(TagFactory())
    CorrectionNote.objects.create(gallery=gallery, text="Fixed a name.")
    FaqEntry.objects.create(gallery=gallery, question="Why?", answer="Because.")
    GalleryLink.objects.create(gallery=gallery, label="More", url="https://example.org/more")
    _converse(gallery, threads=size % 7 + 1)
    # 1 gallery (+ section), 2 byline, 3 tags, 4 corrections, links and FAQ in one union, 5 items (+ photo,
    # photographer), 6 their public renditions; comments: 7 counts per item, 8 a page of threads (with the
    # names replies answer, while those comments are visible), 9 their first replies; 10 the sections of the
    # menu (cached until the next purge).
    with django_assert_num_queries(10):
        response = client.get(gallery.get_absolute_url())
    assert response.text.count('class="item"') == size


def test_gallery_page_without_comments_skips_the_thread_queries(client, django_assert_num_queries):
    gallery = published_gallery(items=3)
    # Nine, less the two of the threads there are none of: the menu's sections are the seventh.
    with django_assert_num_queries(8):
        response = client.get(gallery.get_absolute_url())
    assert "No comments yet." in response.text


def test_gallery_page_stays_at_ten_queries_at_200_items(client, django_assert_max_num_queries):
    gallery = published_gallery(items=200)
    _converse(gallery)
    with django_assert_max_num_queries(10):
        assert client.get(gallery.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("size", [1, 45])
def test_after_a_comment_is_approved_only_the_comment_section_is_read_again(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, moderator, size
):
    from newsroom.moderation import approve_comment

    gallery = published_gallery(items=size)
    _converse(gallery, threads=size % 7 + 1)
    held = CommentFactory(gallery=gallery, status="pending", body="Held until a moderator looks.")
    first = client.get(gallery.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=held, by=moderator)
    # 1 gallery; the items, byline and extras come from their fragment; comments: 2 counts per item,
    # 3 a page of threads, 4 their first replies. The menu's sections are kept: a comment does not move them.
    with django_assert_num_queries(4):
        html = client.get(gallery.get_absolute_url()).text
    assert "Held until a moderator looks." in html and "Held until" not in first
    assert html.count('class="item"') == size


def test_a_comment_approved_on_a_photo_updates_its_count_on_the_gallery_page(
    client, django_capture_on_commit_callbacks, moderator
):
    from newsroom.moderation import approve_comment

    gallery = published_gallery(items=2)
    first, second = gallery.items.order_by("position")
    held = CommentFactory(gallery=gallery, item=second, status="pending")
    before = client.get(gallery.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=held, by=moderator)
    after = client.get(gallery.get_absolute_url()).text

    def count_link(item) -> str:
        return f'<a href="{item.get_absolute_url()}#comments">'

    assert f'{count_link(second)}0 comments<span class="visually-hidden"> on photo 2' in before
    assert f'{count_link(second)}1 comment<span class="visually-hidden"> on photo 2' in after
    assert f'{count_link(first)}0 comments<span class="visually-hidden"> on photo 1' in after


def test_a_comment_approved_on_the_gallery_leaves_its_items_in_their_fragment(
    client, django_capture_on_commit_callbacks, moderator
):
    from newsroom.moderation import approve_comment

    gallery = published_gallery(items=3)
    held = CommentFactory(gallery=gallery, status="pending")
    client.get(gallery.get_absolute_url())
    # Behind the fragment's back (no version bumped): a page that rendered its items again would show this.
    Item.objects.filter(gallery=gallery).update(caption="Written after the fragment was cached.")
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=held, by=moderator)
    html = client.get(gallery.get_absolute_url()).text

    assert held.body in html
    assert "A caption in the photographer" in html
    assert "Written after the fragment was cached." not in html


def test_a_change_to_the_gallery_renders_its_items_again(client, editor, django_capture_on_commit_callbacks):
    from galleries import workflow

    gallery = published_gallery(items=2)
    client.get(gallery.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        workflow.add_correction(gallery=gallery, text="The second photo was taken in May.", by=editor)
    assert "The second photo was taken in May." in client.get(gallery.get_absolute_url()).text


@pytest.mark.parametrize("size", [2, 30])
def test_photo_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    gallery = published_gallery(items=size)
    item = gallery.items.last()
    _converse(gallery, item, threads=size % 5 + 1)
    # 1 gallery, 2 item (+ photo, photographer), 3 its renditions, 4 sibling ids, 5 photographers;
    # comments: 6 counts, 7 a page of threads, 8 their first replies; 9 the sections of the menu.
    with django_assert_num_queries(9):
        assert client.get(item.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_list_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    photographer, tag = PhotographerFactory(), TagFactory()
    for _ in range(size):
        gallery = published_gallery(items=1, title="Harbour story")
        gallery.photographers.add(photographer)
        gallery.tags.add(tag)
    # 1 the photographer, tag or section (only with published work), 2 count, 3 page of galleries
    # (+ section, the id of the card's photo: the cover, else the first), 4 their photographers, 5 the card
    # photos with their public renditions; the menu's sections are cached by the first page.
    from django.core.cache import cache

    cache.clear()
    for url in (photographer.get_absolute_url(), tag.get_absolute_url(), gallery.section.get_absolute_url()):
        with django_assert_num_queries(5 + (url == photographer.get_absolute_url())):
            assert client.get(url).status_code == 200
    # 1 count, 2 page of galleries (+ section, card photo id), 3 their photographers, 4 card photos and renditions.
    with django_assert_num_queries(4):
        assert client.get("/search/?q=harbour").status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_home_runs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    for _ in range(size):
        published_gallery(items=1)
    # 1 count, 2 page of galleries (+ section, card photo id), 3 photographers, 4 card photos and renditions,
    # 5 trending stats, 6 most popular (and their photographers and card photos when there are any), 7 the
    # menu's sections.
    with django_assert_num_queries(7):
        assert client.get("/").status_code == 200


def test_gallery_page_links_each_photo_to_its_permalink(client):
    gallery = published_gallery(items=2)
    html = client.get(gallery.get_absolute_url()).text
    for item in gallery.items.all():
        assert f'<a class="frame" href="{item.get_absolute_url()}"' in html
        assert f'action="{reverse("galleries:vote", kwargs={"slug": gallery.slug, "pk": item.pk})}"' in html


def test_byline_tags_links_and_faq_keep_their_order(client):
    gallery = published_gallery(items=1)
    gallery.photographers.clear()
    for name in ("Zeynep Kaya", "Amara Okafor", "Lena Berg"):
        gallery.photographers.add(PhotographerFactory(name=name))
    for name in ("Ports", "Fishing", "Night"):
        gallery.tags.add(TagFactory(name=name))
    GalleryLink.objects.create(gallery=gallery, label="Second link", url="https://example.org/2", position=2)
    GalleryLink.objects.create(gallery=gallery, label="First link", url="https://example.org/1", position=1)
    FaqEntry.objects.create(gallery=gallery, question="Later question?", answer="Yes.", position=5)
    FaqEntry.objects.create(gallery=gallery, question="Earlier question?", answer="No.", position=1)
    html = client.get(gallery.get_absolute_url()).text

    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", byline).startswith("By Amara Okafor, Lena Berg and Zeynep Kaya")
    assert html.index(">Fishing<") < html.index(">Night<") < html.index(">Ports<")
    assert html.index("First link") < html.index("Second link")
    assert html.index("Earlier question?") < html.index("Later question?")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert [author["name"] for author in data["author"]] == ["Amara Okafor", "Lena Berg", "Zeynep Kaya"]
    first = gallery.photographers.get(name="Amara Okafor")
    assert data["author"][0]["url"].endswith(first.get_absolute_url())


def test_corrections_show_their_dates_oldest_first(client):
    from datetime import UTC, datetime

    gallery = published_gallery(items=1)
    CorrectionNote.objects.create(
        gallery=gallery, text="Second fix.", created_at=datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    )
    CorrectionNote.objects.create(gallery=gallery, text="First fix.", created_at=datetime(2026, 2, 1, 8, 0, tzinfo=UTC))
    html = client.get(gallery.get_absolute_url()).text

    assert html.index("First fix.") < html.index("Second fix.")
    assert '<time datetime="2026-03-04T09:30:00+0000">March 4, 2026</time>' in html


def test_share_links_mail_each_photos_title_and_address(client, settings):
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    gallery = published_gallery(items=3, title="Night & day at the quay")
    untitled = gallery.items.last()
    untitled.headline = ""
    untitled.save()
    html = client.get(gallery.get_absolute_url()).text

    links = [parse_qs(urlsplit(unescape(href)).query) for href in re.findall(r'<a class="share" href="([^"]+)"', html)]
    assert links == [
        {
            "subject": [item.headline or "A caption in the photographer's own words"],
            "body": [settings.SITE_URL + item.get_absolute_url()],
        }
        for item in gallery.items.all()
    ]


def test_header_and_footer_links_follow_the_prefix_the_site_is_served_under(client, rf):
    from django.urls import set_script_prefix

    from newsroom.context_processors import site

    links = {name: reverse(f"galleries:{name}") for name in ("home", "search", "rss", "atom", "sitemap", "manifest")}
    set_script_prefix("/news/")
    try:
        prefixed = site(rf.get("/"))["site_links"]
    finally:
        set_script_prefix("/")
    html = client.get("/").text

    assert prefixed == {name: f"/news{link}" for name, link in links.items()}
    assert site(rf.get("/"))["site_links"] == links
    assert all(f'="{link}"' in html for link in links.values())


def test_people_and_topics_without_published_work_have_no_public_page(client):
    photographer, tag = PhotographerFactory(name="Unseen Photographer"), TagFactory()
    hidden = GalleryFactory(in_review=True, title="Hidden story")
    hidden.photographers.add(photographer)
    hidden.tags.add(tag)

    for url in (
        photographer.get_absolute_url(),
        tag.get_absolute_url(),
        hidden.section.get_absolute_url(),
        reverse("galleries:photographer-rss", kwargs={"slug": photographer.slug}),
        reverse("galleries:tag-rss", kwargs={"slug": tag.slug}),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Unseen Photographer" not in response.text


def test_captions_are_escaped_once(client):
    gallery = published_gallery(items=1)
    Item.objects.filter(gallery=gallery).update(caption="Fish & chips\n\nat 3 < 4 quay")
    html = client.get(gallery.get_absolute_url()).text
    assert '<div class="caption"><p>Fish &amp; chips</p>\n\n<p>at 3 &lt; 4 quay</p></div>' in html
