"""Trust comes from what a reader proves (a signed cookie from an approved comment, or an account), never
from an e-mail address anyone can type."""

import time

import pytest
from django.core import signing
from django.urls import reverse

from newsroom import trust
from newsroom.models import Comment
from newsroom.moderation import approve_comment, issue_form_stamp
from tests.factories import CommentFactory, GalleryFactory

pytestmark = pytest.mark.django_db

POST_URL = reverse("comments:post")


@pytest.fixture
def gallery():
    return GalleryFactory(published=True, items=1)


def send(client, gallery, *, email="ada@example.org", name="Ada Reader", body="Lovely light in these.") -> Comment:
    data = {
        "gallery": gallery.pk,
        "body": body,
        "author_name": name,
        "author_email": email,
        "website": "",
        "stamp": issue_form_stamp(at=time.time() - 60),
    }
    assert client.post(POST_URL, data).status_code == 302
    return Comment.objects.latest("id")


def test_typing_a_trusted_readers_email_no_longer_publishes_at_once(client, gallery):
    CommentFactory(gallery=gallery, author_name="Ada Reader", author_email="ada@example.org")

    impostor = send(client, gallery, name="Ada Reader", body="Something Ada never said.")

    assert impostor.status == Comment.Status.PENDING
    assert impostor.policy_reason == "First-time commenter."


def test_an_approved_comment_earns_the_browser_that_posted_it_trust(client, gallery, moderator):
    first = send(client, gallery)
    assert first.status == Comment.Status.PENDING
    assert trust.COOKIE in client.cookies
    approve_comment(comment=first, by=moderator)

    second = send(client, gallery, body="And the second photo too.")

    assert second.status == Comment.Status.APPROVED


def test_the_proof_is_bound_to_the_address_it_was_earned_under(client, gallery, moderator):
    first = send(client, gallery)
    approve_comment(comment=first, by=moderator)

    other = send(client, gallery, email="mallory@example.org", name="Mallory", body="Posing as trusted.")

    assert other.status == Comment.Status.PENDING


def test_a_forged_or_unapproved_proof_earns_nothing(client, gallery):
    approved = CommentFactory(gallery=gallery, author_email="ada@example.org")
    held = CommentFactory(gallery=gallery, author_email="ada@example.org", status=Comment.Status.REJECTED)
    client.cookies[trust.COOKIE] = signing.dumps([approved.pk], salt="another purpose")
    assert send(client, gallery, body="One").status == Comment.Status.PENDING

    client.cookies[trust.COOKIE] = trust.sign_proof([held.pk])
    assert send(client, gallery, body="Two").status == Comment.Status.PENDING


def test_the_proof_cookie_is_signed_and_kept_from_scripts(client, gallery):
    comment = send(client, gallery)

    cookie = client.cookies[trust.COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert trust.proven_comments(cookie.value) == [comment.pk]
