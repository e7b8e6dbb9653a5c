"""Content Credentials: read and verified on upload, shown to editors and readers, signed into every public file
without carrying what Loupe strips. The signed inputs are made here with c2pa-python, as cameras and tools do."""

import io
import json

import c2pa
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from galleries import imaging, provenance, signing, workflow
from galleries.ingest import UploadRejected, ingest_photo
from galleries.models import Photo
from tests.factories import GalleryFactory, ItemFactory
from tests.galleries import imagefiles as files
from tests.galleries.test_imaging import assert_clean

pytestmark = pytest.mark.django_db

SOURCE = provenance.IPTC_SOURCE_TYPE


@pytest.fixture(scope="session")
def camera_chain():
    """A camera maker's signing chain: what a Leica or a Sony signs captures with."""
    return provenance.make_test_chain(organization="Leica Camera AG")


@pytest.fixture(scope="session")
def newsroom_chain():
    return provenance.make_test_chain(organization="The Daily Loupe")


@pytest.fixture(autouse=True)
def _credentials(settings, tmp_path, camera_chain, newsroom_chain):
    """Loupe signs with the newsroom's chain and trusts the camera maker's and its own roots."""
    chain, key, root = newsroom_chain
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "anchors.pem").write_bytes(camera_chain[2] + root)
    settings.LOUPE_C2PA_SIGNING = True
    settings.LOUPE_C2PA_CERT_CHAIN = str(tmp_path / "chain.pem")
    settings.LOUPE_C2PA_PRIVATE_KEY = str(tmp_path / "key.pem")
    settings.LOUPE_C2PA_TRUST_ANCHORS = str(tmp_path / "anchors.pem")
    settings.LOUPE_C2PA_PUBLISHER = "The Daily Loupe"


def newsroom_reader(data: bytes, mime: str, newsroom_chain) -> dict:
    """What any C2PA reader that trusts the newsroom's root makes of a public file."""
    settings = {"verify": {"remote_manifest_fetch": False}, "trust": {"trust_anchors": newsroom_chain[2].decode()}}
    with c2pa.Context.from_dict(settings) as context, c2pa.Reader(mime, io.BytesIO(data), context=context) as reader:
        return json.loads(reader.json())


def signed(
    image_bytes: bytes,
    chain,
    *,
    actions: list[dict],
    assertions: list[dict] = (),
    title: str = "",
    generator: str = "Leica FOTOS",
    parent: bytes = b"",
) -> bytes:
    """A JPEG signed as a camera or an editing tool would sign it."""
    definition = {
        "claim_generator_info": [{"name": generator}],
        "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": actions}}, *assertions],
    }
    if title:
        definition["title"] = title
    info = c2pa.C2paSignerInfo(alg=c2pa.C2paSigningAlg.ES256, sign_cert=chain[0], private_key=chain[1], ta_url=None)
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    with context, c2pa.Signer.from_info(info) as signer, c2pa.Builder(json.dumps(definition), context) as builder:
        if parent:
            builder.set_intent(c2pa.C2paBuilderIntent.EDIT)
            builder.add_ingredient({"title": "capture", "relationship": "parentOf"}, "image/jpeg", io.BytesIO(parent))
        out = io.BytesIO()
        builder.sign(signer, "image/jpeg", io.BytesIO(image_bytes), out)
    return out.getvalue()


def capture(chain, *, seed=1, gps=True, source="digitalCapture") -> bytes:
    """A camera-like capture: created, with the camera's name; with `gps`, its EXIF assertion has the place and
    serial number, and its title is the camera's file name, as real cameras write them."""
    exif = {
        "label": "stds.exif",
        "data": {
            "@context": {"exif": "http://ns.adobe.com/exif/1.0/"},
            "exif:GPSLatitude": "6,27.1N",
            "exif:GPSLongitude": "3,23.4E",
            "exif:BodySerialNumber": files.SERIAL,
        },
        "kind": "Json",
    }
    return signed(
        files.encode(files.photograph((900, 600), seed=seed), quality=90),
        chain,
        actions=[{"action": "c2pa.created", "digitalSourceType": SOURCE + source, "softwareAgent": {"name": "M11-P"}}],
        assertions=[exif] if gps else [],
        title="L1000123.JPG" if gps else "",
    )


def upload(data: bytes, *, filename="L1000123.JPG") -> Photo:
    photo = ingest_photo(data=data, filename=filename).photo
    photo.refresh_from_db()
    return photo


# --- On upload ---------------------------------------------------------------------------------------------


def test_a_signed_capture_is_read_verified_and_summarised(camera_chain):
    photo = upload(capture(camera_chain))

    assert photo.credentials_state == Photo.CredentialsState.VALID
    assert photo.digital_source_type == "digitalCapture"
    summary = provenance.Credentials.from_dict(photo.credentials)
    assert summary.steps[0].issuer == "Leica Camera AG" and summary.steps[0].device == "M11-P"
    assert summary.steps[0].generator == "Leica FOTOS"
    assert "c2pa.created" in summary.steps[0].actions
    first = provenance.describe(summary)[0]
    assert first.startswith("Signed at capture by Leica Camera AG") and first.endswith("with M11-P.")
    assert provenance.describe(summary)[-1] == "Signature valid."


def test_an_edited_photo_names_the_capture_and_the_editing_tool(camera_chain):
    original = capture(camera_chain, gps=False)
    edited = signed(
        files.encode(files.photograph((900, 600), seed=5), quality=90),
        camera_chain,
        actions=[{"action": "c2pa.color_adjustments"}, {"action": "c2pa.cropped"}],
        generator="Adobe Photoshop",
        parent=original,
    )

    photo = upload(edited, filename="edit.jpg")

    summary = provenance.Credentials.from_dict(photo.credentials)
    words = provenance.describe(summary)
    assert words[0].startswith("Signed at capture by Leica Camera AG")
    assert (
        words[1].startswith("Signed by Leica Camera AG") and "in Adobe Photoshop: colours adjusted, cropped" in words[1]
    )
    assert summary.ingredients == ["capture (parentOf)"]
    assert photo.credentials_state == Photo.CredentialsState.VALID


def test_a_signer_missing_from_the_trust_list_is_untrusted(settings, newsroom_chain):
    stranger = provenance.make_test_chain(organization="Nobody We Know")

    photo = upload(capture(stranger))

    assert photo.credentials_state == Photo.CredentialsState.UNTRUSTED
    assert "not on the trust list" in " ".join(provenance.describe(provenance.Credentials.from_dict(photo.credentials)))


def test_a_tampered_file_is_invalid_with_the_reason_and_warns_the_editor(camera_chain):
    data = bytearray(capture(camera_chain))
    data[-300] ^= 0xFF  # a pixel byte changed after signing

    photo = upload(bytes(data))

    assert photo.credentials_state == Photo.CredentialsState.INVALID
    summary = provenance.Credentials.from_dict(photo.credentials)
    assert "dataHash.mismatch" in summary.problem
    assert any("invalid" in warning for warning in provenance.warnings(summary))


def test_an_ai_generated_declaration_is_kept_and_warned_about(camera_chain):
    photo = upload(capture(camera_chain, gps=False, source="trainedAlgorithmicMedia"), filename="gen.jpg")

    assert photo.digital_source_type == "trainedAlgorithmicMedia" and photo.is_ai_generated
    assert any("AI-generated" in w for w in provenance.warnings(provenance.Credentials.from_dict(photo.credentials)))


def test_without_a_manifest_the_source_type_comes_from_xmp():
    xmp = files.XMP_WITH_GPS.replace(
        'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"',
        'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"'
        ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
        f' Iptc4xmpExt:DigitalSourceType="{SOURCE}compositeWithTrainedAlgorithmicMedia"',
    )
    photo = upload(files.encode(files.photograph(), xmp=xmp.encode()), filename="x.jpg")

    assert photo.credentials_state == Photo.CredentialsState.NONE
    assert photo.digital_source_type == "compositeWithTrainedAlgorithmicMedia"
    assert photo.credentials["declared_in"] == "XMP"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "AVIF", "HEIF"])
def test_manifests_are_read_from_png_webp_avif_and_heic(camera_chain, fmt):
    chain, key, _ = camera_chain
    image = files.encode(files.photograph((600, 400), seed=9), fmt)
    mime = {"PNG": "image/png", "WEBP": "image/webp", "AVIF": "image/avif", "HEIF": "image/heic"}[fmt]
    definition = {
        "claim_generator_info": [{"name": "Tool"}],
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": SOURCE + "digitalCapture"}]},
            }
        ],
    }
    data = provenance.sign_image(image, mime=mime, definition=definition, key=provenance.SigningKey(chain, key))

    photo = upload(data, filename=f"x.{fmt.lower()}")

    assert photo.credentials_state == Photo.CredentialsState.VALID
    assert photo.digital_source_type == "digitalCapture"


def test_a_deep_chain_of_ingredients_is_refused_with_a_message(camera_chain):
    data = capture(camera_chain, gps=False)
    for generation in range(provenance.MAX_INGREDIENT_DEPTH + 1):
        pixels = files.encode(files.photograph((400, 300), seed=generation), quality=80)
        data = signed(pixels, camera_chain, actions=[{"action": "c2pa.edited"}], parent=data)

    with pytest.raises(UploadRejected, match="nest more than"):
        ingest_photo(data=data, filename="deep.jpg")
    assert not Photo.objects.exists()


def test_an_oversized_manifest_is_refused_with_a_message(camera_chain):
    padding = {"label": "org.example.padding", "data": {"text": "x" * (provenance.MAX_STORE_CHARACTERS + 10)}}
    data = signed(
        files.encode(files.photograph(), quality=80),
        camera_chain,
        actions=[{"action": "c2pa.created", "digitalSourceType": SOURCE + "digitalCapture"}],
        assertions=[padding],
    )

    with pytest.raises(UploadRejected, match="Content Credentials are"):
        ingest_photo(data=data, filename="big.jpg")
    assert not Photo.objects.exists()


def test_a_malformed_manifest_is_stored_as_invalid_not_an_error(camera_chain):
    data = bytearray(capture(camera_chain, gps=False))
    start = data.find(b"c2pa.signature")
    data[start + 40 : start + 120] = b"\x00" * 80  # the signature box itself is broken

    photo = upload(bytes(data), filename="broken.jpg")

    assert photo.credentials_state == Photo.CredentialsState.INVALID
    assert photo.credentials["problem"]


def test_a_hostile_upload_through_the_admin_gets_a_message_not_a_500(client, editor, camera_chain):
    data = capture(camera_chain, gps=False)
    for generation in range(provenance.MAX_INGREDIENT_DEPTH + 1):
        pixels = files.encode(files.photograph((300, 300), seed=generation))
        data = signed(pixels, camera_chain, actions=[{"action": "c2pa.edited"}], parent=data)
    gallery = GalleryFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:galleries_gallery_upload", args=[gallery.pk]),
        {"file": SimpleUploadedFile("deep.jpg", data, "image/jpeg")},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 400
    assert "nest more than" in response.json()["error"]
    assert not Photo.objects.exists()


# --- The editor's view -------------------------------------------------------------------------------------


def test_the_photo_admin_says_it_in_plain_words(client, editor, camera_chain):
    photo = upload(capture(camera_chain))
    client.force_login(editor)

    page = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).content.decode()

    assert "Signed at capture by Leica Camera AG" in page and "Signature valid." in page


def test_the_photo_admin_warns_about_an_ai_declaration(client, editor, camera_chain):
    photo = upload(capture(camera_chain, gps=False, source="trainedAlgorithmicMedia"), filename="gen.jpg")
    client.force_login(editor)

    page = client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).content.decode()

    assert "Declared as an AI-generated picture: label it as such" in page


def test_approval_of_an_unlabelled_ai_photo_is_refused_until_it_is_labelled(editor, camera_chain, settings):
    photo = upload(capture(camera_chain, gps=False, source="trainedAlgorithmicMedia"), filename="gen.jpg")
    photo.state = Photo.State.READY
    photo.save()
    gallery = GalleryFactory(in_review=True)
    item = ItemFactory(gallery=gallery, photo=photo, alt_text="A picture.")

    with pytest.raises(workflow.TransitionError, match="declared AI-generated"):
        workflow.approve_gallery(gallery=gallery, by=editor)

    item.ai_label = True
    item.save()
    assert workflow.approve_gallery(gallery=gallery, by=editor).status == "published"


def test_the_ai_label_rule_can_be_turned_off(editor, camera_chain, settings):
    settings.LOUPE_AI_LABEL_REQUIRED = False
    photo = upload(capture(camera_chain, gps=False, source="trainedAlgorithmicMedia"), filename="gen.jpg")
    photo.state = Photo.State.READY
    photo.save()
    gallery = GalleryFactory(in_review=True)
    ItemFactory(gallery=gallery, photo=photo, alt_text="A picture.")

    assert workflow.approve_gallery(gallery=gallery, by=editor).status == "published"


# --- What readers get ----------------------------------------------------------------------------------------


def publish(photos: list[Photo], editor, capture_callbacks, *, ai_label=False):
    gallery = GalleryFactory(in_review=True)
    for position, photo in enumerate(photos):
        ItemFactory(gallery=gallery, photo=photo, position=position, ai_label=ai_label, alt_text="A picture.")
    with capture_callbacks(execute=True):
        workflow.approve_gallery(gallery=gallery, by=editor)  # without a publication time: published now
    gallery.refresh_from_db()
    assert gallery.is_public
    return gallery


def public_files(photo: Photo):
    for rendition in photo.renditions.filter(is_public=True):
        with storages["default"].open(rendition.name, "rb") as file:
            yield rendition, file.read()


def actions_of(manifest: dict) -> list[dict]:
    return next(a["data"]["actions"] for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))


def rendered_upload(data: bytes, capture_callbacks, *, filename="L1000123.JPG", **fields) -> Photo:
    with capture_callbacks(execute=True):
        photo = ingest_photo(data=data, filename=filename).photo
    if fields:
        for name, value in fields.items():
            setattr(photo, name, value)
        photo.save()
        with capture_callbacks(execute=True):
            from galleries.tasks import rerender_photos

            rerender_photos(photos=[photo])
    photo.refresh_from_db()
    assert photo.state == Photo.State.READY, photo.state_reason
    return photo


def test_every_public_file_is_signed_valid_and_says_what_loupe_did(
    editor, camera_chain, newsroom_chain, django_capture_on_commit_callbacks
):
    photo = rendered_upload(capture(camera_chain), django_capture_on_commit_callbacks)
    publish([photo], editor, django_capture_on_commit_callbacks)

    checked = 0
    for rendition, data in public_files(photo):
        store = newsroom_reader(data, imaging.CONTENT_TYPES[rendition.format], newsroom_chain)
        assert store["validation_state"] == "Trusted", store.get("validation_results")
        manifest = store["manifests"][store["active_manifest"]]
        assert manifest["signature_info"]["issuer"] == "The Daily Loupe"
        actions = [a["action"] for a in actions_of(manifest)]
        assert actions[0] == "c2pa.opened" and "c2pa.resized" in actions and "c2pa.published" in actions
        if rendition.purpose == "social":
            assert "c2pa.cropped" in actions
        metadata = next(a["data"] for a in manifest["assertions"] if a["label"] == "cawg.metadata")
        assert metadata["dc:publisher"] == ["The Daily Loupe"]
        assert metadata["Iptc4xmpExt:DigitalSourceType"] == SOURCE + "digitalCapture"
        # The capture's manifest holds GPS, a serial number and a file name: it never travels.
        assert len(store["manifests"]) == 1
        for secret in (b"GPS", files.SERIAL.encode(), b"L1000123", b"exif:"):
            assert secret not in data, (rendition.name, secret)
        assert_clean(imaging.RenderedFile(rendition.purpose, rendition.format, rendition.width, rendition.height, data))
        checked += 1
    assert checked == photo.renditions.count() >= 7  # 320 to 640 px in three formats, and the social card


def test_a_clean_incoming_manifest_travels_as_the_parent(
    editor, camera_chain, newsroom_chain, django_capture_on_commit_callbacks
):
    photo = rendered_upload(capture(camera_chain, gps=False), django_capture_on_commit_callbacks, filename="a.jpg")
    publish([photo], editor, django_capture_on_commit_callbacks)

    rendition, data = next(public_files(photo))
    store = newsroom_reader(data, imaging.CONTENT_TYPES[rendition.format], newsroom_chain)
    assert store["validation_state"] == "Trusted"
    active = store["manifests"][store["active_manifest"]]
    parent = active["ingredients"][0]
    assert parent["relationship"] == "parentOf" and parent["active_manifest"] in store["manifests"]
    assert store["manifests"][parent["active_manifest"]]["signature_info"]["issuer"] == "Leica Camera AG"
    assert "thumbnail" not in parent


def test_a_blurred_photo_carries_no_trace_of_its_original(
    editor, camera_chain, newsroom_chain, django_capture_on_commit_callbacks
):
    original = capture(camera_chain, gps=False)
    photo = rendered_upload(
        original, django_capture_on_commit_callbacks, filename="a.jpg", redactions=[[0.1, 0.1, 0.3, 0.3]]
    )
    publish([photo], editor, django_capture_on_commit_callbacks)

    original_manifest = provenance.Credentials.from_dict(photo.credentials)
    assert original_manifest.state == "valid"  # carried, were it not blurred
    for rendition, data in public_files(photo):
        store = newsroom_reader(data, imaging.CONTENT_TYPES[rendition.format], newsroom_chain)
        assert store["validation_state"] == "Trusted"
        assert len(store["manifests"]) == 1  # no ancestor manifest, in any form
        active = store["manifests"][store["active_manifest"]]
        (parent,) = active["ingredients"]
        assert set(parent) <= {"title", "relationship", "description", "format", "label"}
        assert "withheld" in parent["description"]
        actions = actions_of(active)
        blur = next(a for a in actions if a["action"] == "c2pa.filtered")
        assert "Blurred 1 area" in blur["parameters"]["description"]
        assert b"Leica" not in data and b"thumbnail" not in data


def test_development_signs_with_a_test_chain_it_makes_once(settings, tmp_path):
    settings.LOUPE_C2PA_CERT_CHAIN = settings.LOUPE_C2PA_PRIVATE_KEY = ""
    settings.DATA_DIR = tmp_path / "data"

    first = signing.signing_key()
    second = signing.signing_key()

    assert first.chain == second.chain and (tmp_path / "data" / "c2pa-development" / "root.pem").is_file()
    assert [m.id for m in signing.check_signing()] == ["loupe.W010"]
    data = provenance.sign_image(
        files.encode(files.photograph(), quality=80),
        mime="image/jpeg",
        definition=provenance.manifest_definition(
            publication=provenance.Publication(publisher="Loupe", generator="Loupe"),
            actions=[{"action": "c2pa.resized"}],
            title="t",
            carried_parent=False,
        ),
        key=first,
    )
    assert provenance.read_credentials(data, mime="image/jpeg").state == "untrusted"


def test_signing_off_publishes_unsigned_files_and_says_so(settings, editor, django_capture_on_commit_callbacks):
    settings.LOUPE_C2PA_SIGNING = False
    photo = rendered_upload(files.encode(files.photograph(), quality=90), django_capture_on_commit_callbacks)

    _, data = next(public_files(publish([photo], editor, django_capture_on_commit_callbacks).items.first().photo))

    assert b"c2pa" not in data
    assert [m.id for m in signing.check_signing()] == ["loupe.I010"]


def test_the_photo_page_discloses_the_credentials_without_javascript(
    client, editor, camera_chain, django_capture_on_commit_callbacks
):
    photo = rendered_upload(capture(camera_chain), django_capture_on_commit_callbacks, redactions=[[0, 0, 0.2, 0.2]])
    gallery = publish([photo], editor, django_capture_on_commit_callbacks, ai_label=True)
    item = gallery.items.get()

    page = client.get(item.get_absolute_url()).content.decode()

    disclosure = page[page.index('<details class="content-credentials">') : page.index("</details>")]
    assert "<summary>Content Credentials</summary>" in disclosure
    assert "taken with M11-P, signed at capture by Leica Camera AG" in disclosure
    assert "<dt>Published by</dt><dd>The Daily Loupe" in disclosure
    assert "1 area blurred to protect people shown" in disclosure
    assert "AI-generated image" in page


def test_the_gallery_json_ld_carries_the_digital_source_type(
    client, editor, camera_chain, django_capture_on_commit_callbacks
):
    photo = rendered_upload(capture(camera_chain), django_capture_on_commit_callbacks)
    gallery = publish([photo], editor, django_capture_on_commit_callbacks)

    page = client.get(gallery.get_absolute_url()).content.decode()

    data = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    (image,) = data["associatedMedia"]["associatedMedia"]
    assert image["digitalSourceType"] == SOURCE + "digitalCapture"


def test_the_library_filters_photos_declared_ai_generated(client, editor, camera_chain):
    generated = upload(capture(camera_chain, gps=False, source="trainedAlgorithmicMedia"), filename="gen.jpg")
    captured = upload(capture(camera_chain, seed=2))
    client.force_login(editor)

    page = client.get(reverse("admin:galleries_photo_changelist"), {"declared": "ai"}).content.decode()

    assert reverse("admin:galleries_photo_change", args=[generated.pk]) in page
    assert reverse("admin:galleries_photo_change", args=[captured.pk]) not in page


def test_a_verification_desk_reads_a_public_file_in_plain_words(
    editor, camera_chain, newsroom_chain, django_capture_on_commit_callbacks, tmp_path, settings
):
    photo = rendered_upload(capture(camera_chain), django_capture_on_commit_callbacks)
    publish([photo], editor, django_capture_on_commit_callbacks)
    rendition, data = next(public_files(photo))
    (tmp_path / f"public.{rendition.format}").write_bytes(data)
    (tmp_path / "root.pem").write_bytes(newsroom_chain[2])
    out = io.StringIO()

    call_command(
        "read_credentials",
        str(tmp_path / f"public.{rendition.format}"),
        "--trust",
        str(tmp_path / "root.pem"),
        stdout=out,
    )

    assert "Signed by The Daily Loupe" in out.getvalue() and "Signature valid." in out.getvalue()
    settings.LOUPE_C2PA_TRUST_ANCHORS = ""  # nobody trusts the newsroom's root: intact, but untrusted
    with pytest.raises(CommandError, match="without valid Content Credentials"):
        call_command("read_credentials", str(tmp_path / f"public.{rendition.format}"), stdout=io.StringIO())
