"""Content for the fault suite, made the way uploads make it: `python -m tests.faults.make_content ...`.

Runs as a process of its own against the suite's services (through their proxies), prints JSON.
"""

import argparse
import io
import json
import os
import random
import sys

import django


def _jpeg(index: int, size: int) -> bytes:
    from PIL import Image, ImageDraw

    # Random shapes: every photo of every run is a new file (the same bytes would be deduplicated on upload).
    shapes = random.Random(os.urandom(16))
    image = Image.new("RGB", (size, size * 2 // 3), ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = shapes.randrange(size), shapes.randrange(size * 2 // 3)
        colour = (shapes.randrange(256), shapes.randrange(256), shapes.randrange(256))
        draw.rectangle((x, y, x + shapes.randrange(10, size // 3), y + shapes.randrange(10, size // 4)), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=3)
    parser.add_argument("--size", type=int, default=360)
    parser.add_argument("--label", default="gallery")
    parser.add_argument("--photos-only", action="store_true")
    parser.add_argument("--publish", action="store_true", help="Approve the gallery, publishing it at once.")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from galleries.ingest import ingest_photo
    from galleries.models import Gallery, Item, Photo

    editor, _ = get_user_model().objects.get_or_create(
        username="editor", defaults={"is_staff": True, "is_superuser": True, "email": "editor@example.org"}
    )
    photos = []
    for index in range(args.photos):
        data = _jpeg(index, args.size)
        photo = ingest_photo(data=data, filename=f"{args.label}-{index}.jpg", uploaded_by=editor).photo
        Photo.objects.filter(pk=photo.pk).update(alt_text=f"Photo {index} of {args.label}.")
        photos.append(photo.pk)
    result = {"photos": photos}
    if not args.photos_only:
        gallery = Gallery.objects.create(
            title=f"Fault suite: {args.label}",
            slug=f"faults-{args.label}",
            dek="A gallery made by the fault suite.",
            status=Gallery.Status.IN_REVIEW,
            created_by=editor,
            submitted_by=editor,
        )
        Item.objects.bulk_create(Item(gallery=gallery, photo_id=pk, position=n) for n, pk in enumerate(photos))
        Gallery.objects.filter(pk=gallery.pk).update(cover_id=photos[0])
        result["gallery"] = gallery.pk
        result["slug"] = gallery.slug
        if args.publish:
            from galleries.workflow import approve_gallery

            approve_gallery(gallery=gallery, by=editor)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
