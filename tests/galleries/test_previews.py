import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galleries.models import AuditEvent, PreviewLink, Rendition
from galleries.previews.links import PreviewLinkError, create_preview_link, revoke_preview_link
from galleries.tasks import render_photo
from tests.factories import GalleryFactory, PhotoFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(photographer_user):
    gallery = GalleryFactory(items=2, created_by=photographer_user, title="Secret flood draft")
    for item in gallery.items.all():
        render_photo.call(photo_id=item.photo_id)
    return gallery


def image_urls(html: str) -> list[str]:
    # Placeholders are inline data URIs and scripts come from /static/; every other file URL counts.
    urls = re.findall(r'(?:src|srcset)="([^" ]+)', html)
    return [url for url in urls if not url.startswith(("data:", "/static/"))]


# Staff previews ---------------------------------------------------------------------------------------------


def test_editor_previews_a_draft_with_a_banner_and_private_images(client, editor, draft):
    client.force_login(editor)

    response = client.get(f"/preview/{draft.pk}/")

    assert response.status_code == 200
    assert "Secret flood draft" in response.text
    assert "Preview." in response.text
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    urls = image_urls(response.text)
    assert urls and all(url.startswith("/staff-media/") for url in urls)


def test_photographer_previews_own_draft_but_not_others(client, photographer_user, draft):
    other = GalleryFactory(items=1)
    client.force_login(photographer_user)

    assert client.get(f"/preview/{draft.pk}/").status_code == 200
    assert client.get(f"/preview/{other.pk}/").status_code == 404


def test_readers_and_anonymous_cannot_preview(client, reader, draft):
    assert client.get(f"/preview/{draft.pk}/").status_code == 302
    client.force_login(reader)
    response = client.get(f"/preview/{draft.pk}/")
    assert response.status_code == 302
    assert "Secret flood draft" not in response.text


def test_staff_files_of_a_draft_reach_the_desk_and_photographers_but_not_moderators(
    client, editor, photographer_user, moderator, draft
):
    name = Rendition.objects.filter(photo__items__gallery=draft).values_list("name", flat=True).first()

    for user, status in ((editor, 200), (photographer_user, 200), (moderator, 403)):
        client.force_login(user)
        assert client.get(f"/staff-media/{name}").status_code == status, user.username


def test_moderators_get_staff_files_of_published_photos_for_the_queue(client, moderator):
    published = GalleryFactory(published=True, items=1)
    render_photo.call(photo_id=published.items.get().photo_id)
    name = Rendition.objects.filter(photo__items__gallery=published).values_list("name", flat=True).first()
    client.force_login(moderator)

    response = client.get(f"/staff-media/{name}")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_without_a_newsroom_role_get_no_staff_files(client, draft):
    name = Rendition.objects.filter(photo__items__gallery=draft).values_list("name", flat=True).first()
    client.force_login(UserFactory(username="intern", is_staff=True))

    assert client.get(f"/staff-media/{name}").status_code == 403


def test_editor_previews_a_single_photo(client, editor, draft):
    item = draft.items.first()
    client.force_login(editor)

    response = client.get(f"/preview/{draft.pk}/photos/{item.pk}/")

    assert response.status_code == 200
    assert item.headline in response.text


# Preview links ---------------------------------------------------------------------------------------------


def test_preview_link_shows_the_gallery_to_someone_without_a_login(client, editor, draft):
    link, token = create_preview_link(gallery=draft, by=editor, label="The family")

    response = client.get(f"/preview/link/{token}/")

    assert response.status_code == 200
    assert "Secret flood draft" in response.text
    assert response["Referrer-Policy"] == "no-referrer"
    urls = image_urls(response.text)
    assert urls and all(url.startswith(f"/preview/link/{token}/media/") for url in urls)
    image = client.get(urls[0])
    assert image.status_code == 200
    assert image["Content-Type"].startswith("image/")
    assert link.token_hash != token and token not in link.token_hash
    assert AuditEvent.objects.filter(action="gallery.preview_link_created").count() == 1


def test_preview_link_opens_single_photos(client, editor, draft):
    _, token = create_preview_link(gallery=draft, by=editor)
    item = draft.items.first()

    assert client.get(f"/preview/link/{token}/photos/{item.pk}/").status_code == 200


def links(html: str) -> list[str]:
    return re.findall(r'<a\b[^>]*\bhref="([^"]+)"', html)


def assert_links_stay_inside(client, start: str, *, gallery) -> None:
    """Every photo link on the preview's pages stays under `start`, and no link on them leads to a 404."""
    items = list(gallery.items.all())
    pages = {start: client.get(start)}
    pages |= {f"{start}photos/{item.pk}/": client.get(f"{start}photos/{item.pk}/") for item in items}
    followed = {}
    for url, page in pages.items():
        assert page.status_code == 200, url
        found = links(page.text)
        assert gallery.get_absolute_url() not in " ".join(found), url
        for href in found:
            path = href.split("#")[0]
            if "/photos/" in path:
                assert path.startswith(start), f"{url} links out of the preview to {href}"
            if path.startswith("/") and path not in followed:
                followed[path] = client.get(path).status_code
    assert {f"{start}photos/{item.pk}/" for item in items} <= set(followed)
    assert all(status in (200, 302) for status in followed.values()), followed
    first = pages[f"{start}photos/{items[0].pk}/"].text
    assert f'rel="next" href="{start}photos/{items[1].pk}/"' in first
    assert f'<a href="{start}">All photos</a>' in first


def test_preview_link_pages_link_only_inside_the_preview(client, editor, draft):
    _, token = create_preview_link(gallery=draft, by=editor)

    assert_links_stay_inside(client, f"/preview/link/{token}/", gallery=draft)


def test_staff_preview_pages_link_only_inside_the_preview(client, editor, draft):
    client.force_login(editor)

    assert_links_stay_inside(client, f"/preview/{draft.pk}/", gallery=draft)


def test_preview_link_serves_only_its_own_gallerys_files(client, editor, draft):
    _, token = create_preview_link(gallery=draft, by=editor)
    stranger = PhotoFactory()
    render_photo.call(photo_id=stranger.pk)
    name = Rendition.objects.filter(photo=stranger).first().name

    assert client.get(f"/preview/link/{token}/media/{name}").status_code == 404


def test_expired_link_is_refused(client, editor, draft):
    link, token = create_preview_link(gallery=draft, by=editor)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    name = Rendition.objects.filter(photo__items__gallery=draft).first().name

    assert client.get(f"/preview/link/{token}/").status_code == 404
    assert client.get(f"/preview/link/{token}/media/{name}").status_code == 404


def test_revoked_link_is_refused(client, editor, draft):
    link, token = create_preview_link(gallery=draft, by=editor)

    revoke_preview_link(link=link, by=editor)

    response = client.get(f"/preview/link/{token}/")
    assert response.status_code == 404
    assert "Secret flood draft" not in response.text
    assert AuditEvent.objects.filter(action="gallery.preview_link_revoked").count() == 1


def test_tampered_token_is_refused(client, editor, draft):
    _, token = create_preview_link(gallery=draft, by=editor)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(f"/preview/link/{tampered}/").status_code == 404


def test_only_editors_make_links_and_lifetimes_are_bounded(editor, photographer_user, draft):
    with pytest.raises(PreviewLinkError):
        create_preview_link(gallery=draft, by=photographer_user)
    with pytest.raises(PreviewLinkError):
        create_preview_link(gallery=draft, by=editor, expires_in=timezone.timedelta(days=365))
    assert not PreviewLink.objects.exists()


def test_editor_makes_and_revokes_links_on_the_links_page(client, editor, draft):
    client.force_login(editor)

    response = client.post(f"/preview/{draft.pk}/links/", {"label": "The family", "days": "3"})

    assert response.status_code == 200
    (url,) = re.findall(r"<code>[^<]*(/preview/link/[^<]+/)</code>", response.text)
    assert client.get(url).status_code == 200
    link = PreviewLink.objects.get()
    assert client.post(f"/preview/{draft.pk}/links/{link.pk}/revoke/").status_code == 302
    client.logout()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("days", ["abc", "0", "31", "99999999999", "-99999999999"])
def test_links_page_refuses_a_lifetime_out_of_range_with_the_range(client, editor, draft, days):
    client.force_login(editor)

    response = client.post(f"/preview/{draft.pk}/links/", {"label": "The family", "days": days})

    assert response.status_code == 400
    assert "A preview link lasts between five minutes and 30 days." in response.text
    assert not PreviewLink.objects.exists()


def test_link_label_loses_control_characters(client, editor, draft):
    client.force_login(editor)

    client.post(f"/preview/{draft.pk}/links/", {"label": "The\x00 family\x0b", "days": "3"})

    assert PreviewLink.objects.get().label == "The family"


def test_photographer_cannot_open_the_links_page(client, photographer_user, draft):
    client.force_login(photographer_user)
    assert client.get(f"/preview/{draft.pk}/links/").status_code == 403
    assert client.post(f"/preview/{draft.pk}/links/", {"days": "3"}).status_code == 403
    assert not PreviewLink.objects.exists()


def test_gallery_admin_offers_the_preview_and_editors_the_preview_links(client, editor, photographer_user, draft):
    client.force_login(editor)
    page = client.get(f"/admin/galleries/gallery/{draft.pk}/change/").text
    assert f'href="/preview/{draft.pk}/"' in page
    assert f'href="/preview/{draft.pk}/links/"' in page

    client.force_login(photographer_user)
    page = client.get(f"/admin/galleries/gallery/{draft.pk}/change/").text
    assert f'href="/preview/{draft.pk}/"' in page
    assert f'href="/preview/{draft.pk}/links/"' not in page


@pytest.mark.parametrize("url", ["/preview/{pk}/", "/preview/link/{token}/"])
def test_preview_queries_do_not_grow_with_the_gallery(client, editor, photographer_user, url):
    counts = []
    for size in (2, 5):
        gallery = GalleryFactory(items=size, created_by=photographer_user)
        for item in gallery.items.all():
            render_photo.call(photo_id=item.photo_id)
        _, token = create_preview_link(gallery=gallery, by=editor)
        client.force_login(editor)
        client.get(url.format(pk=gallery.pk, token=token))  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url.format(pk=gallery.pk, token=token)).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_preview_links_page_lets_a_browser_post_its_own_forms(editor, draft):
    """With `no-referrer` a browser sends `Origin: null` and the CSRF check refuses the page's own forms."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    page = client.get(f"/preview/{draft.pk}/links/")

    assert page["Referrer-Policy"] == "same-origin"
    token = page.cookies["csrftoken"].value
    made = client.post(
        f"/preview/{draft.pk}/links/",
        {"label": "The family", "days": "3", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://testserver",
        HTTP_REFERER=f"http://testserver/preview/{draft.pk}/links/",
    )
    assert made.status_code == 200
    assert "/preview/link/" in made.text
    assert made["Referrer-Policy"] == "same-origin"
    assert client.get(f"/preview/{draft.pk}/")["Referrer-Policy"] == "same-origin"
