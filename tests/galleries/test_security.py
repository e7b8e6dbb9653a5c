"""Attacks on the public site and the newsroom admin, each as an attacker would try it."""

import json
import re
from pathlib import Path

import pytest
import reversion
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from galleries.admin.photographers import PhotographerAdminForm
from galleries.folders import FolderError, import_gallery_folder
from galleries.markup import plain_text, render_markup
from galleries.models import Gallery, Item, Photo, Photographer, PreviewLink, Vote
from galleries.popularity import VOTES_PER_ADDRESS_PER_PHOTO, cast_vote
from galleries.ratelimit import client_ip
from tests.factories import CommentFactory, GalleryFactory, PhotographerFactory, UserFactory, published_gallery
from tests.galleries.test_import_export import MANIFEST, jpeg, make_folder, nothing_created
from tests.races import race_at_filter

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


# Links on public pages -----------------------------------------------------------------------------------------


def test_photographer_links_never_become_script_urls(client):
    # Rows as an import or an old form might have left them, never validated.
    photographer = PhotographerFactory(
        website="javascript:alert(1)",
        instagram='x"/../../evil.example',
        social_links="javascript:alert(2)\n data:text/html,hi \nhttps://social.example/@amara",
    )
    published_gallery(items=0).photographers.add(photographer)
    html = client.get(photographer.get_absolute_url()).text

    assert "javascript:" not in html and "data:text" not in html
    assert "instagram.com" not in html and "evil.example" not in html
    assert '<a href="https://social.example/@amara" rel="me noopener">' in html


def test_photographer_form_refuses_links_that_are_not_web_addresses():
    form = PhotographerAdminForm(
        data={"name": "Amara", "slug": "amara", "instagram": "amara/../x", "social_links": "javascript:alert(1)"}
    )

    assert not form.is_valid()
    assert "not a web address" in str(form.errors["social_links"])
    assert "Instagram handle" in str(form.errors["instagram"])


def test_photographer_form_keeps_good_links():
    form = PhotographerAdminForm(
        data={"name": "Amara", "slug": "amara", "instagram": "@amara.okafor", "social_links": " https://a.example/x \n"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["instagram"] == "amara.okafor"
    assert form.cleaned_data["social_links"] == "https://a.example/x"


# Importing a folder --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (MANIFEST.replace("https://example.org/delta", "javascript:alert(1)"), "link url 'javascript:alert(1)'"),
        (MANIFEST.replace("https://ines.example.org", "javascript:alert(1)"), "photographer website"),
        (MANIFEST.replace('instagram = "inesb"', 'instagram = "inesb/../../evil"'), "not an Instagram handle"),
    ],
    ids=["link", "website", "instagram"],
)
def test_import_refuses_links_that_are_not_web_addresses(tmp_path, settings, manifest, message):
    folder = make_folder(tmp_path, count=1, manifest=manifest)

    with pytest.raises(FolderError, match=re.escape(message)):
        import_gallery_folder(directory=folder)
    assert nothing_created(settings)


def test_import_refuses_a_symlinked_photo(tmp_path, settings):
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(jpeg(200))
    folder = make_folder(tmp_path, count=2)
    (folder / "river-03.jpg").symlink_to(outside)

    with pytest.raises(FolderError, match=r"river-03\.jpg: is a symbolic link"):
        import_gallery_folder(directory=folder)
    assert nothing_created(settings)


def test_import_never_reads_a_symlinked_captions_file(tmp_path, settings):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:secret-hash:0:0\n")
    folder = make_folder(tmp_path, count=2)
    (folder / "captions.csv").symlink_to(secret)

    with pytest.raises(FolderError) as refusal:
        import_gallery_folder(directory=folder)
    assert "symbolic link" in str(refusal.value)
    assert "secret-hash" not in str(refusal.value)
    assert nothing_created(settings)


@pytest.mark.parametrize("name", ["/etc/hostname", "../river-01.jpg", "sub/river-01.jpg", ".hidden.jpg"])
def test_import_refuses_paths_in_the_captions_file(tmp_path, settings, name):
    folder = make_folder(tmp_path, count=1, rows=[{"file": name, "headline": "H"}])

    with pytest.raises(FolderError, match="must be a file name in the folder"):
        import_gallery_folder(directory=folder)
    assert nothing_created(settings)


# Forms on cached pages: the Origin and Referer check ------------------------------------------------------------


def _vote_url(item) -> str:
    return reverse("galleries:vote", kwargs={"slug": item.gallery.slug, "pk": item.pk})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "null", "Referer": "http://testserver/galleries/"},
        {"Origin": "null"},
        {"Origin": "https://evil.example", "Referer": "http://testserver/"},
        {"Origin": "http://testserver.evil.example"},
        {"Referer": "https://evil.example/http://testserver/"},
        {"Referer": "http://testserver.evil.example/"},
        {"Origin": ""},
    ],
    ids=[
        "neither",
        "null-origin-own-referer",
        "null-origin",
        "other-origin",
        "lookalike",
        "referer-path",
        "sub",
        "empty",
    ],
)
def test_votes_and_beacons_from_other_sites_are_refused(client, headers):
    item = published_gallery(items=1).items.get()

    response = client.post(_vote_url(item), headers=headers)
    client.post(reverse("galleries:seen", kwargs={"pk": item.gallery_id}), headers=headers)

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.vote_count == 0 and not Vote.objects.exists()
    assert caches["counters"].get(f"views:{timezone.localdate().isoformat()}:{item.gallery_id}") is None


@pytest.mark.parametrize("headers", [{"Origin": "http://testserver"}, {"Referer": "http://testserver/galleries/x/"}])
def test_votes_from_this_site_count(client, headers):
    item = published_gallery(items=1).items.get()

    assert client.post(_vote_url(item), headers=headers).status_code == 302
    item.refresh_from_db()
    assert item.vote_count == 1


# The photo library: who may change a photo -------------------------------------------------------------------


def _photo_form_data(client, editor, photo, **changes) -> dict:
    client.force_login(editor)
    form = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(keywords="[]", redactions="[]", **changes)
    client.logout()
    return data


def test_photographer_cannot_unredact_a_published_photo_of_someone_else(client, editor, photographer_user):
    gallery = published_gallery(items=1)
    photo = gallery.items.get().photo
    Photo.objects.filter(pk=photo.pk).update(redactions=[{"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}])
    url = reverse("admin:galleries_photo_change", args=[photo.pk])
    data = _photo_form_data(client, editor, photo, alt_text="Changed behind the desk's back.")

    client.force_login(photographer_user)
    page = client.get(url)
    response = client.post(url, data)

    assert page.status_code == 200 and "adminform" in page.context and not page.context["has_change_permission"]
    assert response.status_code == 403
    photo.refresh_from_db()
    assert photo.redactions == [{"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}]
    assert photo.alt_text == "A test photograph."


def test_photographer_cannot_change_their_own_photo_once_its_gallery_left_draft(client, editor, photographer_user):
    gallery = GalleryFactory(created_by=photographer_user, in_review=True, items=1)
    photo = gallery.items.get().photo
    Photo.objects.filter(pk=photo.pk).update(uploaded_by=photographer_user)
    data = _photo_form_data(client, editor, photo, alt_text="Changed while in review.")

    client.force_login(photographer_user)
    response = client.post(reverse("admin:galleries_photo_change", args=[photo.pk]), data)

    assert response.status_code == 403
    photo.refresh_from_db()
    assert photo.alt_text == "A test photograph."


def test_photographer_changes_their_own_photo_in_their_own_draft(client, editor, photographer_user):
    gallery = GalleryFactory(created_by=photographer_user, items=1)
    photo = gallery.items.get().photo
    Photographer.objects.filter(pk=photo.photographer_id).update(user=photographer_user)
    data = _photo_form_data(client, editor, photo, alt_text="Two ferries at the quay.")

    client.force_login(photographer_user)
    response = client.post(reverse("admin:galleries_photo_change", args=[photo.pk]), data)

    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.alt_text == "Two ferries at the quay."


# Vote fraud: who counts as one address ---------------------------------------------------------------------------


def _votes_from(client, item, addresses: list[dict]) -> int:
    for meta in addresses:
        client.cookies.clear()
        client.post(_vote_url(item), headers={"Origin": "http://testserver"}, **meta)
    item.refresh_from_db()
    return item.vote_count


def test_a_forged_forwarded_for_header_is_not_a_new_address(client):
    item = published_gallery(items=1).items.get()
    forged = [{"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}", "REMOTE_ADDR": "198.51.100.7"} for n in range(10)]

    assert _votes_from(client, item, forged) == VOTES_PER_ADDRESS_PER_PHOTO


def test_behind_a_proxy_the_reader_is_the_address_it_saw_not_what_the_reader_wrote(client, settings):
    settings.LOUPE_TRUSTED_PROXIES = 1
    item = published_gallery(items=1).items.get()
    forged = [{"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, 203.0.113.5", "REMOTE_ADDR": "10.0.0.2"} for n in range(10)]
    others = [{"HTTP_X_FORWARDED_FOR": f"203.0.113.{n + 20}", "REMOTE_ADDR": "10.0.0.2"} for n in range(3)]

    assert _votes_from(client, item, forged) == VOTES_PER_ADDRESS_PER_PHOTO
    # Other readers behind the same load balancer are not lumped in with them.
    assert _votes_from(client, item, others) == VOTES_PER_ADDRESS_PER_PHOTO + 3


def test_one_ipv6_subscriber_hopping_through_their_64_is_one_address(client):
    item = published_gallery(items=1).items.get()
    hops = [{"REMOTE_ADDR": f"2001:db8:1:2::{n:x}"} for n in range(1, 10)]

    assert _votes_from(client, item, hops) == VOTES_PER_ADDRESS_PER_PHOTO


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "192.0.2.1"}, "198.51.100.7"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.5"}, "203.0.113.5"),
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.5, 10.0.0.1"}, "203.0.113.5"),
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.0.0.2"),
        (0, {"REMOTE_ADDR": "2001:db8:1:2:aaaa:bbbb:cccc:dddd"}, "2001:db8:1:2::/64"),
        (0, {"REMOTE_ADDR": "::ffff:198.51.100.7"}, "198.51.100.7"),
    ],
    ids=["ignored", "one-proxy", "two-proxies", "short-header", "junk", "ipv6", "mapped"],
)
def test_client_address(rf, settings, proxies, meta, expected):
    settings.LOUPE_TRUSTED_PROXIES = proxies

    assert client_ip(rf.get("/", **meta)) == expected


# History: deleted galleries ------------------------------------------------------------------------------------


@pytest.fixture
def deleted_gallery():
    gallery = GalleryFactory(title="Deleted before publication", items=1)
    with reversion.create_revision():
        gallery.save()
    version = Version.objects.get_for_object(gallery).get()
    gallery.delete()
    return version


def test_only_editors_see_and_recover_deleted_galleries(client, editor, photographer_user, deleted_gallery):
    recover = reverse("admin:galleries_gallery_recover", args=[deleted_gallery.pk])
    client.force_login(photographer_user)
    listing = client.get(reverse("admin:galleries_gallery_recoverlist"))

    assert listing.status_code == 403
    assert client.get(recover).status_code == 403
    assert client.post(recover, {}).status_code == 403
    client.force_login(editor)
    assert "Deleted before publication" in client.get(reverse("admin:galleries_gallery_recoverlist")).text


# Shared caches and pages made for one reader -------------------------------------------------------------------


def test_a_page_with_a_message_for_this_reader_is_not_public(client):
    gallery = published_gallery(items=1)
    comment = CommentFactory(gallery=gallery)
    client.post(reverse("comments:vote", args=[comment.pk]), headers={"Origin": "http://testserver"})

    response = client.get(gallery.get_absolute_url() + "?notice=1")

    assert "Thanks for your vote." in response.text
    assert "public" not in response["Cache-Control"]


# The captions grid: only the gallery's own items ------------------------------------------------------------------


def _captions_post(gallery, rows: list[tuple[int | str, str]], *, total: int | None = None) -> dict:
    data = {
        "form-TOTAL_FORMS": total if total is not None else len(rows),
        "form-INITIAL_FORMS": gallery.items.count(),
        "version": gallery.version,
    }
    for index, (pk, headline) in enumerate(rows):
        data |= {f"form-{index}-id": pk, f"form-{index}-headline": headline}
        data |= {f"form-{index}-caption": "", f"form-{index}-alt_text": ""}
    return data


def test_captions_grid_cannot_reach_another_gallerys_items(client, photographer_user):
    mine = GalleryFactory(created_by=photographer_user, items=1)
    theirs = published_gallery(items=1).items.get()
    client.force_login(photographer_user)
    url = reverse("admin:galleries_gallery_captions", args=[mine.pk])

    response = client.post(url, _captions_post(mine, [(theirs.pk, "Hijacked")]))

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.headline != "Hijacked"


def test_captions_grid_adds_no_items(client, photographer_user):
    mine = GalleryFactory(created_by=photographer_user, items=1)
    item = mine.items.get()
    client.force_login(photographer_user)
    url = reverse("admin:galleries_gallery_captions", args=[mine.pk])

    response = client.post(url, _captions_post(mine, [(item.pk, "Kept"), ("", "Smuggled in")]))

    assert response.status_code == 302
    assert list(Item.objects.values_list("headline", flat=True)) == ["Kept"]


# Admin views: every persona that may not ---------------------------------------------------------------------


def _outsider_urls(gallery) -> list[tuple[str, str]]:
    item = gallery.items.first()
    with reversion.create_revision():
        gallery.save()
    version = Version.objects.get_for_object(gallery).first()
    admin = "admin:galleries_gallery_"
    return [
        ("get", reverse(admin + "change", args=[gallery.pk])),
        ("get", reverse(admin + "captions", args=[gallery.pk])),
        ("post", reverse(admin + "captions", args=[gallery.pk])),
        ("post", reverse(admin + "upload", args=[gallery.pk])),
        ("post", reverse(admin + "upload_known", args=[gallery.pk])),
        ("post", reverse(admin + "upload_append", args=[gallery.pk])),
        ("post", reverse(admin + "transition", args=[gallery.pk, "submit"])),
        ("post", reverse(admin + "transition", args=[gallery.pk, "approve"])),
        ("get", reverse(admin + "history", args=[gallery.pk])),
        ("get", reverse(admin + "revision", args=[gallery.pk, version.pk])),
        ("post", reverse(admin + "revision", args=[gallery.pk, version.pk])),
        ("get", reverse("galleries:preview", args=[gallery.pk])),
        ("get", reverse("galleries:preview-item", args=[gallery.pk, item.pk])),
        ("get", reverse("galleries:preview-links", args=[gallery.pk])),
        ("post", reverse("galleries:preview-links", args=[gallery.pk])),
    ]


@pytest.mark.parametrize("persona", ["anonymous", "reader", "photographer_user", "moderator"])
def test_nobody_but_the_desk_and_the_author_reaches_a_draft_in_the_admin(client, request, persona, editor):
    author = UserFactory(username="author", is_staff=True)
    author.groups.add(Group.objects.get(name="Photographers"))
    gallery = GalleryFactory(created_by=author, title="Unannounced zqx story", items=1)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))

    for method, url in _outsider_urls(gallery):
        response = getattr(client, method)(url, {"note": "x"} if method == "post" else None)
        if persona in ("anonymous", "reader"):
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (method, url)
        else:
            assert response.status_code in (302, 403, 404), (persona, method, url, response.status_code)
        assert "Unannounced zqx story" not in response.content.decode(), (persona, method, url)
    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.DRAFT and gallery.version == 1
    assert not PreviewLink.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_racing_votes_from_one_address_with_fresh_cookies_stay_capped(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    item = published_gallery(items=1).items.get()
    race_at_filter(
        monkeypatch,
        Vote.objects,
        lambda n: cast_vote(item=item, voter=f"fresh-cookie-{n}", ip_hash="one-address"),
        racers=VOTES_PER_ADDRESS_PER_PHOTO + 3,
    )

    assert Vote.objects.filter(item=item).count() == VOTES_PER_ADDRESS_PER_PHOTO


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https:evil.example",
        " //evil.example",
    ],
)
def test_a_vote_never_redirects_off_the_site(client, target):
    item = published_gallery(items=1).items.get()

    response = client.post(_vote_url(item), {"next": target}, headers={"Origin": "http://testserver"})

    assert response.status_code == 302
    assert response["Location"] == f"{item.gallery.get_absolute_url()}#photo-{item.number}"


def test_admin_sign_in_never_redirects_off_the_site(client, editor):
    response = client.post(
        reverse("admin:login") + "?next=//evil.example/",
        {"username": "editor", "password": "correct horse battery staple", "next": "//evil.example/"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_private_files_live_outside_the_folder_development_serves_as_media():
    from newsroom import settings as configured

    media = Path(configured.MEDIA_ROOT).resolve()
    for name in ("originals", "renditions"):
        location = Path(configured.STORAGES[name]["OPTIONS"]["location"]).resolve()
        assert not location.is_relative_to(media) and not media.is_relative_to(location), name
        assert configured.STORAGES[name]["OPTIONS"]["base_url"] is None, name
