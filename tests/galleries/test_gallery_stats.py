"""A gallery's statistics page and its CSV, the charts' geometry, and the figures they are drawn from."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galleries import charts, dashboard
from galleries.models import GalleryDayStats, Item, Photo
from tests.factories import GalleryFactory, PhotographerFactory

pytestmark = pytest.mark.django_db


def make_items(gallery, count: int) -> list[Item]:
    photos = Photo.objects.bulk_create(
        Photo(sha256=f"{gallery.pk:032x}{n:032x}", original=f"x/{gallery.pk}-{n}.jpg", original_format="JPEG")
        for n in range(count)
    )
    return Item.objects.bulk_create(
        Item(gallery=gallery, photo=photo, position=n, headline=f"Scene {n + 1}", vote_count=n * 3)
        for n, photo in enumerate(photos)
    )


def stats_url(gallery) -> str:
    return reverse("admin:galleries_gallery_stats", args=[gallery.pk])


def test_editors_see_a_gallerys_charts_and_totals(client, editor):
    gallery = GalleryFactory(published=True, title="Night shift")
    make_items(gallery, 3)
    today = timezone.localdate()
    GalleryDayStats.objects.create(gallery=gallery, day=today, views=120, votes=7, comments=2)
    GalleryDayStats.objects.create(gallery=gallery, day=today - datetime.timedelta(days=100), views=1000)
    client.force_login(editor)

    response = client.get(stats_url(gallery))

    assert response.status_code == 200
    html = response.text
    assert "Statistics: Night shift" in html
    assert "<strong>1,120</strong> views" in html
    for key in ("views", "votes", "comments", "photo-votes"):
        assert f'aria-labelledby="chart-{key}-caption"' in html
    votes = re.search(r'<figure[^>]*id="chart-photo-votes".*?</figure>', html, re.S).group(0)
    assert "First: 3. Scene 3, votes: 6." in votes
    assert reverse("admin:galleries_gallery_stats_csv", args=[gallery.pk]) in html


def test_the_gallery_page_links_to_its_statistics(client, editor):
    gallery = GalleryFactory()
    client.force_login(editor)

    html = client.get(reverse("admin:galleries_gallery_change", args=[gallery.pk])).text

    assert f'href="{stats_url(gallery)}"' in html


def test_a_photographer_sees_the_statistics_of_their_own_gallery(client, photographer_user):
    gallery = GalleryFactory(published=True)
    gallery.photographers.add(PhotographerFactory(user=photographer_user))
    client.force_login(photographer_user)

    assert client.get(stats_url(gallery)).status_code == 200
    assert client.get(reverse("admin:galleries_gallery_stats_csv", args=[gallery.pk])).status_code == 200


def test_a_photographer_is_refused_another_photographers_statistics(client, photographer_user):
    gallery = GalleryFactory(published=True)
    client.force_login(photographer_user)

    assert client.get(stats_url(gallery)).status_code == 403
    assert client.get(reverse("admin:galleries_gallery_stats_csv", args=[gallery.pk])).status_code == 403


def test_moderators_and_readers_are_refused_gallery_statistics(client, moderator, reader):
    gallery = GalleryFactory(published=True)
    client.force_login(moderator)
    assert client.get(stats_url(gallery)).status_code == 403
    client.force_login(reader)
    assert client.get(stats_url(gallery)).status_code == 302  # to the admin's sign-in


def test_the_csv_has_every_day_of_the_gallery_oldest_first(client, editor):
    gallery = GalleryFactory(published=True, slug="night-shift")
    other = GalleryFactory(published=True)
    GalleryDayStats.objects.create(gallery=gallery, day=datetime.date(2026, 3, 2), views=5, votes=1, comments=0)
    GalleryDayStats.objects.create(gallery=gallery, day=datetime.date(2024, 1, 31), views=9, votes=0, comments=3)
    GalleryDayStats.objects.create(gallery=other, day=datetime.date(2025, 1, 1), views=77)
    client.force_login(editor)

    response = client.get(reverse("admin:galleries_gallery_stats_csv", args=[gallery.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="night-shift-daily-figures.csv"' in response["Content-Disposition"]
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["day", "views", "votes", "comments"],
        ["2024-01-31", "9", "0", "3"],
        ["2026-03-02", "5", "1", "0"],
    ]


@pytest.mark.parametrize("size", [2, 20])
def test_the_statistics_page_is_a_fixed_number_of_queries(client, editor, size):
    gallery = GalleryFactory(published=True)
    make_items(gallery, size)
    today = timezone.localdate()
    GalleryDayStats.objects.bulk_create(
        GalleryDayStats(gallery=gallery, day=today - datetime.timedelta(days=d), views=d) for d in range(size * 10)
    )
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(stats_url(gallery))

    assert response.status_code == 200
    # session, user, the gallery, the user's groups, its days of the last 30; the admin's navigation sidebar
    # (the user's own permissions, the groups'); its totals, votes per photo; whether readers can see it.
    assert len(queries) == 10, "\n".join(q["sql"] for q in queries.captured_queries)


def test_site_days_add_every_gallery_up_and_fill_days_without_figures():
    today = datetime.date(2026, 12, 3)
    for n in range(2):
        gallery = GalleryFactory(published=True)
        GalleryDayStats.objects.create(gallery=gallery, day=today, views=10, votes=1, comments=1)
        GalleryDayStats.objects.create(gallery=gallery, day=today - datetime.timedelta(days=2), views=n)

    days = dashboard.site_days(today=today, days=5)

    assert [day.day for day in days] == [today - datetime.timedelta(days=d) for d in (4, 3, 2, 1, 0)]
    assert [day.views for day in days] == [0, 0, 1, 0, 20]
    assert days[-1].votes == 2 and days[-1].comments == 2


def test_rankings_read_yesterday_and_today_apart_from_the_week():
    today = datetime.date(2026, 12, 3)
    steady = GalleryFactory(published=True, title="Steady")
    overnight = GalleryFactory(published=True, title="Overnight")
    GalleryDayStats.objects.create(gallery=steady, day=today - datetime.timedelta(days=5), views=500, votes=2)
    GalleryDayStats.objects.create(gallery=steady, day=today, views=10)
    GalleryDayStats.objects.create(gallery=overnight, day=today - datetime.timedelta(days=1), views=90, votes=9)
    GalleryDayStats.objects.create(gallery=overnight, day=today - datetime.timedelta(days=8), views=9000)

    ranks = dashboard.rankings(today=today)

    assert [(d.label, d.value) for d in ranks.views_day] == [("Overnight", 90), ("Steady", 10)]
    assert [(d.label, d.value) for d in ranks.views_week] == [("Steady", 510), ("Overnight", 90)]
    assert [(d.label, d.value) for d in ranks.votes_day] == [("Overnight", 9)]
    assert [(d.label, d.value) for d in ranks.votes_week] == [("Overnight", 9), ("Steady", 2)]


def test_axis_ends_are_round_numbers():
    assert [charts.nice_ceiling(n) for n in (0, 1, 3, 10, 11, 180, 201, 999)] == [1, 1, 5, 10, 20, 200, 500, 1000]


def test_columns_stand_on_one_baseline_scaled_to_the_round_ceiling():
    rows = [charts.Datum(label=datetime.date(2026, 12, d), value=v) for d, v in ((1, 0), (2, 50), (3, 100))]

    chart = charts.columns(key="k", title="t", unit="views", rows=rows)

    assert [round(bar.y + bar.height, 2) for bar in chart.bars] == [chart.baseline] * 3
    assert chart.bars[2].height == chart.baseline - chart.ticks[-1].y  # 100 reaches the top tick
    assert chart.bars[1].height == chart.bars[2].height / 2
    assert [tick.value for tick in chart.ticks] == [0, 50, 100]
    assert [bar.tick for bar in chart.bars] == [False, False, True]  # the last day is always named


def test_bars_are_as_long_as_their_share_of_the_longest():
    rows = [charts.Datum(label="a", value=40), charts.Datum(label="b", value=10)]

    chart = charts.bars(key="k", title="t", unit="votes", label_heading="Photo", rows=rows)

    assert chart.bars[0].width == chart.plot_right - chart.plot_left
    assert chart.bars[1].width == chart.bars[0].width / 4
    assert chart.peak.label == "a" and chart.total == 50
