"""Which rendition files readers can fetch: copies in the public storage, only for published photos."""

from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction

from galleries.imaging import CONTENT_TYPES
from galleries.models import Gallery, Photo, Rendition
from galleries.pagecache import gallery_fragment, purge_pages


def expose_photos(*, photos: Iterable[Photo]) -> None:
    """Copy the renditions of ready photos to the public storage.

    Call it when a gallery is published, after the commit. Photos still
    rendering are exposed by the render job when it finishes.
    """
    ids = _ids(photos)
    private, public = storages["renditions"], storages["default"]
    renditions = Rendition.objects.filter(photo__in=ids, photo__state=Photo.State.READY)
    exposed = []
    for rendition in renditions:
        if not public.exists(rendition.name):
            with private.open(rendition.name, "rb") as source:
                content = ContentFile(source.read())
            content.content_type = CONTENT_TYPES[rendition.format]
            saved = public.save(rendition.name, content)
            if saved != rendition.name:
                # Another process copied the same immutable file meanwhile.
                public.delete(saved)
        if not rendition.is_public:
            exposed.append(rendition.pk)
    Rendition.objects.filter(pk__in=exposed).update(is_public=True)
    # A new blur area or focal point saved while the files were being copied queues the photo again and
    # takes its files down after that commit; one that committed before the copy ended would find them not
    # yet up. Whatever this call put up for a photo that is no longer ready comes down again here.
    requeued = Photo.objects.filter(pk__in=ids).exclude(state=Photo.State.READY)
    _remove_public_copies(list(requeued.values_list("pk", flat=True)))


def conceal_photos(*, photos: Iterable[Photo]) -> None:
    """Remove public copies of photos that are no longer in any published gallery.

    Call it when a gallery is withdrawn; photos another published gallery
    still shows keep their files.
    """
    ids = _ids(photos)
    still_public = set(Photo.objects.filter(pk__in=ids).in_published_galleries().values_list("pk", flat=True))
    _remove_public_copies([pk for pk in ids if pk not in still_public])


def take_down_photos(*, photos: Iterable[Photo | int]) -> None:
    """Remove the public copies of these photos now, even where published galleries show them, and refresh
    those pages, which show no image for them until show_new_renditions puts new renditions up.

    For a change that must reach readers at once, such as a new blur area; call it after the commit.
    """
    ids = _ids(photos)
    _remove_public_copies(ids)
    _purge_pages_showing(ids)


def show_new_renditions(*, photos: Iterable[Photo | int]) -> None:
    """Put freshly rendered photos up for the published galleries that show them, and refresh those pages,
    which still name the previous files. Call it after the commit, before the previous files are deleted."""
    ids = _ids(photos)
    expose_photos(photos=ids)
    _purge_pages_showing(ids)


def _remove_public_copies(ids: list[int]) -> None:
    public = storages["default"]
    with transaction.atomic():
        renditions = list(Rendition.objects.select_for_update().filter(photo__in=ids))
        Rendition.objects.filter(pk__in=[r.pk for r in renditions]).update(is_public=False)
    for rendition in renditions:
        # Also for rows not marked public: a copy may outlive a crash between copy and update.
        public.delete(rendition.name)


def _purge_pages_showing(ids: list[int]) -> None:
    showing = Gallery.objects.published().filter(items__photo__in=ids)
    ids = showing.order_by().values_list("pk", flat=True).distinct()
    purge_pages(changed=[gallery_fragment(gallery_id) for gallery_id in ids])


def _ids(photos: Iterable[Photo]) -> list[int]:
    return [photo if isinstance(photo, int) else photo.pk for photo in photos]
