"""Requests from the people pictured: the public form, the standards queue and each decision."""

import json
import re
import time

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.storage import storages
from django.urls import reverse

from galleries.ingest import ingest_photo
from galleries.models import AuditEvent, Item, PersonRequest, Photo, Rendition
from galleries.publication import expose_photos, settle_gallery_files
from galleries.standards import RequestRefused, decline_request, issue_stamp
from tests.factories import GalleryFactory, ItemFactory, UserFactory, published_gallery
from tests.galleries.test_framing import FACE, change_form_data, noisy_photo

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


@pytest.fixture
def item():
    return published_gallery(items=2).items.order_by("position").first()


def _url(item: Item) -> str:
    return reverse("galleries:person-request", kwargs={"slug": item.gallery.slug, "pk": item.pk})


def _data(item: Item, **changes) -> dict:
    data = {
        "name": "Amal Haddad",
        "relation": "pictured",
        "ask": "blur",
        "details": "I am the woman on the left; my family could be found.",
        "email": "amal@example.org",
        "website": "",
        # Shown a minute ago: a person's pace.
        "stamp": issue_stamp(item=item, at=time.time() - 60),
    }
    return data | changes


def _send(client, item, capture, **changes):
    with capture(execute=True):
        return client.post(_url(item), _data(item, **changes), **ORIGIN)


def _filed(client, item, capture, **changes) -> PersonRequest:
    response = _send(client, item, capture, **changes)
    assert response.status_code == 200, response.text
    return PersonRequest.objects.latest("created_at")


# --- The public form ---------------------------------------------------------------------------------------


def test_every_public_photo_page_links_to_the_form(client, item):
    html = client.get(item.get_absolute_url()).text
    assert f'href="{_url(item)}"' in html and "Are you in this photo?" in html


def test_the_form_names_its_photo_sets_no_cookie_and_is_never_cached(client, item):
    response = client.get(_url(item))
    assert response.status_code == 200
    assert item.headline in response.text and item.gallery.title in response.text
    assert 'name="stamp"' in response.text
    assert response.cookies == {} and "Set-Cookie" not in response
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    # No analytics or third-party script: the only scripts are the site's own.
    assert not re.search(r'<script[^>]+src="(?!/static/)', response.text)


def test_the_form_of_an_unpublished_photo_does_not_exist(client):
    draft_item = published_gallery(items=1).items.get()
    draft_item.gallery.status = "draft"
    draft_item.gallery.save()
    assert client.get(_url(draft_item)).status_code == 404


def test_a_valid_request_is_acknowledged_with_a_reference_and_mailed(
    client, item, editor, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    response = _send(client, item, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert response.cookies == {}
    person_request = PersonRequest.objects.get()
    assert (person_request.item, person_request.photo, person_request.status) == (item, item.photo, "open")
    assert person_request.caption_filed == item.caption
    assert re.fullmatch(r"[0-9A-F]{5}(-[0-9A-F]{5}){3}", person_request.reference)
    assert person_request.reference in response.text
    to_requester = [m for m in mail.outbox if m.to == ["amal@example.org"]]
    assert len(to_requester) == 1 and person_request.reference in to_requester[0].subject
    assert person_request.reference in to_requester[0].body
    # The desk is told what is asked, not who asked.
    to_desk = [m for m in mail.outbox if m.to == [editor.email]]
    assert len(to_desk) == 1
    assert "amal@example.org" not in to_desk[0].body and "Amal" not in to_desk[0].body
    event = AuditEvent.objects.get(action="person_request.filed")
    assert "Amal" not in f"{event.target_repr}{event.note}{event.data}"
    assert "amal@" not in f"{event.target_repr}{event.note}{event.data}"


def test_references_are_unguessable_and_unique(client, item, django_capture_on_commit_callbacks):
    first = _filed(client, item, django_capture_on_commit_callbacks)
    second = _filed(client, item, django_capture_on_commit_callbacks)
    assert first.reference != second.reference
    assert len(first.reference.replace("-", "")) == 20  # 80 random bits


def test_an_invalid_request_is_refused_and_nothing_is_stored(client, item, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    response = _send(client, item, django_capture_on_commit_callbacks, email="not an address", ask="sue them")
    assert response.status_code == 400
    assert "Your request was not sent yet" in response.text
    assert "Amal Haddad" in response.text  # what they wrote is kept
    assert PersonRequest.objects.count() == 0 and mail.outbox == []


def test_a_request_from_another_site_is_refused(client, item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(item), _data(item), HTTP_ORIGIN="https://evil.example")
        bare = client.post(_url(item), _data(item))
    assert response.status_code == 403 and bare.status_code == 403
    assert PersonRequest.objects.count() == 0


@pytest.mark.parametrize(
    "stamp",
    ["", "forged", "other-photo", "just-now"],
)
def test_a_request_without_a_good_stamp_is_refused(client, item, stamp, django_capture_on_commit_callbacks):
    other = Item.objects.exclude(pk=item.pk).first()
    stamps = {
        "": "",
        "forged": "123:abc",
        "other-photo": issue_stamp(item=other, at=time.time() - 60),
        "just-now": issue_stamp(item=item),
    }
    response = _send(client, item, django_capture_on_commit_callbacks, stamp=stamps[stamp])
    assert response.status_code == 400
    assert PersonRequest.objects.count() == 0


def test_a_stamp_is_used_once(client, item, django_capture_on_commit_callbacks):
    stamp = issue_stamp(item=item, at=time.time() - 60)
    assert _send(client, item, django_capture_on_commit_callbacks, stamp=stamp).status_code == 200
    again = _send(client, item, django_capture_on_commit_callbacks, stamp=stamp)
    assert again.status_code == 400 and "sent already" in again.text
    assert PersonRequest.objects.count() == 1


def test_a_filled_honeypot_is_refused(client, item, django_capture_on_commit_callbacks):
    response = _send(client, item, django_capture_on_commit_callbacks, website="http://spam.example")
    assert response.status_code == 400 and PersonRequest.objects.count() == 0


def test_requests_are_rate_limited_per_address(client, item, django_capture_on_commit_callbacks):
    for _ in range(5):
        assert _send(client, item, django_capture_on_commit_callbacks).status_code == 200
    refused = _send(client, item, django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and "Too many requests" in refused.text
    assert PersonRequest.objects.count() == 5


def test_requests_never_reach_the_comment_queue(client, item, django_capture_on_commit_callbacks):
    from newsroom.models import Comment

    _filed(client, item, django_capture_on_commit_callbacks)
    assert Comment.objects.count() == 0


# --- The standards queue -------------------------------------------------------------------------------------


@pytest.fixture
def filed(client, item, django_capture_on_commit_callbacks) -> PersonRequest:
    person_request = _filed(client, item, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return person_request


def test_editors_see_the_queue_and_the_requesters_contact(client, editor, filed):
    client.force_login(editor)
    queue = client.get(reverse("admin:galleries_personrequest_changelist"))
    assert queue.status_code == 200 and filed.reference in queue.text
    page = client.get(reverse("admin:galleries_personrequest_change", args=[filed.pk]))
    assert page.status_code == 200
    assert "amal@example.org" in page.text and "Amal Haddad" in page.text
    assert "Blur in the redaction editor" in page.text


@pytest.mark.parametrize("persona", ["photographer_user", "moderator"])
def test_staff_without_the_permission_never_see_requests(client, filed, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("admin:galleries_personrequest_changelist")).status_code == 403
    assert client.get(reverse("admin:galleries_personrequest_change", args=[filed.pk])).status_code in (302, 403)
    decide = client.post(
        reverse("admin:galleries_personrequest_decide", args=[filed.pk]), {"decision": "decline", "note": "No."}
    )
    assert decide.status_code == 403
    assert PersonRequest.objects.get(pk=filed.pk).status == "open"
    assert "amal@example.org" not in client.get(reverse("admin:index")).text


def test_the_permission_alone_opens_the_queue(client, filed):
    someone = UserFactory(is_staff=True)
    someone.user_permissions.add(Permission.objects.get(codename="handle_person_request"))
    client.force_login(someone)
    assert client.get(reverse("admin:galleries_personrequest_changelist")).status_code == 200


def _decide(client, filed, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:galleries_personrequest_decide", args=[filed.pk]), data)
    assert response.status_code == 302
    filed.refresh_from_db()
    return client.get(response["Location"])


def test_decline_needs_a_reason_and_tells_the_requester(client, editor, filed, django_capture_on_commit_callbacks):
    client.force_login(editor)
    page = _decide(client, filed, django_capture_on_commit_callbacks, decision="decline", note="")
    assert filed.status == "open" and "Say why" in page.text and mail.outbox == []

    _decide(client, filed, django_capture_on_commit_callbacks, decision="decline", note="You are not identifiable.")
    assert (filed.status, filed.decided_by, filed.decision_note) == ("declined", editor, "You are not identifiable.")
    event = AuditEvent.objects.get(action="person_request.declined")
    assert (event.actor, event.note, event.to_state) == (editor, "You are not identifiable.", "declined")
    [message] = mail.outbox
    assert message.to == ["amal@example.org"] and filed.reference in message.subject
    assert "You are not identifiable." in message.body


def test_a_decided_request_cannot_be_decided_again(editor, filed):
    decline_request(person_request=filed, by=editor, reason="Not you.")
    with pytest.raises(RequestRefused, match="already decided"):
        decline_request(person_request=filed, by=editor, reason="Again.")


def test_caption_correction_waits_for_a_corrected_caption(client, editor, filed, django_capture_on_commit_callbacks):
    client.force_login(editor)
    page = client.get(reverse("admin:galleries_personrequest_change", args=[filed.pk])).text
    assert reverse("admin:galleries_gallery_captions", args=[filed.item.gallery_id]) in page

    refused = _decide(client, filed, django_capture_on_commit_callbacks, decision="caption")
    assert filed.status == "open" and "correct it first" in refused.text

    Item.objects.filter(pk=filed.item_id).update(caption="A caption that names no one.")
    _decide(client, filed, django_capture_on_commit_callbacks, decision="caption", note="We removed your name.")
    assert filed.status == "caption_corrected"
    event = AuditEvent.objects.get(action="person_request.caption_corrected")
    assert event.data["caption_after"] == "A caption that names no one."
    assert [m.to for m in mail.outbox] == [["amal@example.org"]]
    assert "We removed your name." in mail.outbox[0].body


def test_blur_from_the_queue_replaces_the_public_files(client, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = ingest_photo(data=noisy_photo(), filename="face.jpg").photo
    item = ItemFactory(photo=photo, gallery=GalleryFactory(published=True, comment_mode="closed", cover=photo))
    expose_photos(photos=[photo])
    photo.refresh_from_db()
    old = list(Rendition.objects.filter(photo=photo, is_public=True).values_list("name", flat=True))
    assert old and all(storages["default"].exists(name) for name in old)
    filed = _filed(client, item, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    client.force_login(editor)
    # Closing as blurred before anyone blurred is refused.
    _decide(client, filed, django_capture_on_commit_callbacks, decision="blur")
    assert filed.status == "open"

    editor_url = reverse("admin:galleries_photo_change", args=[photo.pk]) + f"?person_request={filed.pk}"
    assert f"Blurring for {filed}" in client.get(editor_url).text
    assert (
        editor_url.replace("&", "&amp;")
        in client.get(reverse("admin:galleries_personrequest_change", args=[filed.pk])).text
    )
    rights = {
        "rights_category": photo.rights_category,
        "rights_cost": photo.rights_cost,
        **{f"{name}_{part}": "" for name in ("allowed_until", "embargoed_until") for part in (0, 1)},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(editor_url, change_form_data(photo, redactions=json.dumps([FACE]), **rights))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == reverse("admin:galleries_personrequest_change", args=[filed.pk])
    filed.refresh_from_db()
    assert filed.status == "blurred" and filed.decided_by == editor
    assert AuditEvent.objects.filter(action="person_request.blurred").exists()
    assert [m.to for m in mail.outbox] == [["amal@example.org"]]
    # The old files are gone from the public storage and their URLs; new blurred ones are public.
    for name in old:
        assert not storages["default"].exists(name)
        assert client.get(f"/media/{name}").status_code == 404
    new = set(Rendition.objects.filter(photo=photo, is_public=True).values_list("name", flat=True))
    assert new and not new & set(old)
    assert Photo.objects.get(pk=photo.pk).redactions == [FACE]


def test_take_down_from_the_queue_hides_the_photo_everywhere(client, editor, django_capture_on_commit_callbacks):
    gallery = GalleryFactory(published=True, items=2)
    item = gallery.items.order_by("position").first()
    gallery.cover = item.photo
    gallery.save(update_fields=["cover"])
    settle_gallery_files(gallery_id=gallery.pk)
    names = list(Rendition.objects.filter(photo=item.photo).values_list("name", flat=True))
    assert names and storages["default"].exists(names[0])
    filed = _filed(client, item, django_capture_on_commit_callbacks, ask="remove")
    mail.outbox.clear()

    client.force_login(editor)
    _decide(client, filed, django_capture_on_commit_callbacks, decision="take_down", note="For your safety.")
    assert filed.status == "taken_down"
    photo = Photo.objects.get(pk=item.photo_id)
    assert photo.taken_down_at is not None and photo.takedown_cause == "person_pictured"
    assert filed.reference in photo.takedown_reason
    assert AuditEvent.objects.filter(action="person_request.taken_down", actor=editor).exists()
    assert AuditEvent.objects.filter(action="photo.taken_down").exists()
    assert [m.to for m in mail.outbox] == [["amal@example.org"]] and "taken the photo down" in mail.outbox[0].body
    client.logout()
    for name in names:
        assert not storages["default"].exists(name)
    for url in (gallery.get_absolute_url(), item.get_absolute_url(), "/rss/", "/sitemap.xml"):
        body = client.get(url).text
        assert not any(name in body for name in names), url
    assert "This photo is no longer available." in client.get(gallery.get_absolute_url()).text


def test_take_down_with_hide_item_removes_the_item(client, editor, django_capture_on_commit_callbacks):
    gallery = published_gallery(items=2)
    item = gallery.items.order_by("position").first()
    filed = _filed(client, item, django_capture_on_commit_callbacks, ask="remove")
    client.force_login(editor)
    _decide(client, filed, django_capture_on_commit_callbacks, decision="take_down", hide_item="1")
    assert filed.status == "taken_down"
    client.logout()
    assert client.get(item.get_absolute_url()).status_code in (404, 410)
    assert item.headline not in client.get(gallery.get_absolute_url()).text


def test_a_graphic_photo_taken_down_shows_no_cover_and_no_placeholder(
    client, editor, django_capture_on_commit_callbacks
):
    gallery = published_gallery(items=2)
    item = gallery.items.order_by("position").first()
    Item.objects.filter(pk=item.pk).update(graphic=True, graphic_warning="Injuries.")
    Photo.objects.filter(pk=item.photo_id).update(placeholder="data:image/webp;base64,UklGRkAAAABXRUJQ")
    filed = _filed(client, item, django_capture_on_commit_callbacks, ask="remove")
    client.force_login(editor)
    _decide(client, filed, django_capture_on_commit_callbacks, decision="take_down")
    client.logout()
    html = client.get(gallery.get_absolute_url()).text
    assert "UklGRkAAAABXRUJQ" not in html and 'class="show-photo"' not in html
    assert "This photo is no longer available." in html


# --- Query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("items", [1, 8])
def test_the_form_page_costs_two_queries_however_large_the_gallery(client, items, django_assert_num_queries):
    item = published_gallery(items=items).items.first()
    # 1 the item, with its gallery (published, by slug) and photo; 2 the sections menu (cached after).
    with django_assert_num_queries(2):
        assert client.get(_url(item)).status_code == 200


@pytest.mark.parametrize("requests", [1, 6])
def test_the_queue_costs_the_same_however_many_requests(client, editor, item, requests, django_assert_num_queries):
    for _ in range(requests):
        PersonRequest.objects.create(item=item, photo=item.photo, name="N", email="n@example.org", ask="blur")
    client.force_login(editor)
    client.get(reverse("admin:galleries_personrequest_changelist"))
    # Session, user, the user's permissions (group and own), the count of the page and of the whole queue, the
    # requests with their item, gallery and photo, the photos' renditions, and the date bar's range and days.
    with django_assert_num_queries(10):
        response = client.get(reverse("admin:galleries_personrequest_changelist"))
    assert response.text.count('class="field-reference"') == requests


def test_a_request_page_costs_a_fixed_number_of_queries(client, editor, filed, django_assert_num_queries):
    client.force_login(editor)
    client.get(reverse("admin:galleries_personrequest_change", args=[filed.pk]))
    # Session, user, the request with its item, gallery and photo, the photo's renditions, and the user's
    # permissions (group and own).
    with django_assert_num_queries(6):
        client.get(reverse("admin:galleries_personrequest_change", args=[filed.pk]))
