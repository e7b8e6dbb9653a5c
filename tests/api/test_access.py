"""Partners' keys, anonymous access, rate limits, cache headers and cross-origin reads."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from api.keys import hash_key, revoke_api_key
from api.models import ApiKey
from galleries.models import AuditEvent
from tests.factories import published_gallery

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery():
    return published_gallery(items=2)


def test_a_partner_key_is_allowed_and_its_use_recorded(client, gallery, partner, partner_key):
    response = client.get("/api/v1/galleries/", **partner)
    assert response.status_code == 200
    key = ApiKey.objects.get(pk=partner_key[0].pk)
    assert key.last_used_at is not None
    assert key.last_used_at > timezone.now() - timedelta(minutes=1)


def test_an_unknown_key_is_refused_never_read_as_anonymous(client, gallery):
    response = client.get("/api/v1/galleries/", HTTP_AUTHORIZATION="Bearer loupe_not-a-key")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_a_revoked_key_is_refused(client, gallery, partner, partner_key, editor):
    revoke_api_key(key=partner_key[0], by=editor)
    response = client.get(f"/api/v1/galleries/{gallery.slug}/", **partner)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="apikey.revoked").exists()


def test_anonymous_reads_can_be_refused_by_setting(client, settings, gallery, partner):
    settings.LOUPE_API_ANONYMOUS = False
    refused = client.get("/api/v1/galleries/")
    assert refused.status_code == 401
    assert refused["Cache-Control"] == "no-store"
    assert client.get("/api/v1/galleries/", **partner).status_code == 200
    # The description says a key is needed.
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["paths"]["/api/v1/galleries/"]["get"]["security"] == [{"PartnerKey": []}]


def test_anonymous_reads_are_allowed_by_default(client, gallery):
    assert client.get("/api/v1/galleries/").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert {} in schema["paths"]["/api/v1/galleries/"]["get"]["security"]


def test_a_key_over_its_rate_limit_gets_429(client, gallery, editor):
    from api.keys import create_api_key

    _, raw = create_api_key(name="Small partner", by=editor, rate_limit=3)
    answers = [client.get(f"/api/v1/galleries/?limit={n + 1}", HTTP_AUTHORIZATION=f"Bearer {raw}") for n in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1]["Retry-After"] == "60"
    assert answers[-1].json()["detail"]
    # Another key is counted apart.
    _, other = create_api_key(name="Other partner", by=editor)
    assert client.get("/api/v1/galleries/", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200


def test_anonymous_readers_are_rate_limited_per_address(client, settings, gallery):
    settings.LOUPE_API_ANONYMOUS_RATE_LIMIT = 2
    statuses = [client.get(f"/api/v1/galleries/?limit={n + 1}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/galleries/", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_cache_headers_match_the_pages_and_validators_answer_304(client, settings, gallery):
    page = client.get(gallery.get_absolute_url())
    response = client.get(f"/api/v1/galleries/{gallery.slug}/")
    assert response["Cache-Control"] == page["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]
    again = client.get(f"/api/v1/galleries/{gallery.slug}/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    # Answered by the view rather than the page cache, which knows ETags only.
    settings.LOUPE_PAGE_CACHE_SECONDS = 0
    since = client.get(f"/api/v1/galleries/{gallery.slug}/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304


def test_a_partners_answers_are_private_to_shared_caches(client, gallery, partner):
    response = client.get(f"/api/v1/galleries/{gallery.slug}/", **partner)
    assert response["Cache-Control"] == "private, max-age=60"
    assert "Authorization" in response["Vary"]
    assert (
        client.get(f"/api/v1/galleries/{gallery.slug}/", HTTP_IF_NONE_MATCH=response["ETag"], **partner).status_code
        == 304
    )


def test_cross_origin_reads_are_allowed_on_the_api_only(client, gallery):
    response = client.get("/api/v1/galleries/", HTTP_ORIGIN="https://partner.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/galleries/",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight.status_code == 204
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert not client.get("/", HTTP_ORIGIN="https://partner.example").has_header("Access-Control-Allow-Origin")


def test_head_answers_the_headers_of_get_without_a_body(client, gallery):
    get = client.get(f"/api/v1/galleries/{gallery.slug}/")
    head = client.head(f"/api/v1/galleries/{gallery.slug}/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]


def test_an_editor_makes_a_key_that_is_shown_once_and_stored_as_a_hash(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/api/apikey/add/", {"name": "Harbour Times", "scope": "read", "rate_limit": 120}, follow=True
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Harbour Times")
    raw = re.search(r"loupe_[-\w]{40,}", response.content.decode()).group()
    assert key.key_hash == hash_key(raw) and raw not in key.key_hash
    assert key.created_by == editor
    assert AuditEvent.objects.filter(action="apikey.created", target_id=str(key.pk)).exists()
    # Never shown again.
    assert raw not in client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    client.logout()
    assert client.get("/api/v1/galleries/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_an_editor_revokes_keys_from_the_admin(client, editor, partner_key, partner):
    client.force_login(editor)
    response = client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [partner_key[0].pk]}, follow=True
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(pk=partner_key[0].pk).revoked_at is not None
    client.logout()
    assert client.get("/api/v1/", **partner).status_code == 401


def test_photographers_and_moderators_cannot_make_keys(client, photographer_user, moderator):
    for person in (photographer_user, moderator):
        client.force_login(person)
        assert client.get("/admin/api/apikey/add/").status_code == 403
        client.post("/admin/api/apikey/add/", {"name": "Sneaky", "scope": "read", "rate_limit": 10})
    assert not ApiKey.objects.filter(name="Sneaky").exists()


def test_a_partners_refusals_are_kept_by_no_shared_cache(client, partner):
    anonymous = client.get("/api/v1/galleries/no-such-gallery/")
    assert anonymous.status_code == 404
    assert anonymous["Cache-Control"] == "public, max-age=60"
    theirs = client.get("/api/v1/galleries/no-such-gallery/", **partner)
    assert theirs.status_code == 404
    assert theirs["Cache-Control"] == "no-store"
    assert "Authorization" in theirs["Vary"]
