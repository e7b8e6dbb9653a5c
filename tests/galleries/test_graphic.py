"""Graphic photos: covered behind a warning until the reader chooses, and never the image that stands for a story."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from galleries.models import GalleryDayStats, Item, Photo, Rendition
from galleries.popularity import most_popular, trending
from tests.factories import published_gallery

pytestmark = pytest.mark.django_db

PLACEHOLDER = "data:image/webp;base64,UklGRkAAAABXRUJQVlA4IDQAAADQAQCdASoIAAYAAkA4JZQCdAEO"


def _graphic(item: Item, warning: str = "A wounded man on a stretcher.") -> Item:
    item.graphic = True
    item.graphic_warning = warning
    item.save()
    Photo.objects.filter(pk=item.photo_id).update(placeholder=PLACEHOLDER)
    return item


def _names(photo_id: int) -> list[str]:
    names = list(Rendition.objects.filter(photo_id=photo_id).values_list("name", flat=True))
    assert names
    return names


def _graphic_in_grid(gallery, items: list[Item], index: int) -> dict:
    """The captions grid's form as the editor sends it, with the item at `index` marked graphic."""
    data = {"form-TOTAL_FORMS": str(len(items)), "form-INITIAL_FORMS": str(len(items)), "version": str(gallery.version)}
    for n, item in enumerate(items):
        data |= {
            f"form-{n}-id": str(item.pk),
            f"form-{n}-headline": item.headline,
            f"form-{n}-caption": item.caption,
            f"form-{n}-alt_text": "",
        }
    return data | {f"form-{index}-graphic": "on", f"form-{index}-graphic_warning": "Bodies under sheets."}


def _story(items: int = 3):
    gallery = published_gallery(items=items)
    return gallery, list(gallery.items.order_by("position"))


def test_covered_item_names_no_file_of_its_photo_only_the_blurred_placeholder(client):
    gallery, items = _story()
    covered = _graphic(items[1])
    html = client.get(gallery.get_absolute_url()).text

    for name in _names(covered.photo_id):
        assert name not in html, "a covered photo's file is named in the page before the reader chose"
    assert any(name in html for name in _names(items[0].photo_id))
    cover = re.search(r'<div class="graphic-cover">.*?</div></div>', html, re.S).group(0)
    assert f'src="{PLACEHOLDER}"' in cover and 'alt=""' in cover
    assert "A wounded man on a stretcher." in cover
    # The control is a link: keyboard-operable, and it works without JavaScript.
    show = re.search(r'<a class="show-photo" href="([^"]+)"[^>]*>Show photo', cover)
    assert show.group(1) == f"{gallery.get_absolute_url()}photos/{covered.pk}/?show=1#photo-2"
    assert 'aria-describedby="photo-2-warning"' in cover
    assert html.count("<picture>") == 2


def test_show_photo_link_reveals_the_photo_without_javascript(client):
    _gallery, items = _story()
    covered = _graphic(items[0])
    page = covered.get_absolute_url()

    before = client.get(page).text
    assert 'class="show-photo"' in before
    assert not any(name in before for name in _names(covered.photo_id))

    after = client.get(f"{page}?show=1").text
    assert 'class="show-photo"' not in after
    assert '<img class="photo' in after
    assert any(name in after for name in _names(covered.photo_id))
    assert "Cover it again" in after


def test_default_warning_when_the_editor_wrote_none(client):
    gallery, items = _story(items=1)
    _graphic(items[0], warning="")
    html = client.get(gallery.get_absolute_url()).text
    assert "Some readers may find it distressing." in html


def test_gallery_social_card_falls_back_to_a_photo_that_is_not_graphic(client):
    gallery, items = _story()
    _graphic(items[0])  # the cover
    assert gallery.cover_id == items[0].photo_id
    html = client.get(gallery.get_absolute_url()).text

    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert og_image.split("/media/")[-1] in _names(items[1].photo_id)
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert not any(name in json_ld for name in _names(items[0].photo_id))


def test_photo_page_of_a_graphic_photo_has_no_social_image_even_when_shown(client):
    _gallery, items = _story()
    covered = _graphic(items[1])
    html = client.get(f"{covered.get_absolute_url()}?show=1").text
    assert 'property="og:image"' not in html
    assert 'name="twitter:card" content="summary"' in html


def test_a_photo_marked_graphic_in_one_gallery_is_not_the_card_of_another(client):
    _first, first_items = _story()
    second = published_gallery(items=0)
    shared = Item.objects.create(gallery=second, photo=first_items[0].photo, position=0, headline="Same photo")
    Item.objects.create(gallery=second, photo=first_items[1].photo, position=1, headline="Other photo")
    second.cover = shared.photo
    second.save()
    _graphic(first_items[0])

    html = client.get(second.get_absolute_url()).text
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert og_image.split("/media/")[-1] in _names(first_items[1].photo_id)
    assert set(Photo.objects.not_graphic()) == set(Photo.objects.exclude(pk=first_items[0].photo_id))


@pytest.mark.django_db(transaction=True)
def test_marking_a_photo_graphic_in_one_gallery_refreshes_the_cached_card_of_another(client, editor):
    first, first_items = _story(items=2)
    second = published_gallery(items=0)
    shared = Item.objects.create(gallery=second, photo=first_items[0].photo, position=0, headline="Same photo")
    Item.objects.create(gallery=second, photo=first_items[1].photo, position=1, headline="Other photo")
    second.cover = shared.photo
    second.save()
    reader = type(client)()

    def card() -> str:
        html = reader.get(second.get_absolute_url()).text
        return re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1).split("/media/")[-1]

    api = reader.get(f"/api/v1/galleries/{second.slug}/").json()
    assert card() in _names(shared.photo_id)

    client.force_login(editor)
    response = client.post(
        reverse("admin:galleries_gallery_captions", args=[first.pk]), _graphic_in_grid(first, first_items, 0)
    )
    assert response.status_code == 302

    assert card() in _names(first_items[1].photo_id)
    assert reader.get(f"/api/v1/galleries/{second.slug}/").json() != api


def test_feeds_never_use_a_graphic_photo_as_thumbnail(client):
    _gallery, items = _story()
    _graphic(items[0])  # the cover
    for url in ("/rss/", "/atom/"):
        text = client.get(url).text
        assert not any(name in text for name in _names(items[0].photo_id))
        thumbnail = re.search(r'<media:thumbnail[^>]* url="([^"]+)"', text).group(1)
        assert thumbnail.split("/")[-1] in {n.split("/")[-1] for n in _names(items[1].photo_id)}


def test_image_sitemap_leaves_graphic_photos_out(client):
    _gallery, items = _story()
    _graphic(items[2])
    text = client.get("/sitemap.xml").text
    assert not any(name in text for name in _names(items[2].photo_id))
    assert any(name in text for name in _names(items[0].photo_id))


def test_cards_trending_and_most_popular_never_show_a_graphic_cover(client):
    gallery, items = _story()
    _graphic(items[0])
    GalleryDayStats.objects.create(gallery=gallery, day=timezone.localdate(), views=50, votes=3)

    for listed in (trending(), most_popular()):
        assert listed == [gallery]
        # The card stands for the story with the next photo, never the graphic cover.
        assert listed[0].card_photo.pk == items[1].photo_id
        assert {r.photo_id for r in listed[0].card_renditions} == {items[1].photo_id}
    html = client.get(reverse("galleries:home")).text
    assert gallery.title in html
    assert not any(name in html for name in _names(items[0].photo_id))


def test_gallery_notice_comes_before_the_first_photo(client):
    gallery, _ = _story()
    gallery.contains_graphic = True
    gallery.graphic_notice = "Photos show the aftermath of the strike."
    gallery.save()
    html = client.get(gallery.get_absolute_url()).text
    notice = html.index('class="graphic-notice"')
    assert notice < html.index('<li class="item"')
    assert "Photos show the aftermath of the strike." in html


def test_gallery_without_the_mark_has_no_notice(client):
    gallery, _ = _story(items=1)
    assert 'class="graphic-notice"' not in client.get(gallery.get_absolute_url()).text


def test_editor_marks_an_item_graphic_in_the_captions_grid(client, editor):
    gallery, items = _story(items=2)
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_captions", args=[gallery.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Warning on photo 1" in page.text
    response = client.post(url, _graphic_in_grid(gallery, items, 1))
    assert response.status_code == 302
    items[1].refresh_from_db()
    assert items[1].graphic and items[1].graphic_warning == "Bodies under sheets."
    assert not Item.objects.get(pk=items[0].pk).graphic


def test_graphic_items_cost_the_gallery_page_no_extra_query(client, django_assert_max_num_queries):
    gallery, items = _story(items=4)
    client.get(gallery.get_absolute_url())  # warm up sessions and content types
    with django_assert_max_num_queries(50) as plain:
        client.get(gallery.get_absolute_url())
    _graphic(items[1])
    _graphic(items[3])
    with django_assert_max_num_queries(50) as covered:
        client.get(gallery.get_absolute_url())
    assert len(covered.captured_queries) == len(plain.captured_queries)
