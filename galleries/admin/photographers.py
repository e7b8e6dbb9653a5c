from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from galleries import imaging
from galleries.access import galleries_shown_to, photos_visible_to
from galleries.admin.conflicts import ConflictCheckedAdmin, ConflictCheckedForm
from galleries.models import Gallery, Photo, Photographer, instagram_handle, web_url

PORTRAIT_WIDTH = 1200


def reencode_portrait(data: bytes) -> bytes:
    """A fresh JPEG of the pixels only: upright, sRGB, and no EXIF, GPS, XMP or ICC profile from the camera."""
    image = imaging.prepare_image(data, max_pixels=settings.LOUPE_UPLOAD_MAX_PIXELS, largest_width=PORTRAIT_WIDTH)
    return imaging.encode(image, "jpeg")


class PhotographerAdminForm(ConflictCheckedForm):
    conflict_noun = "photographer"

    class Meta:
        model = Photographer
        fields = ["name", "slug", "agency", "bio", "portrait", "user", "website", "instagram", "social_links"]

    conflict_fields = tuple(Meta.fields)

    def clean_portrait(self):
        portrait = self.cleaned_data.get("portrait")
        if not portrait or "portrait" not in self.changed_data:
            return portrait
        try:
            portrait.seek(0)
            data = reencode_portrait(portrait.read())
        except imaging.ImageRejected as error:
            raise ValidationError(str(error)) from None
        return ContentFile(data, name="portrait.jpg")

    def clean_instagram(self) -> str:
        typed = self.cleaned_data["instagram"].strip()
        handle = instagram_handle(typed)
        if typed and not handle:
            raise ValidationError(
                "Give the Instagram handle (amara.okafor), @handle or profile address: a handle has letters, "
                "digits, dots, underscores."
            )
        return handle

    def clean_social_links(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["social_links"].splitlines() if line.strip()]
        for line in lines:
            if not web_url(line):
                raise ValidationError(f"“{line}” is not a web address. Give one http:// or https:// address a line.")
        return "\n".join(lines)


@admin.register(Photographer)
class PhotographerAdmin(ConflictCheckedAdmin, admin.ModelAdmin):
    form = PhotographerAdminForm
    list_display = ["name", "agency", "user", "website"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "agency", "instagram"]
    raw_id_fields = ["user"]
    readonly_fields = ["their_photos", "their_galleries"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "agency", "bio", "portrait", "user"]}),
        ("Links", {"fields": ["website", "instagram", "social_links"]}),
        ("Work", {"fields": ["their_photos", "their_galleries"]}),
    ]

    def get_object(self, request, object_id, from_field=None):
        photographer = super().get_object(request, object_id, from_field)
        if photographer is not None:
            # What the page lists of their work: only what this person may see of the library.
            photographer.photos_shown = photos_visible_to(request.user).filter(photographer=photographer)
            photographer.galleries_shown = galleries_shown_to(request.user).filter(photographers=photographer)
        return photographer

    @admin.display(description="Photos")
    def their_photos(self, photographer: Photographer) -> str:
        if not photographer.pk:
            return "-"
        shown = getattr(photographer, "photos_shown", Photo.objects.none())
        photos = list(shown.order_by("-created_at")[:20])
        total = shown.count()
        url = reverse("admin:galleries_photo_changelist") + f"?photographer__id__exact={photographer.pk}"
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({})</li>',
            ((reverse("admin:galleries_photo_change", args=[p.pk]), str(p), p.get_state_display()) for p in photos),
        )
        return format_html('<p><a href="{}">All {} photos in the library</a></p><ul>{}</ul>', url, total, items)

    @admin.display(description="Galleries")
    def their_galleries(self, photographer: Photographer) -> str:
        if not photographer.pk:
            return "-"
        galleries = getattr(photographer, "galleries_shown", Gallery.objects.none()).order_by("-created_at")
        if not galleries:
            return "None yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (reverse("admin:galleries_gallery_change", args=[g.pk]), g.title, g.get_status_display())
                    for g in galleries
                ),
            ),
        )
