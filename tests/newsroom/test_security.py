"""Attacks on the newsroom side: signing in to the admin, comments and reader keys."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from galleries.popularity import VOTES_PER_ADDRESS_PER_PHOTO
from newsroom.models import Comment, CommentVote
from newsroom.moderation import vote_for_comment
from tests.factories import CommentFactory, UserFactory
from tests.races import race_at_filter

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"


def _sign_in(client, username: str, password: str, address: str = "198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_admin_sign_in_stops_answering_after_ten_failures_from_one_address(client, editor, settings):
    settings.LOUPE_LOGIN_FAILURE_LIMIT = 10
    for attempt in range(10):
        assert "correct username and password" in _sign_in(client, "editor", f"guess-{attempt}").text

    refused = _sign_in(client, "editor", PASSWORD)

    assert "Too many failed sign-ins" in refused.text and "Wait up to 15 minutes" in refused.text
    assert SESSION_KEY not in client.session
    # Another address, another account: untouched.
    UserFactory(username="other", is_staff=True)
    assert _sign_in(client, "other", PASSWORD, address="203.0.113.9").status_code == 302


def test_admin_sign_in_for_one_account_is_throttled_across_addresses(client, editor, settings):
    settings.LOUPE_LOGIN_FAILURE_LIMIT = 5
    for attempt in range(5):
        _sign_in(client, "Editor ", f"guess-{attempt}", address=f"192.0.2.{attempt + 1}")

    refused = _sign_in(client, "editor", PASSWORD, address="192.0.2.200")

    assert "Too many failed sign-ins" in refused.text
    assert SESSION_KEY not in client.session


def test_admin_sign_in_works_after_a_few_mistakes(client, editor):
    for attempt in range(3):
        _sign_in(client, "editor", f"guess-{attempt}")

    assert _sign_in(client, "editor", PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(editor.pk)


@pytest.mark.django_db(transaction=True)
def test_racing_comment_votes_from_one_address_with_fresh_cookies_stay_capped(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    comment = CommentFactory()
    race_at_filter(
        monkeypatch,
        CommentVote.objects,
        lambda n: vote_for_comment(comment=comment, voter_key=f"fresh-cookie-{n}", ip_hash="one-address"),
        racers=VOTES_PER_ADDRESS_PER_PHOTO + 3,
    )

    assert CommentVote.objects.filter(comment=comment).count() == VOTES_PER_ADDRESS_PER_PHOTO


def test_demo_logins_with_published_passwords_are_never_made_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="refuses to run in production"):
        call_command("load_demo")
    assert not get_user_model().objects.exists()


def _report(client, comment, address: str):
    client.cookies.clear()
    return client.post(
        reverse("comments:report", args=[comment.pk]), {"reason": "abuse", "note": ""}, REMOTE_ADDR=address
    )


def test_one_reader_clearing_cookies_cannot_hide_a_comment_by_reporting_it(client, settings):
    settings.LOUPE_COMMENT_REPORTS_TO_HIDE = 3
    comment = CommentFactory()
    for _ in range(4):
        assert _report(client, comment, "198.51.100.7").status_code == 302

    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert comment.report_count == 4  # every report still reaches the moderators


def test_reports_from_several_readers_hide_a_comment(client, settings):
    settings.LOUPE_COMMENT_REPORTS_TO_HIDE = 3
    comment = CommentFactory()
    for address in ("198.51.100.7", "203.0.113.5", "2001:db8:1:2::1"):
        _report(client, comment, address)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_admin_sign_in_without_a_csrf_token_still_gets_djangos_csrf_refusal():
    response = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "a", "password": "b"})

    assert response.status_code == 403
    assert "CSRF verification failed" in response.text
    assert "own pages" not in response.text


def test_a_page_staff_may_not_open_gets_the_sites_403_page_without_the_form_message(client, photographer_user):
    client.force_login(photographer_user)

    response = client.get(reverse("admin:galleries_auditevent_changelist"))

    assert response.status_code == 403
    assert "permission to see it" in response.text and '<header class="site-header">' in response.text
    assert "own pages" not in response.text
