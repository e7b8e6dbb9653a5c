"""Every list and detail of the API runs a fixed number of queries, whatever its size."""

import pytest

from tests.factories import CommentFactory, PhotographerFactory, TagFactory, published_gallery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1, 12])
def test_gallery_list_runs_four_queries(client, django_assert_num_queries, size):
    for _ in range(size):
        gallery = published_gallery(items=2)
        gallery.tags.add(TagFactory())
        # A graphic cover: the card photo is the next one, worked out in the same query.
        gallery.items.filter(position=0).update(graphic=True)
    # 1 the page of galleries (+ section, card photo id, photo counts), 2 their photographers, 3 their tags,
    # 4 their card photos' public renditions (+ photo, photographer).
    with django_assert_num_queries(4):
        response = client.get("/api/v1/galleries/", {"limit": 20})
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", [1, 45])
def test_gallery_detail_runs_eight_queries(client, django_assert_num_queries, size):
    gallery = published_gallery(items=size)
    gallery.tags.add(TagFactory())
    # All but the first graphic and labelled (that costs nothing), the first left to stand for the gallery.
    gallery.items.filter(position__gte=1).update(graphic=True, ai_label=True)
    # 1 the gallery's id and time of change (for the key of the answer kept), then, as none is kept yet:
    # 2 the gallery (+ section, card photo id, photo count), 3 its photographers, 4 its tags, 5 the card
    # photo's public renditions (+ photo, photographer), 6 the public renditions of its photos, as rows,
    # 7 the items (+ photo, photographer, whether the photo is graphic anywhere), 8 corrections, links and
    # FAQ in one union.
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/galleries/{gallery.slug}/")
    assert len(response.json()["items"]) == size


@pytest.mark.parametrize("size", [1, 45])
def test_gallery_detail_read_again_is_one_query(client, django_assert_num_queries, size):
    gallery = published_gallery(items=size)
    first = client.get(f"/api/v1/galleries/{gallery.slug}/", {"fresh": 1})
    # 1 the gallery's id and time of change, to know it is still published and which version of it is kept;
    # the answer is the one kept under that version. (A query parameter the page cache does not keep makes
    # the request go past the page cache.)
    with django_assert_num_queries(1):
        again = client.get(f"/api/v1/galleries/{gallery.slug}/", {"fresh": 2})
    assert again.content == first.content


@pytest.mark.parametrize("threads", [1, 15])
def test_comments_run_three_queries(client, django_assert_num_queries, threads):
    gallery = published_gallery(items=1)
    for _ in range(threads):
        root = CommentFactory(gallery=gallery)
        CommentFactory(parent=CommentFactory(parent=root))
    # 1 the gallery (+ section, photo count), 2 the page of top-level comments (with the names replies answer),
    # 3 the first replies of each of those threads, each with its thread's size.
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/galleries/{gallery.slug}/comments/", {"limit": 20})
    body = response.json()
    assert len(body["results"]) == threads
    assert all(len(thread["replies"]) == 2 for thread in body["results"])


@pytest.mark.parametrize("size", [1, 12])
def test_photographer_list_and_detail_run_fixed_queries(client, django_assert_num_queries, size):
    person = PhotographerFactory(slug="the-photographer")
    for _ in range(size):
        published_gallery(items=1).photographers.add(person, PhotographerFactory())
    # 1 the page of photographers with published work.
    with django_assert_num_queries(1):
        client.get("/api/v1/photographers/", {"limit": 50})
    # 1 the photographer, 2 their latest galleries (+ section, card photo id, counts), 3 the galleries'
    # photographers, 4 their tags, 5 the card photos' public renditions (+ photo, photographer).
    with django_assert_num_queries(5):
        response = client.get("/api/v1/photographers/the-photographer/")
    assert len(response.json()["galleries"]) == size


@pytest.mark.parametrize("size", [1, 12])
def test_tags_and_sections_run_one_query(client, django_assert_num_queries, size):
    for _ in range(size):
        published_gallery(items=0).tags.add(TagFactory())
    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/tags/", {"limit": 50}).json()["results"]) == size
    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/sections/", {"limit": 50}).json()["results"]) == size


@pytest.mark.parametrize("galleries", [1, 5])
def test_photo_detail_runs_three_queries(client, django_assert_num_queries, galleries):
    first = published_gallery(items=1)
    photo = first.items.get().photo
    for _ in range(galleries - 1):
        published_gallery(items=0).items.create(photo=photo, position=0)
    # 1 the photo (+ photographer, whether it is graphic anywhere), 2 its public renditions, 3 the published
    # items showing it (+ gallery).
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/photos/{photo.pk}/")
    assert len(response.json()["appears_in"]) == galleries


@pytest.mark.parametrize("replies", [1, 30])
def test_a_threads_replies_run_two_queries(client, django_assert_num_queries, replies):
    root = CommentFactory(gallery=published_gallery(items=0))
    for _ in range(replies):
        CommentFactory(parent=root)
    # 1 the thread's first comment, visible on a published gallery, 2 the page of its visible replies (with the
    # names they answer).
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/comments/{root.pk}/replies/", {"limit": 50})
    assert len(response.json()["results"]) == replies
