from django.utils.html import format_html

from galleries.models import Photo, Rendition

THUMB_WIDTH = 160


def thumbnail(photo: Photo, *, width: int = THUMB_WIDTH) -> str:
    """A staff-only preview of the photo, or its processing state while it has none."""
    candidates = [
        rendition
        for rendition in photo.renditions.all()
        if rendition.purpose == Rendition.Purpose.RESPONSIVE and rendition.format != Rendition.Format.AVIF
    ]
    preview = min(candidates, key=lambda r: abs(r.width - width * 2), default=None)
    url = preview.preview_url if preview is not None and photo.state == Photo.State.READY else ""
    if url:
        return format_html(
            '<img class="loupe-thumb" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            url,
            photo.alt_text,
            width,
            round(width / photo.aspect_ratio),
        )
    reason = f": {photo.state_reason}" if photo.state == Photo.State.FAILED and photo.state_reason else ""
    return format_html(
        '<span class="loupe-state loupe-state--{}">{}{}</span>', photo.state, photo.get_state_display(), reason
    )
