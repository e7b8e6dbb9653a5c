import datetime
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from galleries.models import GalleryDayStats, Item, Vote
from galleries.popularity import VOTES_PER_ADDRESS_PER_PHOTO, count_view, fold_stats, most_popular, trending
from tests.factories import published_gallery

pytestmark = pytest.mark.django_db
SAME_ORIGIN = {"Origin": "http://testserver"}


def _vote_url(item: Item) -> str:
    return reverse("galleries:vote", kwargs={"slug": item.gallery.slug, "pk": item.pk})


def test_vote_without_javascript_counts_and_redirects_to_the_photo_anchor(client):
    item = published_gallery(items=2).items.last()
    response = client.post(_vote_url(item), headers=SAME_ORIGIN)

    assert response.status_code == 302
    assert response["Location"] == f"{item.gallery.get_absolute_url()}#photo-{item.number}"
    item.refresh_from_db()
    assert item.vote_count == 1 and Vote.objects.filter(item=item).count() == 1
    assert "loupe_voter" in response.cookies


def test_replayed_vote_does_not_inflate_the_count(client):
    item = published_gallery(items=1).items.get()
    for _ in range(3):
        response = client.post(_vote_url(item), headers={**SAME_ORIGIN, "Accept": "application/json"})
    assert response.json() == {"counted": False, "votes": 1}
    item.refresh_from_db()
    assert item.vote_count == 1 and Vote.objects.count() == 1


def test_new_cookies_from_one_address_are_capped_per_photo(client):
    item = published_gallery(items=1).items.get()
    for _ in range(VOTES_PER_ADDRESS_PER_PHOTO + 3):
        client.cookies.clear()
        client.post(_vote_url(item), headers=SAME_ORIGIN)
    item.refresh_from_db()
    assert item.vote_count == VOTES_PER_ADDRESS_PER_PHOTO


def test_votes_are_rate_limited_per_voter(client, monkeypatch):
    # Hold the clock still so the test never straddles two rate-limit windows.
    frozen = time.time()
    monkeypatch.setattr(time, "time", lambda: frozen)
    gallery = published_gallery(items=1)
    item = gallery.items.get()
    extra = [Item.objects.create(gallery=gallery, photo=item.photo, position=n + 1) for n in range(61)]
    statuses = [
        client.post(_vote_url(i), headers={**SAME_ORIGIN, "Accept": "application/json"}).status_code for i in extra
    ]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429


def test_vote_from_another_site_is_refused(client):
    item = published_gallery(items=1).items.get()
    response = client.post(_vote_url(item), headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert client.post(_vote_url(item)).status_code == 403
    assert Vote.objects.count() == 0


def test_vote_must_be_a_post(client):
    item = published_gallery(items=1).items.get()
    assert client.get(_vote_url(item)).status_code == 405


def test_vote_for_a_photo_in_an_unpublished_gallery_is_not_found(client):
    gallery = published_gallery(items=1)
    gallery.status = gallery.Status.WITHDRAWN
    gallery.save()
    response = client.post(_vote_url(gallery.items.get()), headers=SAME_ORIGIN)
    assert response.status_code == 404
    assert Vote.objects.count() == 0


def test_gallery_can_be_shown_by_votes(client):
    gallery = published_gallery(items=3)
    first, second, third = gallery.items.all()
    Item.objects.filter(pk=third.pk).update(vote_count=5)
    Item.objects.filter(pk=second.pk).update(vote_count=2)
    html = client.get(gallery.get_absolute_url() + "?order=votes").text
    assert html.index(third.headline) < html.index(second.headline) < html.index(first.headline)
    html = client.get(gallery.get_absolute_url()).text
    assert html.index(first.headline) < html.index(second.headline) < html.index(third.headline)


def test_view_beacon_counts_in_the_cache_only_and_folds_into_daily_stats(client, django_assert_num_queries):
    gallery = published_gallery(items=1)
    url = reverse("galleries:seen", kwargs={"pk": gallery.pk})
    with django_assert_num_queries(0):
        assert client.post(url, headers=SAME_ORIGIN).status_code == 204
    # The same reader reloading does not count twice.
    client.post(url, headers=SAME_ORIGIN)
    assert GalleryDayStats.objects.count() == 0

    call_command("fold_stats", verbosity=0)
    stats = GalleryDayStats.objects.get(gallery=gallery)
    assert stats.views == 1
    # Folding again adds nothing: the folded count left the cache.
    fold_stats()
    assert GalleryDayStats.objects.get(gallery=gallery).views == 1


def test_views_of_unpublished_galleries_are_never_folded():
    gallery = published_gallery(items=1)
    gallery.status = gallery.Status.DRAFT
    gallery.save()
    count_view(gallery_id=gallery.pk)
    fold_stats()
    assert not GalleryDayStats.objects.exists()


def test_trending_prefers_recent_activity_and_popular_counts_all_time():
    old_hit, fresh = published_gallery(items=0, title="Old hit"), published_gallery(items=0, title="Fresh")
    today = timezone.localdate()
    GalleryDayStats.objects.create(gallery=old_hit, day=today - datetime.timedelta(days=30), views=10_000)
    GalleryDayStats.objects.create(gallery=old_hit, day=today - datetime.timedelta(days=2), views=40)
    GalleryDayStats.objects.create(gallery=fresh, day=today, views=30, votes=2)

    assert trending() == [fresh, old_hit]
    assert most_popular() == [old_hit, fresh]


def test_fold_counts_votes_per_day(client):
    item = published_gallery(items=1).items.get()
    client.post(_vote_url(item), headers=SAME_ORIGIN)
    fold_stats()
    assert GalleryDayStats.objects.get(gallery=item.gallery).votes == 1


def test_vote_from_another_site_gets_the_sites_403_page_without_a_cookie_and_from_this_site_counts(client):
    item = published_gallery(items=1).items.get()

    refused = client.post(_vote_url(item), headers={"Origin": "https://evil.example"})
    counted = client.post(_vote_url(item), headers=SAME_ORIGIN)

    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/html")
    assert '<header class="site-header">' in refused.text
    assert "only from the forms on" in refused.text and "own pages" in refused.text
    assert not refused.cookies
    assert counted.status_code == 302 and Vote.objects.filter(item=item).count() == 1


def test_a_vote_from_a_form_is_counted_in_five_statements_and_sends_the_reader_back(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gallery = published_gallery(items=1)
    item = gallery.items.get()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/galleries/{gallery.slug}/photos/{item.pk}/vote/", headers={"Origin": "http://testserver"}
        )

    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    # The photo, its lock, the reader's earlier votes, the vote and the count; a form's answer is a redirect, so
    # the new count is not read back (a script's JSON answer reads it).
    assert [sql.split()[0] for sql in statements] == ["SELECT", "SELECT", "SELECT", "INSERT", "UPDATE"]
    item.refresh_from_db()
    assert response.status_code == 302 and response["Location"].endswith(f"#photo-{item.number}")
    assert item.vote_count == 1
