import pytest
from django.core.files.storage import storages

from galleries.ingest import ingest_photo
from galleries.models import Photo
from galleries.tasks import render_photo
from tests.factories import PhotoFactory, jpeg_bytes, sketch_renditions

pytestmark = pytest.mark.django_db


def shapes(photo: Photo) -> set[tuple]:
    return set(photo.renditions.values_list("purpose", "format", "width", "height", "is_public"))


@pytest.mark.parametrize("size", [(300, 200), (640, 480), (1000, 400)])
def test_sketched_renditions_have_the_rows_a_real_render_leaves(size):
    photo = ingest_photo(data=jpeg_bytes(size=size), filename="real.jpg").photo
    render_photo.call(photo_id=photo.pk)
    rendered = shapes(photo)
    photo.renditions.all().delete()

    sketched = sketch_renditions(photo)

    assert shapes(photo) == rendered
    photo.refresh_from_db()
    assert photo.state == Photo.State.READY and photo.placeholder.startswith("data:image/")
    for rendition in sketched:
        # Private until published, like a render's files, so publication and takedown work on them.
        assert storages["renditions"].exists(rendition.name)
        assert not storages["default"].exists(rendition.name)
        assert rendition.size_bytes == storages["renditions"].size(rendition.name)


def test_photos_are_sketched_unless_a_test_asks_for_a_real_render():
    sketched, rendered = PhotoFactory(), PhotoFactory(rendered=True)

    assert all(r.size_bytes < 100 for r in sketched.renditions.all())
    assert all(r.size_bytes > 100 for r in rendered.renditions.all())
