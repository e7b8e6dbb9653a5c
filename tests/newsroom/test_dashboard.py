"""The admin home: each role sees what is waiting for it, each line links to where it is done."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galleries.audit import record
from galleries.models import AuditEvent, Gallery, GalleryDayStats, Photo
from newsroom.models import Comment, CommentReport
from tests.factories import CommentFactory, GalleryFactory, ItemFactory, PhotographerFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = "/admin/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_photo(n: int, **fields) -> Photo:
    """A photo row without a file: the dashboard reads states, never pixels."""
    return Photo.objects.create(sha256=f"{n:064x}", original=f"x/{n}.jpg", original_format="JPEG", **fields)


def submitted(gallery: Gallery, *, by, ago: datetime.timedelta) -> Gallery:
    event = record(gallery, "gallery.submit", by=by, from_state="draft", to_state="in_review")
    AuditEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - ago)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.IN_REVIEW, submitted_by=by)
    return gallery


def section(html: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_editors_see_galleries_waiting_for_review_oldest_first_with_submitter_and_age(client, editor):
    author = UserFactory(username="amara", first_name="Amara", last_name="Okafor")
    newer = submitted(GalleryFactory(title="Harbour at night"), by=author, ago=datetime.timedelta(hours=3))
    older = submitted(GalleryFactory(title="Flood relief camp"), by=author, ago=datetime.timedelta(days=2))
    client.force_login(editor)

    desk = section(client.get(HOME).text, "desk-review")

    assert desk.index("Flood relief camp") < desk.index("Harbour at night")
    assert "submitted by Amara Okafor" in desk
    assert "2\xa0days ago" in desk
    assert reverse("admin:galleries_gallery_change", args=[older.pk]) + "#workflow" in desk
    assert reverse("admin:galleries_gallery_change", args=[newer.pk]) + "#workflow" in desk


def test_editors_see_the_next_seven_days_of_publications_and_nothing_later(client, editor):
    now = timezone.now()
    GalleryFactory(title="Goes live tomorrow", approved=True, publish_at=now + datetime.timedelta(days=1))
    GalleryFactory(title="Goes live next month", approved=True, publish_at=now + datetime.timedelta(days=30))
    GalleryFactory(title="Should have gone live", approved=True, publish_at=now - datetime.timedelta(hours=2))
    client.force_login(editor)

    desk = section(client.get(HOME).text, "desk-review")

    assert "Goes live tomorrow" in desk
    assert "Goes live next month" not in desk
    assert "Should have gone live" in desk and "overdue since" in desk


def test_editors_see_galleries_sent_back_and_photos_that_failed_or_are_stuck(client, editor):
    GalleryFactory(title="Needs a better cover", review_note="Pick a stronger cover photo.")
    GalleryFactory(title="Plain draft")
    failed = make_photo(1, headline="Broken file", state=Photo.State.FAILED, state_reason="Not a picture.")
    stuck = make_photo(2, headline="Lost in the queue", state=Photo.State.PROCESSING)
    Photo.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    make_photo(3, headline="Rendering now", state=Photo.State.PROCESSING)
    client.force_login(editor)

    desk = section(client.get(HOME).text, "desk-review")

    assert "Needs a better cover" in desk and "Pick a stronger cover photo." in desk
    assert "Plain draft" not in desk
    assert "Broken file" in desk and "Not a picture." in desk
    assert reverse("admin:galleries_photo_change", args=[failed.pk]) in desk
    assert "Lost in the queue" in desk
    assert "Rendering now" not in desk
    assert "1 failed" in desk and "1 stuck" in desk


def test_editors_see_todays_numbers_against_the_seven_days_before(client, editor):
    gallery = GalleryFactory(published=True)
    today = timezone.localdate()
    GalleryDayStats.objects.create(gallery=gallery, day=today, views=40, votes=3, comments=1)
    for back in range(1, 8):
        GalleryDayStats.objects.create(gallery=gallery, day=today - datetime.timedelta(days=back), views=70)
    GalleryDayStats.objects.create(gallery=gallery, day=today - datetime.timedelta(days=8), views=10_000)
    client.force_login(editor)

    html = client.get(HOME).text

    row = re.search(r"<th scope=\"row\">Views</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>([\d,]+)</td>", row) == ["40", "490", "70"]


def test_photographers_see_their_drafts_the_notes_sent_back_and_their_photos_states(client, photographer_user):
    mine = PhotographerFactory(user=photographer_user)
    sent_back = GalleryFactory(title="My ferry story", review_note="Caption 2 names the wrong town.")
    sent_back.photographers.add(mine)
    item = ItemFactory(gallery=sent_back, photo=make_photo(1, photographer=mine), editor_note="Check the spelling.")
    GalleryFactory(title="My next story", created_by=photographer_user)
    GalleryFactory(title="Someone else's story", review_note="Not yours.")
    make_photo(2, photographer=mine, state=Photo.State.FAILED, state_reason="Truncated upload.")
    client.force_login(photographer_user)

    html = client.get(HOME).text
    desk = section(html, "desk-mine")

    assert "Caption 2 names the wrong town." in desk
    assert f"Photo {item.number}" in desk and "Check the spelling." in desk
    assert "My next story" in desk
    assert "Someone else" not in html
    assert "Failed: 1" in desk and "Truncated upload." in desk
    assert 'id="desk-review"' not in html and 'id="desk-comments"' not in html


def test_moderators_see_the_queue_by_reason_reports_and_the_oldest_comments_age(client, moderator):
    gallery = GalleryFactory(published=True)
    held = Comment.Status.PENDING
    CommentFactory(gallery=gallery, status=held, policy_reason="First-time commenter.")
    CommentFactory(gallery=gallery, status=held, policy_reason="First-time commenter.")
    oldest = CommentFactory(gallery=gallery, status=held, policy_reason="More than 2 links.")
    Comment.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - datetime.timedelta(hours=5))
    reported = CommentFactory(gallery=gallery, report_count=2)
    for key in ("a", "b"):
        CommentReport.objects.create(comment=reported, reason=CommentReport.Reason.ABUSE, reporter_key=key)
    client.force_login(moderator)

    html = client.get(HOME).text
    desk = section(html, "desk-comments")

    assert "3 comments waiting for review" in desk
    assert "the oldest has waited" in desk and "5\xa0hours" in desk
    assert re.search(r"First-time commenter\.</th><td><a [^>]*>2</a>", desk)
    assert "Abuse or harassment</th><td>2</td><td>1</td>" in desk
    assert reverse("admin:newsroom_comment_changelist") + "?queue=pending" in desk
    assert reverse("admin:newsroom_comment_changelist") + "?queue=reported" in desk
    assert 'id="desk-review"' not in html and 'id="desk-mine"' not in html


def test_superusers_see_every_section_and_the_app_list_stays(client):
    admin = UserFactory(username="chief", is_staff=True, is_superuser=True)
    client.force_login(admin)

    html = client.get(HOME).text

    for heading in ("desk-review", "desk-mine", "desk-comments", "desk-charts"):
        assert f'id="{heading}"' in html
    assert 'id="everything"' in html
    assert reverse("admin:galleries_gallery_changelist") in html


def test_readers_without_staff_access_get_the_sign_in_page(client, reader):
    client.force_login(reader)

    response = client.get(HOME)

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_charts_are_svg_images_named_by_their_caption_with_the_figures_in_a_table(client, editor):
    gallery = GalleryFactory(published=True, title="Night shift")
    GalleryDayStats.objects.create(gallery=gallery, day=timezone.localdate(), views=25, votes=4)
    client.force_login(editor)

    html = client.get(HOME).text

    figure = re.search(r'<figure[^>]*id="chart-site-views".*?</figure>', html, re.S).group(0)
    assert '<svg class="loupe-chart-svg" role="img" aria-labelledby="chart-site-views-caption"' in figure
    assert 'id="chart-site-views-caption"' in figure
    assert "Total views: 25;" in figure
    assert "<details" in figure and "<table>" in figure
    top = re.search(r'<figure[^>]*id="chart-top-votes-week".*?</figure>', html, re.S).group(0)
    assert "Night shift" in top and reverse("admin:galleries_gallery_stats", args=[gallery.pk]) in top
    assert "<script" not in figure


def test_moderation_decisions_per_day_count_each_decision(client, moderator):
    gallery = GalleryFactory(published=True)
    now = timezone.now()
    for status in (Comment.Status.APPROVED, Comment.Status.APPROVED, Comment.Status.SPAM):
        CommentFactory(gallery=gallery, status=status, decided_at=now)
    CommentFactory(gallery=gallery, status=Comment.Status.PENDING)
    client.force_login(moderator)

    html = client.get(HOME).text

    figure = re.search(r'<figure[^>]*id="chart-moderation-decisions".*?</figure>', html, re.S).group(0)
    today = timezone.localdate().strftime("%a %-d %b %Y")
    row = re.search(rf"{today}</th>.*?</tr>", figure, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["3", "2", "0", "1", "0"]


def _newsroom(size: int) -> None:
    editor_group = Group.objects.get_or_create(name="Photographers")[0]
    author = UserFactory(username=f"author{size}", is_staff=True)
    author.groups.add(editor_group)
    today = timezone.localdate()
    now = timezone.now()
    for n in range(size):
        published = GalleryFactory(published=True)
        GalleryDayStats.objects.bulk_create(
            GalleryDayStats(gallery=published, day=today - datetime.timedelta(days=d), views=n + d, votes=d)
            for d in range(10)
        )
        submitted(GalleryFactory(), by=author, ago=datetime.timedelta(hours=n + 1))
        GalleryFactory(approved=True, publish_at=now + datetime.timedelta(days=1))
        GalleryFactory(review_note="Fix it.", created_by=author)
        make_photo(n, state=Photo.State.FAILED)
        make_photo(100 + n, state=Photo.State.READY, allowed_until=now + datetime.timedelta(days=n + 1))
        comment = CommentFactory(gallery=published, status=Comment.Status.PENDING, policy_reason=f"Reason {n % 3}")
        CommentReport.objects.create(comment=comment, reason="spam", reporter_key=str(n))
        CommentFactory(gallery=published, decided_at=now)


@pytest.mark.parametrize("size", [1, 6])
def test_the_superusers_home_is_a_fixed_number_of_queries(client, size):
    _newsroom(size)
    admin = UserFactory(username="chief", is_staff=True, is_superuser=True)
    client.force_login(admin)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)

    assert response.status_code == 200
    # session, user; day figures (numbers and two charts); review desk: open requests from the people pictured,
    # in review (with its submission time), scheduled, sent back, problem photo counts, problem photos, licences
    # ending; rankings; groups; my work: the chief's photographer row, open galleries (none of the chief's own,
    # so no item notes), photo states (none failed, so no list); comments: held by reason, reports, decisions per
    # day; the recent-actions box.
    assert len(queries) == 19, "\n".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("size", [1, 6])
def test_the_editors_home_is_a_fixed_number_of_queries(client, editor, size):
    _newsroom(size)
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)

    assert response.status_code == 200
    # session, user, groups; the user's permissions (own, groups'), read first to know whether the requests from
    # the people pictured are theirs; day figures; the review desk: open requests, in review, scheduled, sent
    # back, problem photo counts, problem photos, licences ending (with their photographers); rankings; the
    # recent-actions box.
    assert len(queries) == 15, "\n".join(q["sql"] for q in queries.captured_queries)


def test_editors_see_licences_ending_within_thirty_days_with_renew_replace_and_remove(client, editor):
    now = timezone.now()
    ending = make_photo(1, state=Photo.State.READY, allowed_until=now + datetime.timedelta(days=3))
    Photo.objects.filter(pk=ending.pk).update(headline="Agency frame", rights_category="agency", rights_cost="pay")
    make_photo(2, state=Photo.State.READY, allowed_until=now + datetime.timedelta(days=45))
    client.force_login(editor)

    html = client.get(HOME).content.decode()
    section = html[html.index('id="desk-licences"') : html.index("Photos that failed")]
    assert "Agency frame" in section and "Agency / wire · Pay" in section
    assert section.count("<li>") == 1
    assert reverse("admin:galleries_photo_restore", args=[ending.pk]) in section
    assert reverse("admin:galleries_photo_take_down", args=[ending.pk]) in section

    response = client.post(
        reverse("admin:galleries_photo_restore", args=[ending.pk]), {"days": 30, "next": "/admin/#desk-licences"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/#desk-licences"
    ending.refresh_from_db()
    assert ending.allowed_until > now + datetime.timedelta(days=32)
    assert "No licence ends in the next 30 days." in client.get(HOME).content.decode()


def test_editors_see_open_requests_from_the_people_pictured_oldest_first_without_their_names(client, editor):
    from galleries.models import PersonRequest

    item = ItemFactory()
    older = PersonRequest.objects.create(
        item=item,
        photo=item.photo,
        page_title="Harbour at night, photo 3",
        name="Jo Bloggs",
        email="jo@x.org",
        ask="blur",
    )
    PersonRequest.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    newer = PersonRequest.objects.create(
        item=item, photo=item.photo, page_title="Flood camp, photo 1", name="Sam Roe", email="sam@x.org", ask="remove"
    )
    PersonRequest.objects.create(
        photo=item.photo, page_title="Decided already", name="Al", email="al@x.org", ask="caption", status="declined"
    )
    client.force_login(editor)

    desk = section(client.get(HOME).text, "desk-review")
    requests = desk[desk.index('id="desk-person-requests"') : desk.index('id="desk-licences"')]

    assert "(2)" in requests
    assert requests.index("Blur me: Harbour at night, photo 3") < requests.index(
        "Remove the photo: Flood camp, photo 1"
    )
    assert "Decided already" not in requests
    assert "Jo Bloggs" not in requests and "jo@x.org" not in requests
    assert older.reference in requests and "2\xa0days ago" in requests
    assert reverse("admin:galleries_personrequest_change", args=[newer.pk]) in requests

    PersonRequest.objects.update(status="declined")
    assert "No request from a person pictured is open." in client.get(HOME).text


def test_staff_who_may_not_handle_requests_from_the_people_pictured_are_not_shown_them(client, moderator):
    from galleries.models import PersonRequest

    item = ItemFactory()
    PersonRequest.objects.create(
        item=item, photo=item.photo, page_title="Harbour", name="Jo", email="j@x.org", ask="blur"
    )
    client.force_login(moderator)

    html = client.get(HOME).text
    assert "desk-person-requests" not in html and "Harbour" not in html
