"""A gallery as a folder: its images, a gallery.toml manifest and an optional captions.csv.

The format a photographer's desk can write by hand and that export writes back:

    gallery.toml   title, slug, kind, presentation, dek, introduction, disclosure, comment_mode, section, tags,
                   [photographer] or [[photographers]] (name, website, instagram, bio, agency),
                   [[links]] (label, url), [[faq]] (question, answer)
    captions.csv   file,headline,caption,alt_text,credit — one row per item, in the gallery's order
"""

import csv
import io
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import slugify

from galleries.audit import record
from galleries.ingest import UploadRejected, atomic_ingest, ingest_photo
from galleries.library import natural_key
from galleries.models import FaqEntry, Gallery, GalleryLink, Item, Photographer, Section, Tag, instagram_handle, web_url
from galleries.text import has_control_characters, texts_without_control_characters

MANIFEST = "gallery.toml"
CAPTIONS = "captions.csv"
CSV_COLUMNS = ("file", "headline", "caption", "alt_text", "credit")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".avif"}
TEXT_KEYS = ("title", "slug", "kind", "presentation", "dek", "introduction", "disclosure", "comment_mode", "section")
PERSON_KEYS = ("name", "website", "instagram", "bio", "agency")
# The item fields the captions fill, by column.
_CSV_FIELDS = {"headline": "headline", "caption": "caption", "alt_text": "alt_text", "credit": "credit_override"}
CSV_LIMITS = {column: Item._meta.get_field(name).max_length for column, name in _CSV_FIELDS.items()}


class FolderError(Exception):
    """A manifest or file that cannot be imported; str() names the file (and line) and what is wrong."""


@dataclass
class Row:
    file: str
    headline: str = ""
    caption: str = ""
    alt_text: str = ""
    credit: str = ""


@dataclass
class Plan:
    manifest: dict
    rows: list[Row]
    unlisted: list[str] = field(default_factory=list)


# Reading ---------------------------------------------------------------------------------------------------


def _text(manifest: dict, key: str) -> str:
    value = manifest.get(key, "")
    if not isinstance(value, str):
        raise FolderError(f"{MANIFEST}: '{key}' must be text.")
    return value.strip()


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise FolderError(f"{MANIFEST}: not found in {directory}.")
    try:
        manifest = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise FolderError(f"{MANIFEST}: is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as error:
        # The decoder's message carries the place: "... (at line 3, column 9)".
        raise FolderError(f"{MANIFEST}: {error}") from None
    except RecursionError:
        raise FolderError(f"{MANIFEST}: lists or tables nested too deep to read.") from None
    for where, text in _strings(manifest):
        if has_control_characters(text):
            raise FolderError(f"{MANIFEST}: '{where}' contains a control character (such as NUL); remove it.")
        if (limit := _manifest_limit(where)) and len(text.strip()) > limit:
            raise FolderError(f"{MANIFEST}: '{where}' has {len(text.strip())} characters; at most {limit} fit.")
    known = {*TEXT_KEYS, "tags", "photographer", "photographers", "links", "faq"}
    unknown = sorted(set(manifest) - known)
    if unknown:
        raise FolderError(f"{MANIFEST}: unknown key '{unknown[0]}' (known: {', '.join(sorted(known))}).")
    for key in TEXT_KEYS:
        _text(manifest, key)
    if not _text(manifest, "title"):
        raise FolderError(f"{MANIFEST}: 'title' is required.")
    if manifest.get("kind", "essay") not in Gallery.Kind.values:
        raise FolderError(f"{MANIFEST}: 'kind' must be one of {', '.join(Gallery.Kind.values)}.")
    if manifest.get("presentation", "standard") not in Gallery.Presentation.values:
        raise FolderError(f"{MANIFEST}: 'presentation' must be one of {', '.join(Gallery.Presentation.values)}.")
    if manifest.get("comment_mode", "open") not in Gallery.CommentMode.values:
        raise FolderError(f"{MANIFEST}: 'comment_mode' must be one of {', '.join(Gallery.CommentMode.values)}.")
    tags = manifest.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag.strip() for tag in tags):
        raise FolderError(f'{MANIFEST}: \'tags\' must be a list of names, like tags = ["Floods", "Farming"].')
    for person in _people(manifest):
        if not isinstance(person, dict) or not str(person.get("name", "")).strip():
            raise FolderError(f"{MANIFEST}: every photographer needs a 'name'.")
        if not all(isinstance(value, str) for value in person.values()):
            raise FolderError(f"{MANIFEST}: a photographer's name, website, instagram, bio and agency must be text.")
        extra = sorted(set(person) - set(PERSON_KEYS))
        if extra:
            raise FolderError(f"{MANIFEST}: unknown photographer key '{extra[0]}'.")
        website, handle = str(person.get("website", "")).strip(), str(person.get("instagram", "")).strip()
        if website and not web_url(website):
            raise FolderError(f"{MANIFEST}: photographer website '{website}' is not an http:// or https:// address.")
        if handle and not instagram_handle(handle):
            raise FolderError(
                f"{MANIFEST}: '{handle}' is not an Instagram handle, @handle or profile address "
                "(a handle has letters, digits, dots, underscores)."
            )
    for key, needed in (("links", ("label", "url")), ("faq", ("question", "answer"))):
        entries = manifest.get(key, [])
        if not isinstance(entries, list) or not all(
            isinstance(entry, dict) and set(entry) == set(needed) for entry in entries
        ):
            raise FolderError(f"{MANIFEST}: each [[{key}]] needs exactly {' and '.join(needed)}.")
        if not all(isinstance(value, str) for entry in entries for value in entry.values()):
            raise FolderError(f"{MANIFEST}: the {' and '.join(needed)} of each [[{key}]] must be text.")
    for link in manifest.get("links", []):
        if not isinstance(link["url"], str) or not web_url(link["url"]):
            raise FolderError(f"{MANIFEST}: link url '{link['url']}' is not an http:// or https:// address.")
    return manifest


# Where a manifest's text goes: by its top key, the model; by its last key, the field (see _strings' names).
_MANIFEST_MODELS = {"photographer": Photographer, "photographers": Photographer, "links": GalleryLink, "faq": FaqEntry}


def _manifest_limit(where: str) -> int | None:
    """How many characters the field that the manifest text at `where` fills can hold; None for no limit."""
    top = re.split(r"[.\[]", where, maxsplit=1)[0]
    if top in _MANIFEST_MODELS:
        model, name = _MANIFEST_MODELS[top], where.rsplit(".", 1)[-1]
    elif top in ("section", "tags"):
        model, name = (Section if top == "section" else Tag), "name"
    else:
        model, name = Gallery, top
    try:
        return model._meta.get_field(name).max_length
    except FieldDoesNotExist:
        return None


def _strings(value, where: str = "") -> Iterator[tuple[str, str]]:
    """Every text in a manifest with where it sits: title, photographers[2].name, faq[1].answer."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for number, item in enumerate(value, 1):
            yield from _strings(item, f"{where}[{number}]")


def _people(manifest: dict) -> list:
    if "photographer" in manifest and "photographers" in manifest:
        raise FolderError(f"{MANIFEST}: use [photographer] or [[photographers]], not both.")
    if "photographer" in manifest:
        return [manifest["photographer"]]
    people = manifest.get("photographers", [])
    if not isinstance(people, list):
        raise FolderError(f"{MANIFEST}: 'photographers' must be a list of tables ([[photographers]]).")
    return people


def _images(directory: Path) -> list[str]:
    names = [p.name for p in directory.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(names, key=natural_key)


def read_captions(directory: Path) -> list[Row] | None:
    path = directory / CAPTIONS
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FolderError(f"{CAPTIONS}: is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "file" not in header:
        raise FolderError(f"{CAPTIONS}, line 1: the header needs a 'file' column ({', '.join(CSV_COLUMNS)}).")
    for name in header:
        if name not in CSV_COLUMNS:
            raise FolderError(f"{CAPTIONS}, line 1: unknown column '{name}' (allowed: {', '.join(CSV_COLUMNS)}).")
    reader.fieldnames = header
    rows, seen = [], set()
    try:
        for record_ in reader:
            line = reader.line_num
            if None in record_:
                raise FolderError(f"{CAPTIONS}, line {line}: more values than columns.")
            values = {key: (value or "").strip() for key, value in record_.items()}
            for key, value in values.items():
                if has_control_characters(value):
                    raise FolderError(
                        f"{CAPTIONS}, line {line}: the '{key}' column contains a control character (such as NUL); "
                        "remove it."
                    )
                limit = CSV_LIMITS.get(key)
                if limit and len(value) > limit:
                    raise FolderError(
                        f"{CAPTIONS}, line {line}: the '{key}' column has {len(value)} characters; at most {limit} fit."
                    )
            name = values.get("file", "")
            if not name:
                raise FolderError(f"{CAPTIONS}, line {line}: the 'file' column is empty.")
            if Path(name).name != name or name.startswith("."):
                raise FolderError(f"{CAPTIONS}, line {line}: '{name}' must be a file name in the folder, not a path.")
            if not (directory / name).is_file():
                raise FolderError(f"{CAPTIONS}, line {line}: file '{name}' is listed but not in {directory}.")
            if name in seen:
                raise FolderError(f"{CAPTIONS}, line {line}: file '{name}' is listed twice.")
            seen.add(name)
            rows.append(Row(**values))
    except csv.Error as error:
        raise FolderError(f"{CAPTIONS}, line {reader.line_num}: {error}") from None
    return rows


def plan_import(directory: Path) -> Plan:
    """Read and check everything before anything is written."""
    if not directory.is_dir():
        raise FolderError(f"{directory}: not a folder.")
    # A link would let a folder (a photographer's, a shared drive's) make the import read any file the server can.
    links = sorted(path.name for path in directory.iterdir() if path.is_symlink())
    if links:
        raise FolderError(f"{directory / links[0]}: is a symbolic link; copy the file itself into the folder.")
    manifest = read_manifest(directory)
    rows = read_captions(directory)
    images = _images(directory)
    if rows is None:
        return Plan(manifest=manifest, rows=[Row(file=name) for name in images])
    listed = {row.file for row in rows}
    unlisted = [name for name in images if name not in listed]
    # Pictures the CSV forgot are kept, after the listed ones, rather than silently dropped.
    return Plan(manifest=manifest, rows=rows + [Row(file=name) for name in unlisted], unlisted=unlisted)


# Importing -------------------------------------------------------------------------------------------------


def _unique_slug(wanted: str) -> str:
    base = slugify(wanted)[:190] or "gallery"
    slug, n = base, 1
    while Gallery.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _photographer(person: dict) -> Photographer:
    name = person["name"].strip()
    found = Photographer.objects.filter(name__iexact=name).first()
    if found is None:
        slug = base = slugify(name)[:190] or "photographer"
        n = 1
        while Photographer.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        found = Photographer(name=name, slug=slug)
    # What the manifest says fills gaps; it never overwrites what the desk already keeps.
    for key in ("website", "instagram", "bio", "agency"):
        value = str(person.get(key, "")).strip()
        if value and not getattr(found, key):
            setattr(found, key, instagram_handle(value) if key == "instagram" else value)
    found.save()
    return found


def _named(model, name: str):
    slug = slugify(name)[:100]
    obj = model.objects.filter(slug=slug).first() or model.objects.filter(name__iexact=name).first()
    return obj or model.objects.create(name=name[:100], slug=slug)


def import_gallery_folder(*, directory: Path, by=None, progress=None) -> tuple[Gallery, list[str]]:
    """Create a draft gallery from a folder, all or nothing. Returns it and any notes for the importer.

    `progress(done, total, name)`, when given, is called as each photo is stored. Every photo that cannot be
    imported is named in the error, one line each, so one run shows all there is to fix.
    """
    directory = Path(directory)
    plan = plan_import(directory)
    if not plan.rows:
        raise FolderError(f"{directory}: no photos to import.")
    # All or nothing, files included: a rollback also deletes the originals this run stored.
    with atomic_ingest():
        gallery = _create(plan, directory=directory, by=by, progress=progress)
    notes = [f"{name} is not in {CAPTIONS}; added at the end." for name in plan.unlisted]
    return gallery, notes


def _create(plan: Plan, *, directory: Path, by, progress=None) -> Gallery:
    manifest = plan.manifest
    people = [_photographer(person) for person in _people(manifest)]
    section = _named(Section, manifest["section"].strip()) if manifest.get("section", "").strip() else None
    gallery = Gallery.objects.create(
        title=manifest["title"].strip(),
        slug=_unique_slug(manifest.get("slug") or manifest["title"]),
        kind=manifest.get("kind", Gallery.Kind.ESSAY),
        presentation=manifest.get("presentation", Gallery.Presentation.STANDARD),
        dek=manifest.get("dek", "").strip(),
        introduction=manifest.get("introduction", "").strip(),
        disclosure=manifest.get("disclosure", "").strip(),
        comment_mode=manifest.get("comment_mode", Gallery.CommentMode.OPEN),
        section=section,
        created_by=by,
    )
    gallery.photographers.set(people)
    gallery.tags.set([_named(Tag, name.strip()) for name in manifest.get("tags", [])])
    for position, entry in enumerate(manifest.get("links", [])):
        GalleryLink.objects.create(gallery=gallery, label=entry["label"], url=entry["url"], position=position)
    for position, entry in enumerate(manifest.get("faq", [])):
        FaqEntry.objects.create(gallery=gallery, question=entry["question"], answer=entry["answer"], position=position)
    items, problems = [], []
    for position, row in enumerate(plan.rows):
        if progress is not None:
            progress(position, len(plan.rows), row.file)
        try:
            result = ingest_photo(
                data=(directory / row.file).read_bytes(),
                filename=row.file,
                uploaded_by=by,
                photographer=people[0] if people else None,
            )
        except UploadRejected as error:
            problems.append(f"{row.file}: {error}")
            continue
        photo = result.photo
        items.append(
            Item(
                gallery=gallery,
                photo=photo,
                position=position,
                headline=row.headline or photo.headline,
                caption=row.caption or photo.caption,
                alt_text=row.alt_text,
                credit_override=row.credit,
            )
        )
    if progress is not None:
        progress(len(plan.rows), len(plan.rows), "")
    if problems:
        raise FolderError("\n".join(problems))
    for item in items:
        item.clean_typed_text()  # bulk_create() does not save() each row, where typed text is cleaned
    Item.objects.bulk_create(items)
    record(gallery, "gallery.imported", by=by, to_state=gallery.status, data={"folder": directory.name})
    return gallery


# Exporting -------------------------------------------------------------------------------------------------


def _export_name(item: Item, used: set[str]) -> str:
    extension = {"JPEG": "jpg", "MPO": "jpg", "TIFF": "tif", "HEIF": "heic"}.get(item.photo.original_format.upper())
    extension = extension or item.photo.original_format.lower() or "jpg"
    name = item.photo.original_filename
    if (
        not name
        or Path(name).name != name
        or name.startswith(".")
        or has_control_characters(name)
        or name in used
        or name in (MANIFEST, CAPTIONS)
    ):
        name = f"{item.number:03d}.{extension}"
    used.add(name)
    return name


def gallery_manifest(gallery: Gallery) -> dict:
    people = [
        {key: getattr(person, key) for key in PERSON_KEYS if getattr(person, key)}
        for person in gallery.photographers.all()
    ]
    manifest = {
        "title": gallery.title,
        "slug": gallery.slug,
        "kind": gallery.kind,
        "presentation": gallery.presentation,
        "dek": gallery.dek,
        "introduction": gallery.introduction,
        "disclosure": gallery.disclosure,
        "comment_mode": gallery.comment_mode,
        "section": gallery.section.name if gallery.section else "",
        "tags": [tag.name for tag in gallery.tags.all()],
    }
    if len(people) == 1:
        manifest["photographer"] = people[0]
    elif people:
        manifest["photographers"] = people
    manifest["links"] = [{"label": link.label, "url": link.url} for link in gallery.links.all()]
    manifest["faq"] = [{"question": entry.question, "answer": entry.answer} for entry in gallery.faq_entries.all()]
    return manifest


def export_gallery_folder(*, gallery: Gallery, directory: Path) -> list[str]:
    """Write the gallery as a folder import_gallery_folder reads back; returns the image file names.

    All or nothing: a failure part way removes what this export wrote, so it can simply be run again.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise FolderError(f"{directory}: is a file, not a folder.")
    if directory.exists() and any(directory.iterdir()):
        raise FolderError(f"{directory}: the folder is not empty; export into a new or empty folder.")
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FolderError(f"{directory}: cannot make the folder ({error.strerror}).") from None
    try:
        return _write_folder(gallery, directory)
    except BaseException:
        for path in directory.iterdir():
            path.unlink()
        if created:
            directory.rmdir()
        raise


def _write_folder(gallery: Gallery, directory: Path) -> list[str]:
    items = list(gallery.items.select_related("photo").order_by("position", "id"))
    used: set[str] = set()
    names = []
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        name = _export_name(item, used)
        try:
            with item.photo.original.open("rb") as original:
                data = original.read()
        except OSError:
            raise FolderError(f"Photo {item.number} ({item.photo}): its original is missing from storage.") from None
        (directory / name).write_bytes(data)
        # Cleaned as the import will want them: text stored before Loupe cleaned its input may hold controls.
        row = [name, item.headline, item.caption, item.alt_text, item.credit_override]
        writer.writerow(texts_without_control_characters(row))
        names.append(name)
    (directory / CAPTIONS).write_text(out.getvalue(), encoding="utf-8")
    manifest = texts_without_control_characters(gallery_manifest(gallery))
    (directory / MANIFEST).write_text(tomli_w.dumps(manifest, multiline_strings=True), "utf-8")
    return names
