"""The API shows the published world as readers see it: graphic photos flagged to be covered and never standing for
a gallery, AI labels and Content Credentials as the photo page discloses them, taken-down photos gone."""

import pytest

from api import representation
from galleries.history import editing_gallery
from galleries.models import Photo
from galleries.presentation import credentials_disclosure
from galleries.provenance import IPTC_SOURCE_TYPE
from galleries.takedowns import take_down_photo
from tests.factories import CommentFactory, published_gallery

pytestmark = pytest.mark.django_db

VALID = {
    "state": "valid",
    "source_type": "digitalCapture",
    "steps": [
        {
            "signer": "Leica Camera AG",
            "issuer": "Leica Camera AG",
            "device": "Leica M11-P",
            "signed_at": "2026-05-01T08:00:00Z",
            "actions": ["c2pa.created"],
            "source_type": "digitalCapture",
        }
    ],
    "ingredients": ["IMG_0042-serial-9F31.jpg"],
    "leaks": ["GPS 51.5072,-0.1276", "camera serial 4711815"],
}


def _graphic(item, warning="A wounded man on a stretcher."):
    item.graphic, item.graphic_warning = True, warning
    item.save(update_fields=["graphic", "graphic_warning"])
    return item


@pytest.fixture
def story():
    gallery = published_gallery(items=3)
    gallery.contains_graphic = True
    gallery.save(update_fields=["contains_graphic"])
    return gallery, list(gallery.items.order_by("position").select_related("photo"))


def test_a_graphic_item_is_flagged_with_its_warning_and_the_gallery_with_its_notice(client, story):
    gallery, items = story
    _graphic(items[1])
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    plain, graphic, _ = body["items"]
    assert graphic["graphic"] is True
    assert graphic["graphic_warning"] == "A wounded man on a stretcher."
    # The files are there for the partner app to show once the reader chooses, as the site's "Show photo" does.
    assert graphic["photo"]["renditions"]
    assert graphic["photo"]["social_card"] is None
    assert plain["graphic"] is False and plain["graphic_warning"] is None
    assert plain["photo"]["social_card"] is not None
    assert body["contains_graphic"] is True
    assert body["graphic_notice"] == representation.GRAPHIC_NOTICE
    photo = client.get(f"/api/v1/photos/{items[1].photo_id}/").json()
    assert photo["graphic"] is True and photo["social_card"] is None
    assert client.get(f"/api/v1/photos/{items[0].photo_id}/").json()["graphic"] is False


def test_the_standard_warning_and_notice_are_the_sites(client, story):
    gallery, items = story
    _graphic(items[0], warning="")
    page = client.get(gallery.get_absolute_url()).text
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    assert body["items"][0]["graphic_warning"] == representation.GRAPHIC_WARNING
    assert representation.GRAPHIC_WARNING in page
    assert representation.GRAPHIC_NOTICE in page
    gallery.graphic_notice = "Photos of the wounded."
    gallery.contains_graphic = False
    gallery.save()
    body = client.get(f"/api/v1/galleries/{gallery.slug}/", {"fresh": 1}).json()
    assert body["contains_graphic"] is False and body["graphic_notice"] is None


@pytest.mark.parametrize("who", ["anonymous", "partner"])
def test_a_graphic_cover_never_stands_for_the_gallery(client, story, who, request):
    gallery, items = story
    _graphic(items[0])  # the chosen cover
    headers = {}
    if who == "partner":
        Photo.objects.update(syndication_allowed=True)
        headers = request.getfixturevalue("partner")
    body = client.get(f"/api/v1/galleries/{gallery.slug}/", **headers).json()
    second = body["items"][1]["photo"]
    assert body["cover"]["id"] == second["id"]
    assert body["social_card"] == second["social_card"] is not None
    listed = client.get("/api/v1/galleries/", **headers).json()["results"][0]
    assert listed["cover"]["id"] == second["id"]
    assert listed["contains_graphic"] is True


def test_a_photo_graphic_in_another_gallery_is_not_this_ones_cover(client, story):
    gallery, items = story
    other = published_gallery(items=0)
    _graphic(other.items.create(photo=items[0].photo, position=0))
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    # Not covered here (this gallery did not mark it), but it stands for no story.
    assert body["items"][0]["graphic"] is False
    assert body["items"][0]["photo"]["social_card"] is None
    assert body["cover"]["id"] == items[1].photo_id


def test_a_graphic_photo_taken_down_is_neither_shown_nor_flagged(
    client, story, editor, django_capture_on_commit_callbacks
):
    gallery, items = story
    _graphic(items[1])
    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=items[1].photo, by=editor, reason="Consent withdrawn.")
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    item = body["items"][1]
    assert item["photo"] is None and item["withheld"] == representation.TAKEN_DOWN
    assert item["graphic"] is False and item["graphic_warning"] is None and item["credentials"] is None
    assert client.get(f"/api/v1/photos/{items[1].photo_id}/").status_code == 410


def test_items_carry_the_ai_label_and_photos_their_source_type(client, story):
    gallery, items = story
    items[2].ai_label = True
    items[2].save(update_fields=["ai_label"])
    Photo.objects.filter(pk=items[2].photo_id).update(digital_source_type="trainedAlgorithmicMedia")
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    labelled = body["items"][2]
    assert labelled["ai_label"] is True
    assert labelled["photo"]["digital_source_type"] == IPTC_SOURCE_TYPE + "trainedAlgorithmicMedia"
    assert labelled["credentials"]["source"] == "an AI-generated picture"
    assert body["items"][0]["ai_label"] is False
    assert body["items"][0]["photo"]["digital_source_type"] is None
    assert "AI-generated image" in client.get(gallery.get_absolute_url()).text


def test_credentials_say_what_the_photo_page_discloses_and_nothing_else(client, story, settings):
    settings.LOUPE_C2PA_PUBLISHER = "The Daily Loupe"
    gallery, items = story
    Photo.objects.filter(pk=items[0].photo_id).update(
        credentials=VALID,
        credentials_state="valid",
        digital_source_type="digitalCapture",
        original_filename="DSC_secret_0042.NEF",
        redactions=[[0.1, 0.1, 0.2, 0.2]],
    )
    response = client.get(f"/api/v1/galleries/{gallery.slug}/")
    shown = response.json()["items"][0]["credentials"]
    assert shown["taken_by"] == items[0].credit
    assert shown["captured_with"] == "Leica M11-P"
    assert shown["capture_signed_by"] == "Leica Camera AG"
    assert shown["source"] == "a camera capture"
    assert shown["published_by"] == "The Daily Loupe"
    assert shown["changes"][0] == "1 area blurred to protect people shown"
    page = client.get(items[0].get_absolute_url()).text
    for value in ("Leica M11-P", "Leica Camera AG", "a camera capture", "The Daily Loupe", "1 area blurred"):
        assert value in page
    for withheld in ("DSC_secret_0042", "IMG_0042-serial", "51.5072", "4711815", "2026-05-01T08:00:00Z"):
        assert withheld not in response.text
    # Nothing the disclosure leaves out: its fields are the answer's.
    item = items[0]
    item.refresh_from_db()
    assert set(shown) == set(credentials_disclosure(item, gallery).__dataclass_fields__) - {"signed"}


def test_no_credentials_when_the_site_signs_nothing(client, story, settings):
    settings.LOUPE_C2PA_SIGNING = False
    gallery, _ = story
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    assert all(item["credentials"] is None for item in body["items"])


def test_a_photo_taken_down_with_its_items_hidden_is_gone(client, story, editor, django_capture_on_commit_callbacks):
    gallery, items = story
    CommentFactory(gallery=gallery, item=items[0], body="About the photo taken down.")
    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=items[0].photo, by=editor, reason="Consent withdrawn.", hide_item=True)
    # As the item's page answers 410: gone, without the newsroom's reason or the comments on it.
    for url in (
        f"/api/v1/photos/{items[0].photo_id}/",
        f"/api/v1/galleries/{gallery.slug}/photos/{items[0].pk}/comments/",
    ):
        response = client.get(url)
        assert response.status_code == 410
        assert response.json()["reason"] == representation.TAKEN_DOWN
        assert "Consent" not in response.text and "About the photo" not in response.text
    assert client.get(items[0].get_absolute_url()).status_code == 410
    body = client.get(f"/api/v1/galleries/{gallery.slug}/").json()
    assert [item["id"] for item in body["items"]] == [items[1].pk, items[2].pk]
    assert body["cover"]["id"] == items[1].photo_id


def test_marking_a_photo_graphic_reaches_the_answer_kept(client, story, editor, django_capture_on_commit_callbacks):
    gallery, items = story
    first = client.get(f"/api/v1/galleries/{gallery.slug}/", {"fresh": 1}).json()
    assert first["cover"]["id"] == items[0].photo_id
    gallery.refresh_from_db()
    edit = editing_gallery(gallery=gallery, by=editor, expected_version=gallery.version, comment="Graphic.")
    with django_capture_on_commit_callbacks(execute=True), edit:
        _graphic(items[0])
    again = client.get(f"/api/v1/galleries/{gallery.slug}/", {"fresh": 2}).json()
    assert again["items"][0]["graphic"] is True
    assert again["cover"]["id"] == items[1].photo_id
