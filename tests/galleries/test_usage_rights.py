"""Usage rights on the desk: paid and conditional photos are confirmed before publication, embargoes hold."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from galleries import workflow
from galleries.models import AuditEvent, Gallery, Photo
from galleries.workflow import ConfirmationNeeded, TransitionError
from tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db
Status = Gallery.Status


@pytest.fixture
def in_review(photographer_user):
    gallery = GalleryFactory(items=3, created_by=photographer_user, in_review=True)
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


def _photo(gallery: Gallery, number: int) -> Photo:
    return gallery.items.get(position=number - 1).photo


def _set(photo: Photo, **fields) -> None:
    Photo.objects.filter(pk=photo.pk).update(**fields)


def test_approving_a_gallery_with_a_paid_photo_asks_the_editor_to_confirm(editor, in_review):
    _set(_photo(in_review, 2), rights_category="agency", rights_cost="pay", rights_restrictions="One use, web only.")
    with pytest.raises(ConfirmationNeeded) as needed:
        workflow.approve_gallery(gallery=in_review, by=editor)
    assert needed.value.problems == ["Item 2: Agency / wire · Pay · restricted (One use, web only.)"]
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW and in_review.rights_confirmed_by is None

    workflow.approve_gallery(gallery=in_review, by=editor, confirm_rights=True)
    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED
    assert in_review.rights_confirmed_by == editor and in_review.rights_confirmed_photos == [_photo(in_review, 2).pk]
    event = AuditEvent.objects.get(action="gallery.rights_confirmed")
    assert event.actor == editor and event.data["photos"][0]["cost"] == "pay"


def test_a_photo_whose_rights_changed_to_conditional_is_asked_about_again(editor, in_review):
    _set(_photo(in_review, 1), rights_cost="pay")
    workflow.approve_gallery(
        gallery=in_review, by=editor, publish_at=timezone.now() + timedelta(days=1), confirm_rights=True
    )
    _set(_photo(in_review, 3), rights_cost="conditional", rights_restrictions="Credit the family.")
    in_review.refresh_from_db()
    with pytest.raises(ConfirmationNeeded, match="Confirm the usage rights"):
        workflow.publish_gallery(gallery=in_review, by=editor)
    workflow.publish_gallery(gallery=in_review, by=editor, confirm_rights=True)
    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED


def test_a_photographer_cannot_confirm_rights_for_the_desk(photographer_user, in_review):
    _set(_photo(in_review, 1), rights_cost="pay")
    with pytest.raises(TransitionError, match="You may not approve"):
        workflow.approve_gallery(gallery=in_review, by=photographer_user, confirm_rights=True)
    in_review.refresh_from_db()
    assert in_review.rights_confirmed_photos == [] and not AuditEvent.objects.filter(action="gallery.rights_confirmed")


def test_the_admin_asks_for_the_confirmation_and_records_it(client, editor, in_review):
    _set(
        _photo(in_review, 1),
        rights_category="pool",
        rights_cost="conditional",
        rights_restrictions="Pool members only.",
    )
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_transition", args=[in_review.pk, "approve"])

    page = client.get(reverse("admin:galleries_gallery_change", args=[in_review.pk])).text
    assert "You will be asked to confirm the usage rights of:" in page and "Pool members only." in page

    asked = client.post(url, {"version": in_review.version, "publish_at": ""})
    assert asked.status_code == 200
    assert "Item 1: Pool · Conditional · restricted (Pool members only.)" in asked.text
    assert 'name="confirm_rights" value="yes" required' in asked.text
    assert f'<input type="hidden" name="version" value="{in_review.version}">' in asked.text
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW

    done = client.post(url, {"version": in_review.version, "publish_at": "", "confirm_rights": "yes"}, follow=True)
    assert "Approved and published" in done.text
    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED and in_review.rights_confirmed_by == editor


def test_an_embargoed_photo_cannot_be_published_before_the_embargo_ends(editor, in_review):
    until = timezone.now() + timedelta(days=2)
    _set(_photo(in_review, 3), embargoed_until=until)
    with pytest.raises(TransitionError, match="Item 3's photo is embargoed until"):
        workflow.approve_gallery(gallery=in_review, by=editor)
    with pytest.raises(TransitionError, match="embargoed"):
        workflow.approve_gallery(gallery=in_review, by=editor, publish_at=until - timedelta(hours=1))
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


def test_a_gallery_may_be_scheduled_for_after_the_embargo(editor, in_review):
    until = timezone.now() + timedelta(days=2)
    _set(_photo(in_review, 3), embargoed_until=until)
    workflow.approve_gallery(gallery=in_review, by=editor, publish_at=until + timedelta(hours=1))
    in_review.refresh_from_db()
    assert in_review.status == Status.APPROVED
    # The scheduler does not publish it early, even when asked before its time.
    assert workflow.publish_due(now=until - timedelta(minutes=5)) == []


def test_a_photo_taken_down_keeps_its_gallery_from_approval(editor, in_review):
    from galleries.takedowns import take_down_photo

    take_down_photo(photo=_photo(in_review, 2), by=editor, reason="Kill notice.")
    with pytest.raises(TransitionError, match="Item 2's photo was taken down"):
        workflow.approve_gallery(gallery=in_review, by=editor)


# Rights as files carry them, written with Pillow: XMP's licence, Web Statement of Rights and Usage Terms,
# IPTC-IIM's Copyright Notice and Special Instructions.
def _xmp(*, licence: str = "", statement: str = "", terms: str = "", marked: str = "") -> bytes:
    parts = [
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"',
        ' xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" xmlns:cc="http://creativecommons.org/ns#"',
        f' xmpRights:Marked="{marked}">' if marked else ">",
        '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© 2025 Dana Reyes</rdf:li></rdf:Alt></dc:rights>',
    ]
    if licence:
        parts.append(f'<cc:license rdf:resource="{licence}"/>')
    if statement:
        parts.append(f"<xmpRights:WebStatement>{statement}</xmpRights:WebStatement>")
    if terms:
        parts.append(f'<xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">{terms}</rdf:li></rdf:Alt>')
        parts.append("</xmpRights:UsageTerms>")
    parts.append("</rdf:Description></rdf:RDF></x:xmpmeta>")
    return "".join(parts).encode()


def _upload(data: bytes) -> Photo:
    from galleries.ingest import ingest_photo

    return Photo.objects.get(pk=ingest_photo(data=data, filename="wire.jpg").photo.pk)


def test_a_creative_commons_licence_in_xmp_fills_the_usage_rights():
    from tests.galleries import imagefiles as files

    xmp = _xmp(licence="https://creativecommons.org/licenses/by-sa/4.0/", statement="https://example.org/rights")
    photo = _upload(files.encode(files.photograph(seed=3), xmp=xmp))
    assert (photo.rights_category, photo.cc_licence, photo.cc_version) == ("creative_commons", "by-sa", "4.0")
    assert photo.rights_statement_url == "https://example.org/rights"
    assert photo.copyright == "© 2025 Dana Reyes" and photo.rights_cost == Photo.Cost.FREE
    assert photo.rights_summary == "CC BY-SA 4.0 · Free"
    assert Photo.objects.syndicatable().filter(pk=photo.pk).count() == 0  # rendering still to come
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.READY)
    assert Photo.objects.syndicatable().filter(pk=photo.pk).exists()


def test_usage_terms_in_xmp_become_restrictions_an_editor_confirms():
    from tests.galleries import imagefiles as files

    xmp = _xmp(terms="Editorial use only. No archive after 30 days.")
    photo = _upload(files.encode(files.photograph(seed=4), xmp=xmp))
    assert photo.rights_restrictions == "Editorial use only. No archive after 30 days."
    assert photo.rights_cost == Photo.Cost.CONDITIONAL and photo.needs_rights_confirmation


def test_iptc_copyright_and_special_instructions_are_read_where_xmp_says_nothing():
    from tests.galleries import imagefiles as files

    jpeg = files.encode(files.photograph(seed=5))
    iptc = files.iptc_segment({(2, 116): ["(c) Wire Agency 2025"], (2, 40): ["MANDATORY CREDIT. NO SALES."]})
    photo = _upload(files.with_segment(jpeg, iptc))
    assert photo.copyright == "(c) Wire Agency 2025"
    assert photo.rights_restrictions == "MANDATORY CREDIT. NO SALES."
    assert photo.rights_cost == Photo.Cost.CONDITIONAL


def test_a_file_marked_public_domain_is_imported_as_such_and_typed_rights_win():
    from galleries.imaging import ImportedMetadata
    from galleries.ingest import prefill_photo
    from tests.galleries import imagefiles as files

    photo = _upload(files.encode(files.photograph(seed=6), xmp=_xmp(marked="False")))
    assert photo.rights_category == Photo.RightsCategory.PUBLIC_DOMAIN

    typed = Photo(rights_category=Photo.RightsCategory.STAFF)
    prefill_photo(photo=typed, metadata=ImportedMetadata(usage_terms="No use.", rights_marked="False"))
    assert typed.rights_category == Photo.RightsCategory.STAFF and typed.rights_restrictions == ""
