import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from galleries.folders import FolderError, export_gallery_folder, import_gallery_folder
from galleries.models import AuditEvent, Gallery, Item, Photo, Photographer, Section, Tag

pytestmark = pytest.mark.django_db

MANIFEST = '''title = "Forty-five days on the river"
dek = "A summer with the ferry crews of the delta."
introduction = """The ferries run at dawn.

"We never miss a tide," says the *captain*."""
kind = "story"
section = "World"
tags = ["Rivers", "Work"]

[photographer]
name = "Ines Baptiste"
website = "https://ines.example.org"
instagram = "inesb"

[[links]]
label = "The delta in numbers"
url = "https://example.org/delta"

[[faq]]
question = "Were the crews paid?"
answer = "No one was paid to appear."
'''


def jpeg(shade: int, *, description: str = "") -> bytes:
    image = Image.new("RGB", (320, 240), (shade % 256, (shade * 7) % 256, (shade * 13) % 256))
    out = io.BytesIO()
    exif = Image.Exif()
    if description:
        exif[0x010E] = description
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def make_folder(root: Path, *, count: int = 45, rows: list[dict] | None = None, manifest: str = MANIFEST) -> Path:
    folder = root / "river"
    folder.mkdir()
    for n in range(1, count + 1):
        (folder / f"river-{n:02d}.jpg").write_bytes(jpeg(n))
    (folder / "gallery.toml").write_text(manifest, encoding="utf-8")
    if rows is not None:
        columns = list(rows[0]) if rows else ["file", "headline", "caption", "alt_text", "credit"]
        with (folder / "captions.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def caption_rows(count: int = 45) -> list[dict]:
    # The CSV's order is the story's order, deliberately not the file names' order.
    return [
        {
            "file": f"river-{n:02d}.jpg",
            "headline": f"Tide {n}",
            "caption": f"Caption for photo {n}, in the photographer's words.",
            "alt_text": f"A ferry crossing, photo {n}.",
            "credit": "Ines Baptiste for Loupe" if n == 1 else "",
        }
        for n in reversed(range(1, count + 1))
    ]


def stored_originals(settings) -> list[Path]:
    location = Path(settings.STORAGES["originals"]["OPTIONS"]["location"])
    return [p for p in location.rglob("*") if p.is_file()] if location.exists() else []


def nothing_created(settings) -> bool:
    return not (
        Gallery.objects.exists()
        or Photo.objects.exists()
        or Item.objects.exists()
        or Photographer.objects.exists()
        or Tag.objects.exists()
        or Section.objects.exists()
        or stored_originals(settings)
    )


def test_forty_five_photos_import_in_csv_order_as_a_draft(tmp_path, capsys):
    folder = make_folder(tmp_path, rows=caption_rows())
    call_command("import_gallery", str(folder))
    gallery = Gallery.objects.get()
    out = capsys.readouterr().out
    assert f"/admin/galleries/gallery/{gallery.pk}/change/" in out
    assert gallery.status == Gallery.Status.DRAFT
    items = list(gallery.items.select_related("photo").order_by("position"))
    assert len(items) == 45
    assert [item.headline for item in items] == [f"Tide {n}" for n in reversed(range(1, 46))]
    assert [item.photo.original_filename for item in items][:2] == ["river-45.jpg", "river-44.jpg"]
    assert items[0].caption == "Caption for photo 45, in the photographer's words."
    assert items[-1].credit == "Ines Baptiste for Loupe"
    assert (gallery.title, gallery.kind, gallery.section.name) == ("Forty-five days on the river", "story", "World")
    assert sorted(tag.name for tag in gallery.tags.all()) == ["Rivers", "Work"]
    photographer = gallery.photographers.get()
    assert (photographer.name, photographer.website, photographer.instagram) == (
        "Ines Baptiste",
        "https://ines.example.org",
        "inesb",
    )
    assert items[0].photo.photographer == photographer
    assert gallery.links.get().label == "The delta in numbers"
    assert AuditEvent.objects.filter(action="gallery.imported").count() == 1


def test_without_captions_csv_items_follow_file_names_and_embedded_captions(tmp_path):
    folder = make_folder(tmp_path, count=3)
    (folder / "river-10.jpg").write_bytes(jpeg(99, description="Embedded caption from the camera."))
    gallery, notes = import_gallery_folder(directory=folder)
    items = list(gallery.items.select_related("photo").order_by("position"))
    assert [item.photo.original_filename for item in items] == [
        "river-01.jpg",
        "river-02.jpg",
        "river-03.jpg",
        "river-10.jpg",
    ]
    assert items[-1].caption == "Embedded caption from the camera."
    assert notes == []


def test_csv_gaps_are_filled_from_embedded_metadata(tmp_path):
    folder = make_folder(tmp_path, count=1, rows=[{"file": "river-01.jpg", "headline": "Dawn", "caption": ""}])
    (folder / "river-01.jpg").write_bytes(jpeg(5, description="What the camera said."))
    gallery, _ = import_gallery_folder(directory=folder)
    item = gallery.items.get()
    assert (item.headline, item.caption) == ("Dawn", "What the camera said.")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda f: (f / "gallery.toml").write_text('dek = "no title"\n'), "gallery.toml: 'title' is required"),
        (
            lambda f: (f / "gallery.toml").write_text('title = "A"\ndek = "unclosed\nkind = "story"\n'),
            "gallery.toml: ",
        ),
        (lambda f: (f / "gallery.toml").write_text('title = "A"\ncolour = "blue"\n'), "unknown key 'colour'"),
        (
            lambda f: (f / "captions.csv").write_text("file,headline,mood\nriver-01.jpg,Dawn,calm\n"),
            "captions.csv, line 1: unknown column 'mood'",
        ),
        (
            lambda f: (f / "captions.csv").write_text("file,headline\nriver-01.jpg,Dawn\nriver-99.jpg,Dusk\n"),
            "captions.csv, line 3: file 'river-99.jpg' is listed but not in",
        ),
        (
            lambda f: (f / "captions.csv").write_text("file,headline\n../etc/passwd,Dawn\n"),
            "captions.csv, line 2: '../etc/passwd' must be a file name",
        ),
        # PostgreSQL refuses NUL in text: found while reading, not halfway through writing.
        (
            lambda f: (f / "gallery.toml").write_text(MANIFEST.replace('"Were the crews paid?"', '"Paid\\u0000?"')),
            "gallery.toml: 'faq[1].question' contains a control character",
        ),
        (
            lambda f: (f / "captions.csv").write_text(
                "file,headline,caption\nriver-01.jpg,Dawn,Fog\nriver-02.jpg,Du\0sk,\n"
            ),
            "captions.csv, line 3: the 'headline' column contains a control character",
        ),
        (
            lambda f: (f / "gallery.toml").write_text(MANIFEST.replace("Forty-five days on the river", "A" * 201)),
            "gallery.toml: 'title' has 201 characters; at most 200 fit",
        ),
        (
            lambda f: (f / "gallery.toml").write_text(MANIFEST.replace("The delta in numbers", "L" * 201)),
            "gallery.toml: 'links[1].label' has 201 characters",
        ),
        (
            lambda f: (f / "gallery.toml").write_text(MANIFEST.replace('name = "Ines Baptiste"', "name = 5")),
            "a photographer's name, website, instagram, bio and agency must be text",
        ),
        (
            lambda f: (f / "gallery.toml").write_text('title = "A"\ntags = ' + "[" * 5000 + "]" * 5000 + "\n"),
            "gallery.toml: ",
        ),
        (
            lambda f: (f / "captions.csv").write_text("file,headline\nriver-01.jpg," + "H" * 301 + "\n"),
            "captions.csv, line 2: the 'headline' column has 301 characters; at most 300 fit",
        ),
    ],
    ids=[
        "missing-title",
        "malformed-toml",
        "unknown-key",
        "unknown-column",
        "missing-file",
        "path",
        "nul",
        "csv-nul",
        "long-title",
        "long-link",
        "name-not-text",
        "deep",
        "long-headline",
    ],
)
def test_bad_manifest_is_refused_and_nothing_is_created(tmp_path, settings, breakage, message):
    folder = make_folder(tmp_path, count=3)
    breakage(folder)
    with pytest.raises(CommandError) as refusal:
        call_command("import_gallery", str(folder))
    assert message in str(refusal.value)
    assert "Nothing was imported" in str(refusal.value)
    assert nothing_created(settings)


def test_malformed_toml_names_the_line(tmp_path):
    folder = make_folder(tmp_path, count=1, manifest='title = "A"\ndek = "B"\ntags = ["x",\nkind = 3\n')
    with pytest.raises(FolderError, match=r"gallery\.toml: .*line 4"):
        import_gallery_folder(directory=folder)


def test_a_bad_image_midway_leaves_no_rows_and_no_stored_originals(tmp_path, settings):
    rows = [{"file": f"river-0{n}.jpg", "headline": f"H{n}"} for n in (1, 2, 3)]
    folder = make_folder(tmp_path, count=3, rows=rows)
    (folder / "river-03.jpg").write_bytes(b"this is a text file wearing a .jpg name")
    with pytest.raises(CommandError, match=r"river-03\.jpg"):
        call_command("import_gallery", str(folder))
    assert nothing_created(settings)


def test_export_then_import_keeps_every_field(tmp_path, editor):
    rows = caption_rows(4)
    folder = make_folder(tmp_path, count=4, rows=rows)
    original, _ = import_gallery_folder(directory=folder, by=editor)
    original.disclosure = "Travel was paid by the ferry company."
    original.comment_mode = Gallery.CommentMode.PREMODERATED
    original.presentation = Gallery.Presentation.DARK
    original.save()
    item = original.items.order_by("position").first()
    item.credit_override = "Pool photo"
    item.save()

    out = tmp_path / "export"
    call_command("export_gallery", original.slug, str(out))
    assert sorted(p.name for p in out.iterdir()) == sorted(["gallery.toml", "captions.csv", *(r["file"] for r in rows)])
    copy, _ = import_gallery_folder(directory=out, by=editor)

    assert copy.pk != original.pk
    assert copy.slug.startswith(original.slug)
    fields = [
        "title",
        "kind",
        "presentation",
        "dek",
        "introduction",
        "disclosure",
        "comment_mode",
        "section_id",
        "status",
    ]
    assert [getattr(copy, f) for f in fields] == [getattr(original, f) for f in fields]
    assert set(copy.tags.all()) == set(original.tags.all())
    assert set(copy.photographers.all()) == set(original.photographers.all())
    assert list(copy.links.values_list("label", "url")) == list(original.links.values_list("label", "url"))
    assert list(copy.faq_entries.values_list("question", "answer")) == list(
        original.faq_entries.values_list("question", "answer")
    )
    keep = ["photo__sha256", "position", "headline", "caption", "alt_text", "credit_override"]
    assert list(copy.items.order_by("position").values_list(*keep)) == list(
        original.items.order_by("position").values_list(*keep)
    )
    # The same bytes are the same photos: nothing is duplicated in the library.
    assert Photo.objects.count() == 4


def test_text_stored_with_control_characters_exports_as_a_folder_the_import_takes(tmp_path, editor):
    gallery, _ = import_gallery_folder(directory=make_folder(tmp_path, count=2, rows=caption_rows(2)), by=editor)
    # Stored before Loupe cleaned what it is given, or by code that does not validate.
    Gallery.objects.filter(pk=gallery.pk).update(title="Forty-five\x0b days", dek="On the\x0c river.")
    gallery.items.update(caption="A ferry\x1f crossing.")
    Photo.objects.update(original_filename="fer\x01ry.jpg")

    out = tmp_path / "export"
    call_command("export_gallery", gallery.slug, str(out))
    copy, _ = import_gallery_folder(directory=out, by=editor)

    assert (copy.title, copy.dek) == ("Forty-five days", "On the river.")
    assert set(copy.items.values_list("caption", flat=True)) == {"A ferry crossing."}


def test_export_into_a_file_is_refused(tmp_path):
    gallery, _ = import_gallery_folder(directory=make_folder(tmp_path, count=1))
    (tmp_path / "taken").write_text("notes")

    for target in (tmp_path / "taken", tmp_path / "taken" / "export"):
        with pytest.raises(CommandError, match="taken"):
            call_command("export_gallery", gallery.slug, str(target))


def test_export_of_a_photo_whose_original_is_gone_leaves_no_half_folder(tmp_path):
    gallery, _ = import_gallery_folder(directory=make_folder(tmp_path, count=3))
    last = gallery.items.order_by("position").last().photo
    last.original.storage.delete(last.original.name)
    target = tmp_path / "export"

    with pytest.raises(CommandError, match=r"Photo 3 .*original is missing"):
        call_command("export_gallery", gallery.slug, str(target))

    assert not target.exists()


def test_export_refuses_a_folder_that_is_not_empty(tmp_path):
    gallery, _ = import_gallery_folder(directory=make_folder(tmp_path, count=1))
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_gallery", gallery.slug, str(target))
    assert (target / "keep.txt").read_text() == "mine"


def test_export_of_an_unknown_slug_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No gallery"):
        call_command("export_gallery", "nope", str(tmp_path / "x"))


def test_exporting_keeps_names_safe(tmp_path):
    gallery, _ = import_gallery_folder(directory=make_folder(tmp_path, count=2))
    Photo.objects.filter(items__gallery=gallery).update(original_filename="gallery.toml")
    names = export_gallery_folder(gallery=gallery, directory=tmp_path / "out")
    assert names == ["001.jpg", "002.jpg"]


@pytest.mark.parametrize(
    "written",
    [
        "inesb",
        "@inesb",
        "https://www.instagram.com/inesb/",
        "instagram.com/inesb?hl=en",
        "http://m.instagram.com/inesb",
    ],
)
def test_instagram_is_taken_as_a_handle_at_handle_or_profile_address(tmp_path, written):
    folder = make_folder(
        tmp_path, count=1, manifest=MANIFEST.replace('instagram = "inesb"', f'instagram = "{written}"')
    )
    call_command("import_gallery", str(folder))
    assert Photographer.objects.get().instagram == "inesb"


def test_import_shows_a_bar_and_one_line_per_bad_photo_not_the_task_log(tmp_path, settings, capsys):
    folder = make_folder(tmp_path, count=4)
    (folder / "river-02.jpg").write_bytes(b"not a photo")
    (folder / "river-04.jpg").write_bytes(b"nor this")
    with pytest.raises(CommandError) as refusal:
        call_command("import_gallery", str(folder))
    lines = str(refusal.value).splitlines()
    assert lines[0].startswith("river-02.jpg: ") and lines[1].startswith("river-04.jpg: ")
    assert lines[-1] == "Nothing was imported."
    assert nothing_created(settings)

    (tmp_path / "again").mkdir()
    good = make_folder(tmp_path / "again", count=3)
    call_command("import_gallery", str(good))
    err = capsys.readouterr().err
    assert "[##############################] 3/3" in err
    assert "render_photo" not in err
