import pytest
from django.urls import reverse
from django.utils import timezone

from galleries.models import AuditEvent
from newsroom.models import Ban, Comment, WordRule
from newsroom.moderation import report_comment
from tests.factories import CommentFactory, GalleryFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:newsroom_comment_changelist")


@pytest.fixture
def gallery():
    return GalleryFactory(published=True, items=2)


def decide(client, action: str, comments, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in comments], "index": 0, **extra}
    return client.post(QUEUE, data)


def test_moderator_sees_pending_comments_with_their_context(client, moderator, gallery):
    item = gallery.items.last()
    parent = CommentFactory(gallery=gallery, item=item, author_name="Bo", body="The harbour at dawn.")
    CommentFactory(gallery=gallery, author_name="Cy", author_email="cy@example.org", status="rejected")
    CommentFactory(gallery=gallery, author_name="Cy", author_email="cy@example.org")
    pending = CommentFactory(
        parent=parent,
        author_name="Cy",
        author_email="cy@example.org",
        body="Is that really the harbour?",
        status="pending",
        policy_reason="First-time commenter.",
    )
    client.force_login(moderator)

    page = client.get(QUEUE).content.decode()

    assert pending.body in page
    assert parent.body not in page.replace("The harbour at dawn.</q>", "")  # parent only as thread context
    assert "In reply to <strong><bdi>Bo</bdi></strong>" in page
    assert gallery.title in page
    assert f"Photo {item.number}: {item.headline}" in page
    assert "1 approved · 1 rejected/spam/removed" in page
    assert "First-time commenter." in page
    assert 'aria-current="page" class="selected">Pending' in page
    assert "<kbd>a</kbd> approve" in page


def test_reported_tab_lists_reported_comments_with_reasons(client, moderator):
    comment = CommentFactory(body="Reported words")
    report_comment(comment=comment, reason="endangers", reporter_key="k", note="Shows a face")
    client.force_login(moderator)

    page = client.get(QUEUE, {"queue": "reported"}).content.decode()

    assert "Reported words" in page
    assert "Identifies or endangers a person in the photo: Shows a face" in page


def test_queue_escapes_comment_text(client, moderator):
    CommentFactory(body="<script>alert(1)</script>", author_name="<b>x</b>", status="pending")
    client.force_login(moderator)

    page = client.get(QUEUE).content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page
    assert "<b>x</b>" not in page


@pytest.mark.parametrize("count", [3, 30])
def test_queue_queries_do_not_grow(client, moderator, gallery, django_assert_num_queries, count):
    items = list(gallery.items.all())
    for n in range(count):
        parent = CommentFactory(gallery=gallery, item=items[n % 2])
        CommentFactory(parent=parent, status="pending")
    client.force_login(moderator)

    # 1 session, 2 user, 3 tab counts by status, 4 reported count, 5-6 user and group permissions,
    # 7 filtered count, 8 unfiltered count, 9 the page with author history annotated,
    # 10 item photo renditions, 11 open reports. (No gallery has a cover here, so no cover
    # renditions query.)
    with django_assert_num_queries(11):
        response = client.get(QUEUE)
    assert response.status_code == 200


def test_bulk_approve_publishes_and_audits(client, moderator, gallery):
    comments = [CommentFactory(gallery=gallery, status="pending") for _ in range(2)]
    client.force_login(moderator)

    response = decide(client, "approve_selected", comments, decision_reason="Fine")

    assert response.status_code == 302
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    events = AuditEvent.objects.filter(action="comment.approved")
    assert events.count() == 2
    assert {e.actor for e in events} == {moderator}


def test_bulk_reject_and_spam_record_the_reason(client, moderator):
    bad, spam = CommentFactory(status="pending"), CommentFactory(status="pending")
    client.force_login(moderator)

    decide(client, "reject_selected", [bad], decision_reason="Personal attack")
    decide(client, "spam_selected", [spam])

    bad.refresh_from_db()
    spam.refresh_from_db()
    assert (bad.status, bad.policy_reason) == ("rejected", "Personal attack")
    assert spam.status == "spam"
    assert AuditEvent.objects.get(action="comment.rejected").note == "Personal attack"


def test_ban_action_suspends_the_author_with_expiry(client, moderator):
    comment = CommentFactory(author_email="troll@example.org", status="pending")
    client.force_login(moderator)

    decide(client, "ban_authors", [comment], decision_reason="Repeated abuse", ban_days="7")

    ban = Ban.objects.get()
    assert ban.email == "troll@example.org"
    assert ban.reason == "Repeated abuse"
    assert 6 < (ban.expires_at - timezone.now()).days + 1 <= 7
    assert AuditEvent.objects.filter(action="commenter.banned", actor=moderator).exists()


def test_ban_action_without_reason_bans_nobody(client, moderator):
    comment = CommentFactory(status="pending")
    client.force_login(moderator)

    decide(client, "ban_authors", [comment])

    assert not Ban.objects.exists()


@pytest.mark.parametrize("persona", ["photographer_user", "editor"])
def test_other_staff_cannot_approve_by_posting_ids(client, request, persona):
    comment = CommentFactory(status="pending")
    client.force_login(request.getfixturevalue(persona))

    response = decide(client, "approve_selected", [comment])

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == "pending"
    assert not AuditEvent.objects.filter(action="comment.approved").exists()


def test_readers_cannot_reach_the_queue(client, reader):
    comment = CommentFactory(status="pending")
    client.force_login(reader)

    response = decide(client, "approve_selected", [comment])

    assert response.status_code == 302
    assert "/admin/login/" in response.url
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_staff_with_the_moderate_permission_may_moderate(client):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="night-desk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="moderate_comments"))
    comment = CommentFactory(status="pending")
    client.force_login(staff)

    decide(client, "approve_selected", [comment])

    comment.refresh_from_db()
    assert comment.status == "approved"


def test_moderator_edits_word_rules(client, moderator):
    client.force_login(moderator)

    response = client.post(reverse("admin:newsroom_wordrule_add"), {"word": "grifter", "kind": "suspect"})

    assert response.status_code == 302
    assert WordRule.objects.get().word == "grifter"


def test_photographer_cannot_edit_word_rules(client, photographer_user):
    client.force_login(photographer_user)

    response = client.post(reverse("admin:newsroom_wordrule_add"), {"word": "grifter", "kind": "suspect"})

    assert response.status_code == 403
    assert not WordRule.objects.exists()


def test_moderator_adds_a_ban_through_the_audited_decision(client, moderator):
    client.force_login(moderator)

    response = client.post(
        reverse("admin:newsroom_ban_add"),
        {"email": "x@example.org", "reason": "Spam wave", "ip_hash": "", "expires_at_0": "", "expires_at_1": ""},
    )

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.created_by, ban.expires_at) == (moderator, None)
    assert AuditEvent.objects.filter(action="commenter.banned").count() == 1


def test_a_ban_naming_nobody_is_refused_with_a_message(client, moderator):
    client.force_login(moderator)

    response = client.post(
        reverse("admin:newsroom_ban_add"),
        {"email": "", "reason": "x", "ip_hash": "", "expires_at_0": "", "expires_at_1": ""},
    )

    assert response.status_code == 200
    assert not Ban.objects.exists()


def test_queue_shows_the_comment_as_readers_would_read_it_and_escapes_markup(client, moderator, gallery):
    Comment.objects.create(
        gallery=gallery, author_name="Eve", body="First line\n\n<script>alert(1)</script> https://example.org/x"
    )
    client.force_login(moderator)
    html = client.get("/admin/newsroom/comment/?queue=pending").content.decode()
    assert "<p>First line</p>" in html
    assert "&lt;p&gt;" not in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="https://example.org/x" rel="nofollow ugc noopener"' in html


def test_moderator_bans_the_author_of_a_comment_by_its_number_without_typing_an_address_hash(client, moderator):
    comment = CommentFactory(author_email="troll@example.org", ip_hash="a" * 64)
    client.force_login(moderator)
    page = client.get(reverse("admin:newsroom_ban_add")).text
    assert "Ip hash" not in page and 'name="ip_hash"' not in page
    assert "Comment number" in page

    response = client.post(
        reverse("admin:newsroom_ban_add"),
        {"comment": comment.pk, "email": "", "reason": "Insults", "expires_at_0": "", "expires_at_1": ""},
    )

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.email, ban.ip_hash) == ("troll@example.org", "a" * 64)


def test_ban_form_names_the_newsroom_time_zone(client, moderator, settings):
    settings.TIME_ZONE = "America/Chicago"
    client.force_login(moderator)
    assert "Newsroom time (America/Chicago)" in client.get(reverse("admin:newsroom_ban_add")).text
