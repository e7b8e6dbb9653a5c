import re
import secrets
from datetime import timedelta
from functools import partial
from typing import Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from galleries.provenance import AI_GENERATED
from galleries.text import TypedText

INSTAGRAM_HANDLE = re.compile(r"[A-Za-z0-9._]{1,30}")
_INSTAGRAM_PROFILE = re.compile(r"(?:https?://)?(?:www\.|m\.)?instagram\.com/([^/?#]+)/?(?:[?#].*)?", re.IGNORECASE)


def instagram_handle(value: str) -> str:
    """The handle in `amara.okafor`, `@amara.okafor` or a profile address; "" when it names no handle."""
    value = (value or "").strip()
    profile = _INSTAGRAM_PROFILE.fullmatch(value)
    handle = profile.group(1) if profile else value.removeprefix("@")
    return handle if INSTAGRAM_HANDLE.fullmatch(handle) else ""


_validate_web_url = URLValidator(schemes=["http", "https"])


def web_url(value: str) -> str:
    """`value` if it is an http(s) address, else "": all a link on a public page may point at."""
    value = (value or "").strip()
    try:
        _validate_web_url(value)
    except ValidationError:
        return ""
    return value


class _OriginalsStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["originals"]


_originals = _OriginalsStorage()


def originals_storage() -> _OriginalsStorage:
    """The private storage of originals, looked up by name so settings choose it."""
    return _originals


@receiver(setting_changed)
def _reset_originals_storage(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        _originals._wrapped = empty


def original_path(instance: "Photo", filename: str) -> str:
    # The name reveals nothing about the photo: no file name, no gallery.
    token = secrets.token_hex(16)
    extension = instance.original_format.lower() if instance.original_format else "bin"
    return f"{token[:2]}/{token}.{extension}"


class Photographer(TypedText):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    bio = models.TextField(blank=True)
    portrait = models.ImageField(upload_to="portraits/", blank=True)
    website = models.URLField(blank=True)
    instagram = models.CharField(max_length=100, blank=True, help_text="Handle, without the @.")
    social_links = models.TextField(blank=True, help_text="Other profile URLs, one a line.")
    agency = models.CharField(max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photographer",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # The table keeps the name it had while the model lived in newsroom: moving the model moved no data.
        db_table = "newsroom_photographer"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("galleries:photographer", kwargs={"slug": self.slug})

    # Links are checked again as they are shown: rows written by imports or older forms never became hrefs.
    @property
    def website_url(self) -> str:
        return web_url(self.website)

    @property
    def instagram_url(self) -> str:
        handle = self.instagram.strip().lstrip("@")
        return f"https://www.instagram.com/{handle}/" if INSTAGRAM_HANDLE.fullmatch(handle) else ""

    @property
    def social_link_list(self) -> list[str]:
        return [url for line in self.social_links.splitlines() if (url := web_url(line))]


class LabelQuerySet(models.QuerySet):
    def with_published_galleries(self) -> Self:
        """Names readers can browse: those with at least one published gallery."""
        return self.filter(pk__in=Gallery.objects.published().values(self.model.gallery_field))


class Label(TypedText):
    """A name readers browse galleries by, with a page of its own."""

    url_name = ""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(self.url_name, kwargs={"slug": self.slug})


class Section(Label):
    url_name = "galleries:section"
    gallery_field = "section"

    objects = LabelQuerySet.as_manager()


class Tag(Label):
    url_name = "galleries:tag"
    gallery_field = "tags"

    objects = LabelQuerySet.as_manager()


# The one condition that takes a photo off every public road: a lease that ended, a kill notice, a request from
# someone pictured (galleries.takedowns). Every visibility rule below composes with it.
NOT_TAKEN_DOWN = Q(taken_down_at__isnull=True)
NOT_TAKEN_DOWN_RENDITION = Q(photo__taken_down_at__isnull=True)


class PhotoQuerySet(models.QuerySet):
    def available(self) -> Self:
        """Photos not taken down: the only ones any public road may show."""
        return self.filter(NOT_TAKEN_DOWN)

    def taken_down(self) -> Self:
        return self.exclude(NOT_TAKEN_DOWN)

    def in_published_galleries(self) -> Self:
        return self.available().filter(pk__in=Item.objects.published().values("photo"))

    def syndicatable(self, *, now=None) -> Self:
        """Photos partners may republish: rights that allow it (staff, public domain, a Creative Commons licence
        that allows commercial reuse, or an explicit yes), free of charge, unrestricted, within any lease and
        past any embargo, and not taken down."""
        now = now or timezone.now()
        by_rights = (
            Q(syndication_allowed=True)
            | Q(rights_category__in=[Photo.RightsCategory.STAFF, Photo.RightsCategory.PUBLIC_DOMAIN])
            | Q(rights_category=Photo.RightsCategory.CREATIVE_COMMONS, cc_licence__in=Photo.COMMERCIAL_LICENCES)
        )
        return (
            self.available()
            .filter(by_rights, rights_cost=Photo.Cost.FREE, rights_restrictions="", state=Photo.State.READY)
            .filter(Q(allowed_until__isnull=True) | Q(allowed_until__gt=now))
            .filter(Q(embargoed_until__isnull=True) | Q(embargoed_until__lte=now))
        )

    def lease_ended(self, *, now=None) -> Self:
        """Photos still up whose licence ran out: what the periodic expiry takes down."""
        return self.available().filter(allowed_until__lte=now or timezone.now())

    def licences_ending(self, *, days: int = 30, now=None) -> Self:
        """Photos still up whose licence ends within `days`, soonest first."""
        now = now or timezone.now()
        ending = self.available().filter(allowed_until__gt=now, allowed_until__lte=now + timedelta(days=days))
        return ending.order_by("allowed_until", "pk")

    def embargoed(self, *, now=None) -> Self:
        """Photos an agency denies use of until a date still to come."""
        return self.filter(embargoed_until__gt=now or timezone.now())

    def not_graphic(self) -> Self:
        """Photos fit to stand for a story where no warning comes first: social cards, feed thumbnails, the
        image sitemap, gallery cards. A photo marked graphic in any gallery is graphic everywhere."""
        return self.exclude(pk__in=_graphic_photos())

    def owed_public_files(self) -> Self:
        """Ready photos of galleries that are published or being published: the photos whose renditions
        belong in the public storage. The rule publication, withdrawal and the repair pass all follow."""
        published = Gallery.objects.filter(status=Gallery.Status.PUBLISHED)
        owed = Q(items__gallery__in=published) | Q(pk__in=published.values("cover"))
        return self.filter(owed, NOT_TAKEN_DOWN, state=Photo.State.READY).distinct()


class Photo(TypedText):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class RightsCategory(models.TextChoices):
        STAFF = "staff", "Staff"
        CONTRACT = "contract", "Contract / commissioned"
        AGENCY = "agency", "Agency / wire"
        HANDOUT = "handout", "Handout / PR"
        POOL = "pool", "Pool"
        SOCIAL_MEDIA = "social_media", "Social media"
        CREATIVE_COMMONS = "creative_commons", "Creative Commons"
        PUBLIC_DOMAIN = "public_domain", "Public domain"
        OBITUARY = "obituary", "Obituary / family photo"

    class CreativeCommons(models.TextChoices):
        BY = "by", "CC BY"
        BY_SA = "by-sa", "CC BY-SA"
        BY_ND = "by-nd", "CC BY-ND"
        BY_NC = "by-nc", "CC BY-NC"
        BY_NC_SA = "by-nc-sa", "CC BY-NC-SA"
        BY_NC_ND = "by-nc-nd", "CC BY-NC-ND"
        CC0 = "cc0", "CC0"

    class Cost(models.TextChoices):
        FREE = "free", "Free"
        PAY = "pay", "Pay"
        CONDITIONAL = "conditional", "Conditional"

    class TakedownCause(models.TextChoices):
        LEASE_ENDED = "lease_ended", "Licence ended"
        KILL_NOTICE = "kill_notice", "Kill notice"
        PERSON_PICTURED = "person_pictured", "Request from a person pictured"
        EDITOR = "editor", "Editor's decision"

    class CredentialsState(models.TextChoices):
        NONE = "none", "No Content Credentials"
        VALID = "valid", "Valid"
        UNTRUSTED = "untrusted", "Untrusted signer"
        INVALID = "invalid", "Invalid"

    # The IPTC digital source types that declare a picture made by a generator, wholly or in part.
    AI_GENERATED_SOURCES = tuple(sorted(AI_GENERATED))

    original = models.FileField(storage=originals_storage, upload_to=original_path, max_length=255)
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    original_format = models.CharField(max_length=10, editable=False)
    file_size = models.PositiveBigIntegerField(default=0, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False, help_text="Upright width, in pixels.")
    height = models.PositiveIntegerField(default=0, editable=False, help_text="Upright height, in pixels.")

    headline = models.CharField(max_length=300, blank=True)
    caption = models.TextField(blank=True)
    alt_text = models.TextField(
        blank=True, help_text="What the photo shows, for readers who cannot see it. Not the caption."
    )
    credit_line = models.CharField(max_length=300, blank=True)
    copyright = models.CharField(max_length=300, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    place_name = models.CharField(max_length=300, blank=True, help_text="A place name, never coordinates.")
    keywords = models.JSONField(default=list, blank=True)
    focal_x = models.FloatField(default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    focal_y = models.FloatField(default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    redactions = models.JSONField(
        default=list, blank=True, help_text="Areas to blur, as fractions of the upright image: x, y, w, h."
    )
    photographer = models.ForeignKey(
        "galleries.Photographer", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploaded_photos"
    )
    original_filename = models.CharField(
        max_length=255, blank=True, help_text="As the uploader named it; never used in a public name."
    )
    imported_metadata = models.JSONField(default=dict, blank=True, editable=False)
    removed_metadata = models.JSONField(default=list, blank=True, editable=False)
    credentials = models.JSONField(
        default=dict, blank=True, editable=False, help_text="What the file's Content Credentials said on upload."
    )
    credentials_state = models.CharField(
        max_length=10, choices=CredentialsState, default=CredentialsState.NONE, editable=False, db_index=True
    )
    digital_source_type = models.CharField(
        max_length=60,
        blank=True,
        editable=False,
        db_index=True,
        help_text="The IPTC digital source type the file declares (digitalCapture, trainedAlgorithmicMedia, …).",
    )

    state = models.CharField(max_length=12, choices=State, default=State.QUEUED, db_index=True)
    state_reason = models.TextField(blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    placeholder = models.TextField(blank=True, help_text="A tiny blurred data URI shown before the photo loads.")
    dominant_color = models.CharField(max_length=7, blank=True)

    rights_category = models.CharField(
        "usage rights", max_length=20, choices=RightsCategory, blank=True, help_text="Where the photo comes from."
    )
    cc_licence = models.CharField("Creative Commons licence", max_length=8, choices=CreativeCommons, blank=True)
    cc_version = models.CharField("licence version", max_length=8, blank=True, help_text="For example 4.0.")
    rights_cost = models.CharField("cost", max_length=12, choices=Cost, default=Cost.FREE)
    rights_restrictions = models.TextField(
        "restrictions", blank=True, help_text="What the licence forbids or requires, as the agency or owner says it."
    )
    rights_statement_url = models.URLField(
        "web statement of rights", max_length=500, blank=True, help_text="Where the owner states the licence."
    )
    syndication_allowed = models.BooleanField(
        default=False, help_text="Partners may republish it, whatever its category says."
    )
    allowed_until = models.DateTimeField(
        "licence ends", null=True, blank=True, db_index=True, help_text="The photo is taken down everywhere then."
    )
    embargoed_until = models.DateTimeField(
        "embargoed until", null=True, blank=True, help_text="No gallery showing it may be published before then."
    )
    taken_down_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    takedown_cause = models.CharField(max_length=16, choices=TakedownCause, blank=True, editable=False)
    takedown_reason = models.TextField(blank=True, editable=False)
    takedown_hides_items = models.BooleanField(
        default=False, editable=False, help_text="Its items leave their galleries instead of saying it is gone."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PhotoQuerySet.as_manager()

    # Creative Commons licences that let partners republish for a commercial site.
    COMMERCIAL_LICENCES = ("by", "by-sa", "cc0")

    BEHIND_THE_SCENES = ("imported_metadata", "removed_metadata", "keywords", "state_reason")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("browse_library", "Can see the whole photo library, other people's unpublished work included"),
            ("take_down_photo", "Can take a photo down everywhere (kill notice, licence, request) and restore it"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="photo_focal_point_inside",
            ),
            models.CheckConstraint(
                condition=Q(rights_category="creative_commons") | Q(cc_licence="", cc_version=""),
                name="photo_cc_licence_only_for_creative_commons",
            ),
        ]

    def __str__(self) -> str:
        return self.headline or self.original_filename or f"Photo {self.pk}"

    def clean(self) -> None:
        super().clean()
        if self.rights_category == Photo.RightsCategory.CREATIVE_COMMONS and not self.cc_licence:
            raise ValidationError({"cc_licence": "Say which Creative Commons licence the photo is under."})
        if self.rights_category != Photo.RightsCategory.CREATIVE_COMMONS and (self.cc_licence or self.cc_version):
            raise ValidationError({"cc_licence": "A Creative Commons licence goes with the Creative Commons category."})
        if self.allowed_until and self.embargoed_until and self.embargoed_until >= self.allowed_until:
            raise ValidationError({"embargoed_until": "The embargo ends after the licence does: nothing is left."})

    @property
    def aspect_ratio(self) -> float:
        return self.width / self.height if self.height else 1.0

    @property
    def is_taken_down(self) -> bool:
        return self.taken_down_at is not None

    @property
    def is_embargoed(self) -> bool:
        return self.embargoed_until is not None and self.embargoed_until > timezone.now()

    @property
    def needs_rights_confirmation(self) -> bool:
        """Whether publishing it costs money or binds the newsroom to conditions an editor must accept."""
        return self.rights_cost in (Photo.Cost.PAY, Photo.Cost.CONDITIONAL)

    @property
    def rights_summary(self) -> str:
        """The usage rights in one line, as the desk reads them beside the photo."""
        if self.rights_category == Photo.RightsCategory.CREATIVE_COMMONS:
            category = " ".join(filter(None, [self.get_cc_licence_display() or "Creative Commons", self.cc_version]))
        else:
            category = self.get_rights_category_display() or "Rights not stated"
        parts = [category, self.get_rights_cost_display()]
        if self.rights_restrictions:
            parts.append("restricted")
        return " · ".join(parts)

    @property
    def is_ai_generated(self) -> bool:
        return self.digital_source_type in self.AI_GENERATED_SOURCES


class RenditionQuerySet(models.QuerySet):
    def public(self) -> Self:
        """Files readers may fetch: copied to the public storage, which happens only while a published gallery
        shows the photo (see galleries.publication), and never of a photo taken down."""
        return self.filter(NOT_TAKEN_DOWN_RENDITION, is_public=True)

    def available(self) -> Self:
        """Renditions of photos not taken down, public or not: what a preview may show."""
        return self.filter(NOT_TAKEN_DOWN_RENDITION)

    def picture_rows(self) -> models.QuerySet:
        """What pictures are built from, as light rows (photo_id, purpose, format, width, height, name,
        size_bytes): a page of photos reads several hundred renditions, and rows cost a fraction of model
        instances."""
        return self.values_list("photo_id", "purpose", "format", "width", "height", "name", "size_bytes", named=True)


class Rendition(models.Model):
    class Format(models.TextChoices):
        AVIF = "avif", "AVIF"
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    class Purpose(models.TextChoices):
        RESPONSIVE = "responsive", "Responsive"
        SOCIAL = "social", "Social card"

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="renditions")
    purpose = models.CharField(max_length=12, choices=Purpose, default=Purpose.RESPONSIVE)
    format = models.CharField(max_length=4, choices=Format)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    name = models.CharField(max_length=255, unique=True, help_text="Content-addressed storage name.")
    size_bytes = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(default=False, help_text="Copied to the public storage.")

    objects = RenditionQuerySet.as_manager()

    class Meta:
        ordering = ["photo", "purpose", "format", "width"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "purpose", "format", "width"], name="rendition_unique_spec"),
        ]

    def __str__(self) -> str:
        return f"{self.photo_id} {self.purpose} {self.format} {self.width}w"

    @property
    def url(self) -> str:
        return storages["default"].url(self.name)

    @property
    def preview_url(self) -> str:
        """Where staff see the file before (or without) it being public."""
        return reverse("galleries:rendition-preview", kwargs={"name": self.name})


@receiver(pre_delete, sender=Photo, dispatch_uid="galleries.delete_photo_files")
def _delete_photo_files(*, instance: Photo, using: str, **kwargs) -> None:
    # File cleanup is infrastructure: the files go when the row's deletion commits, never before.
    renditions = list(Rendition.objects.using(using).filter(photo=instance).values_list("name", flat=True))
    files = partial(_remove_photo_files, original=instance.original.name, renditions=renditions)
    transaction.on_commit(files, using=using)


def _remove_photo_files(*, original: str, renditions: list[str]) -> None:
    if original:
        originals_storage().delete(original)
    for name in renditions:
        storages["renditions"].delete(name)
        storages["default"].delete(name)


class _PublishedGalleries(ModelIterable):
    """Galleries loaded through published() know it, so asking `is_public` of them costs no query."""

    def __iter__(self):
        for gallery in super().__iter__():
            gallery.loaded_as_published = True
            yield gallery


def attach_card_photos(galleries: list) -> None:
    """Give each gallery of a listing its card photo (`card_photo`, or None) and that photo's public renditions
    (`card_renditions`), read in one query with the photo's photographer."""
    galleries = [gallery for gallery in galleries if isinstance(gallery, Gallery)]
    wanted = {gallery.card_photo_id for gallery in galleries if gallery.card_photo_id}
    photos: dict[int, Photo] = {}
    renditions: dict[int, list[Rendition]] = {}
    if wanted:
        public = (
            Rendition.objects.public()
            .filter(photo_id__in=wanted)
            .select_related("photo__photographer")
            .defer(*(f"photo__{name}" for name in Photo.BEHIND_THE_SCENES))
        )
        for rendition in public:
            photos.setdefault(rendition.photo_id, rendition.photo)
            renditions.setdefault(rendition.photo_id, []).append(rendition)
    for gallery in galleries:
        gallery.card_photo = photos.get(gallery.card_photo_id)
        gallery.card_renditions = renditions.get(gallery.card_photo_id, [])


def published_rule(through: str = "") -> Q:
    """The rule of GalleryQuerySet.published(), as a condition on the gallery reached through `through` ("gallery__"
    from a row that belongs to one): rows filter on their gallery with a join rather than a subquery of galleries.

    A gallery that is still `publishing` (its photos being copied to the public storage) is not yet
    shown: readers never meet a published story without its pictures.
    """
    return Q(
        **{
            f"{through}status": Gallery.Status.PUBLISHED,
            f"{through}published_at__lte": timezone.now(),
            f"{through}publishing": False,
        }
    )


def shown_rule(through: str = "") -> Q:
    """The rule of ItemQuerySet.shown(), as a condition on the item reached through `through` ("item__" from a
    comment on it): every item but those whose photo was taken down with the choice to hide its items (the others
    stay, saying the photo is no longer available, with their caption)."""
    return Q(**{f"{through}photo__taken_down_at__isnull": True}) | Q(**{f"{through}photo__takedown_hides_items": False})


class GalleryQuerySet(models.QuerySet):
    def published(self) -> Self:
        """What readers may see (`published_rule`); the one road public code takes to content."""
        published = self.filter(published_rule())
        if published._iterable_class is ModelIterable:
            published._iterable_class = _PublishedGalleries
        return published

    def publishing(self) -> Self:
        """Published by the desk, but their photos are not all public yet."""
        return self.filter(status=Gallery.Status.PUBLISHED, publishing=True)

    def for_listing(self) -> Self:
        """Galleries for cards: with their section, photographers and card photo (`card_photo`, `card_renditions`).

        The card photo is the chosen cover, else the gallery's first photo, of those neither taken down nor
        graphic: worked out here, once, for every card, list and module. Its public renditions (with the photo's
        own fields) come in one query.
        """
        # A photo taken down or graphic stands for nothing uncovered: the next one that may takes its place.
        available = Photo.objects.available().not_graphic().values("pk")
        first_photo = (
            Item.objects.filter(gallery=OuterRef("pk"), photo__in=available)
            .order_by("position", "pk")
            .values("photo_id")[:1]
        )
        cover = Case(When(cover__in=available, then=F("cover_id")))
        listing = (
            self.select_related("section")
            .prefetch_related("photographers")
            .annotate(card_photo_id=Coalesce(cover, Subquery(first_photo), output_field=models.BigIntegerField()))
        )
        listing._with_card_photos = True
        return listing

    def _clone(self):
        clone = super()._clone()
        clone._with_card_photos = getattr(self, "_with_card_photos", False)
        return clone

    def _prefetch_related_objects(self):
        super()._prefetch_related_objects()
        if getattr(self, "_with_card_photos", False):
            attach_card_photos(self._result_cache)


class Gallery(TypedText):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Kind(models.TextChoices):
        ESSAY = "essay", "Photo essay"
        STORY = "story", "Numbered photo story"

    class Presentation(models.TextChoices):
        STANDARD = "standard", "Standard: dark text on light paper"
        DARK = "dark", "Photo story: photos on a dark page"

    class CommentMode(models.TextChoices):
        OPEN = "open", "Open"
        PREMODERATED = "premoderated", "Pre-moderated"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.ESSAY)
    presentation = models.CharField(
        max_length=8,
        choices=Presentation,
        default=Presentation.STANDARD,
        help_text="A photo story sets each photo on a dark page, edge to edge; for essays where the pictures lead.",
    )
    dek = models.TextField(blank=True, help_text="One paragraph that sums the story up.")
    introduction = models.TextField(blank=True, help_text="Paragraphs, links and emphasis are kept.")
    cover = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="galleries")
    tags = models.ManyToManyField(Tag, blank=True, related_name="galleries")
    photographers = models.ManyToManyField("galleries.Photographer", blank=True, related_name="galleries")
    disclosure = models.CharField(max_length=500, blank=True, help_text="For example, a note on affiliate links.")

    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT, db_index=True)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Approved galleries go live at this time.")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    publishing = models.BooleanField(
        default=False,
        editable=False,
        help_text="Published, but its photos are still being made public; readers see it once they all are.",
    )
    withdrawn_reason = models.TextField(blank=True)
    rights_confirmed_photos = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The photos that cost money or carry conditions whose use an editor confirmed for this gallery.",
    )
    rights_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    rights_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_note = models.TextField(blank=True, help_text="The editor's note when changes were requested.")
    comment_mode = models.CharField(max_length=12, choices=CommentMode, default=CommentMode.OPEN)
    contains_graphic = models.BooleanField(
        "contains graphic photos", default=False, help_text="Readers see a notice before the first photo."
    )
    graphic_notice = models.CharField(
        max_length=300, blank=True, help_text="The notice, if not the standard one: what readers should expect."
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="galleries_created"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GalleryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name_plural = "galleries"
        indexes = [models.Index(fields=["status", "published_at"])]
        permissions = [
            ("submit_gallery", "Can submit a gallery for review"),
            ("approve_gallery", "Can approve or send back a gallery"),
            ("publish_gallery", "Can publish and withdraw a gallery"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("galleries:detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        """Whether readers may see this gallery now, as published() answers it."""
        if getattr(self, "loaded_as_published", False):
            return True
        return self.pk is not None and Gallery.objects.published().filter(pk=self.pk).exists()


class ItemQuerySet(models.QuerySet):
    def shown(self) -> Self:
        """Items a page may show (`shown_rule`)."""
        return self.filter(shown_rule())

    def published(self) -> Self:
        """Items readers may see: those shown of published galleries."""
        return self.shown().filter(gallery__in=Gallery.objects.published())

    def not_graphic(self) -> Self:
        """Items whose photo may stand for a story uncovered (see PhotoQuerySet.not_graphic)."""
        return self.exclude(photo__in=_graphic_photos())

    def for_page(self, *, renditions: models.QuerySet | None = None) -> Self:
        """Shown items with their photo, its photographer and its renditions (public ones unless others are
        given; never those of a photo taken down)."""
        renditions = Rendition.objects.public() if renditions is None else renditions.filter(NOT_TAKEN_DOWN_RENDITION)
        return self.shown().with_photo().prefetch_related(Prefetch("photo__renditions", renditions))

    def with_photo(self) -> Self:
        """Items with their photo and its photographer, without what no page shows, and `graphic_photo`: whether
        the photo is graphic anywhere (PhotoQuerySet.not_graphic's rule), so a page picks its social card without
        another query."""
        return (
            self.select_related("photo__photographer")
            # What import and editing keep about a photo, which no page shows.
            .defer(*(f"photo__{name}" for name in Photo.BEHIND_THE_SCENES))
            .annotate(graphic_photo=Exists(_graphic_photos().filter(photo=OuterRef("photo"))))
        )


def _graphic_photos() -> models.QuerySet:
    return Item.objects.filter(graphic=True).values("photo")


class Item(TypedText):
    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="items")
    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(default=0, db_index=True)
    headline = models.CharField(max_length=300, blank=True)
    caption = models.TextField(blank=True, help_text="Paragraphs, links and emphasis are kept.")
    alt_text = models.TextField(blank=True, help_text="Leave empty to use the photo's alt text.")
    credit_override = models.CharField(max_length=300, blank=True)
    ai_label = models.BooleanField(
        "Labelled AI-generated",
        default=False,
        help_text="Readers see an “AI-generated” label beside this photo.",
    )
    editor_note = models.TextField(blank=True, help_text="A note from the editor on this item.")
    graphic = models.BooleanField(
        default=False, help_text="Readers see a warning and a blurred cover, and choose to show the photo."
    )
    graphic_warning = models.CharField(
        max_length=200, blank=True, help_text="What the photo shows, in a few words, for the warning on its cover."
    )
    vote_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Readers' upvotes, kept in step with Vote rows when a vote is cast."
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.gallery} #{self.number}: {self.headline or self.photo}"

    def get_absolute_url(self) -> str:
        return reverse("galleries:photo", kwargs={"slug": self.gallery.slug, "pk": self.pk})

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def effective_alt_text(self) -> str:
        return self.alt_text or self.photo.alt_text

    @property
    def is_unavailable(self) -> bool:
        """Its photo was taken down: the page says so where the photo was, and keeps the caption."""
        return self.photo.taken_down_at is not None

    @property
    def credit(self) -> str:
        photographer = self.photo.photographer
        return item_credit(
            override=self.credit_override,
            credit_line=self.photo.credit_line,
            photographer=photographer.name if photographer else "",
        )


def item_credit(*, override: str, credit_line: str, photographer: str) -> str:
    """The credit an item shows: the gallery's override, else the photo's credit line, else its photographer."""
    return override or credit_line or photographer or ""


class CorrectionNote(TypedText):
    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Updated {self.created_at:%Y-%m-%d}: {self.text[:60]}"


class GalleryLink(TypedText):
    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(max_length=200)
    url = models.URLField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class FaqEntry(TypedText):
    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="faq_entries")
    question = models.CharField(max_length=300)
    answer = models.TextField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question


class Vote(models.Model):
    """One reader's upvote of one photo in one gallery; readers have no accounts, so a voter is a signed cookie."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64, help_text="A hash of the reader's signed voter cookie.")
    ip_hash = models.CharField(max_length=64, db_index=True, help_text="Salted; never the address itself.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["item", "voter"], name="vote_once_per_voter")]
        indexes = [models.Index(fields=["item", "ip_hash"])]

    def __str__(self) -> str:
        return f"Vote for item {self.item_id}"


class GalleryDayStats(models.Model):
    """A gallery's reader activity on one day, folded from cache counters off the request path."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="day_stats")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    votes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "gallery day stats"
        constraints = [models.UniqueConstraint(fields=["gallery", "day"], name="gallery_day_stats_unique_day")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.gallery_id} on {self.day}"


class PreviewLinkQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(TypedText):
    """A link that shows one gallery, in any state, to someone without a login; only its hash is stored."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="preview_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=200, blank=True, help_text="Who the link is for.")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Preview of {self.gallery} ({self.label or 'unlabelled'})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class PersonRequestQuerySet(models.QuerySet):
    def open(self) -> Self:
        return self.filter(status=PersonRequest.Status.OPEN)

    def for_queue(self) -> Self:
        return self.select_related("item__gallery", "photo", "decided_by")


def new_request_reference() -> str:
    """80 random bits, read aloud in four groups: a requester's only key to their request, so never guessable."""
    letters = secrets.token_hex(10).upper()
    return "-".join(letters[i : i + 5] for i in range(0, 20, 5))


class PersonRequest(TypedText):
    """A request from someone pictured in a published photo (or acting for them): the standards desk's queue.

    Never shown on a public page; the requester's name and address only to staff who hold
    `handle_person_request`, and never written into the audit log.
    """

    class Relation(models.TextChoices):
        PICTURED = "pictured", "I am in this photo"
        FOR_SOMEONE = "for_someone", "I am asking for someone in this photo (a parent, a guardian, a lawyer)"

    class Ask(models.TextChoices):
        BLUR = "blur", "Blur me"
        REMOVE = "remove", "Remove the photo"
        CAPTION = "caption", "Correct the caption"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        BLURRED = "blurred", "Blurred"
        TAKEN_DOWN = "taken_down", "Taken down"
        CAPTION_CORRECTED = "caption_corrected", "Caption corrected"
        DECLINED = "declined", "Declined"

    reference = models.CharField(max_length=24, unique=True, default=new_request_reference, editable=False)
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="person_requests")
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="person_requests")
    page_title = models.CharField(max_length=300, blank=True, help_text="The photo's page as the requester saw it.")
    caption_filed = models.TextField(blank=True, help_text="The item's caption when the request came in.")
    name = models.CharField(max_length=200)
    relation = models.CharField(max_length=12, choices=Relation, default=Relation.PICTURED)
    ask = models.CharField(max_length=8, choices=Ask)
    details = models.TextField(blank=True)
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN, db_index=True)
    decision_note = models.TextField(blank=True, help_text="What was done, or why not: the requester reads it.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = PersonRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "request from a person pictured"
        verbose_name_plural = "requests from the people pictured"
        permissions = [("handle_person_request", "Can read and act on requests from the people pictured")]

    def __str__(self) -> str:
        # The audit log names requests by this: the reference and the ask, never who asked.
        return f"Request {self.reference} ({self.get_ask_display().lower()})"


class AuditEvent(TypedText):
    """One row per important change: who did what to which object, and why."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        db_table = "newsroom_auditevent"  # its name from when the model lived in newsroom, kept with its rows

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"

    @property
    def action_label(self) -> str:
        """An action code as people read it: "gallery.photos_added" is "Photos added"; actions about something
        other than the row itself keep their subject: "mail.failed" is "Mail failed"."""
        subject, _, verb = self.action.rpartition(".")
        words = verb if subject in ("gallery", "photo", "photographer", "comment") else f"{subject} {verb}"
        return words.replace("_", " ").capitalize()

    @property
    def state_change(self) -> str:
        """The move between states in the words the pages use, like "Draft → In review"."""
        if not (self.from_state or self.to_state):
            return ""
        labels = {**dict(Photo.State.choices), **dict(Gallery.Status.choices)}
        return f"{labels.get(self.from_state, self.from_state) or '—'} → {labels.get(self.to_state, self.to_state)}"


class TaskWorker(models.Model):
    """A running `manage.py worker`: its heartbeat is how a job it held is known to be abandoned."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host} (pid {self.pid})"
