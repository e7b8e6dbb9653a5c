import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy

from galleries import imaging
from galleries.access import (
    can_browse_library,
    can_change_attribution,
    galleries_shown_to,
    photos_visible_to,
    request_rerender,
)
from galleries.admin.conflicts import ConflictCheckedAdmin, ConflictCheckedForm
from galleries.admin.keywords import KeywordsField
from galleries.admin.standards import BlurFromRequestMixin
from galleries.admin.thumbnails import thumbnail
from galleries.audit import record
from galleries.library import galleries_using
from galleries.models import Gallery, Photo
from galleries.tasks import reframe_photo
from galleries.text import typed_text
from galleries.workflow import can_edit_photo

ATTRIBUTION_FIELDS = ("uploaded_by", "photographer")


class UsedFilter(admin.SimpleListFilter):
    title = "use"
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", "In a gallery"), ("no", "Not in any gallery")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(items__isnull=False).distinct()
        if self.value() == "no":
            return queryset.filter(items__isnull=True)
        return queryset


def uncovered_areas(before: list, after: list) -> list:
    """The blur areas of `before` that no area of `after` still covers: what a save would show unblurred."""

    def covers(outer: dict, inner: dict) -> bool:
        return (
            outer["x"] <= inner["x"]
            and outer["y"] <= inner["y"]
            and outer["x"] + outer["w"] >= inner["x"] + inner["w"]
            and outer["y"] + outer["h"] >= inner["y"] + inner["h"]
        )

    areas = [area for area in after or [] if isinstance(area, dict) and set(area) == {"x", "y", "w", "h"}]
    return [old for old in before or [] if isinstance(old, dict) and not any(covers(new, old) for new in areas)]


class PhotoAdminForm(ConflictCheckedForm):
    conflict_noun = "photo"
    confirm_unblur = forms.BooleanField(
        required=False,
        label="Yes, remove the blur",
        help_text="Needed to take a blur area off a photo readers can see; the removal is recorded.",
    )
    keywords = KeywordsField()

    class Meta:
        model = Photo
        fields = [
            "headline",
            "caption",
            "alt_text",
            "keywords",
            "credit_line",
            "copyright",
            "photographer",
            "taken_at",
            "place_name",
            "focal_x",
            "focal_y",
            "redactions",
            "uploaded_by",
        ]
        widgets = {
            "caption": forms.Textarea(attrs={"rows": 4}),
            "alt_text": forms.Textarea(attrs={"rows": 3}),
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "class": "loupe-focal-x"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "class": "loupe-focal-y"}),
            # Blur areas are drawn on the photo with the blur tool, never typed as JSON.
            "redactions": forms.HiddenInput,
        }
        help_texts = {"taken_at": format_lazy("Newsroom time ({}).", lazy(timezone.get_current_timezone_name, str)())}

    conflict_fields = tuple(Meta.fields)

    def clean_redactions(self):
        redactions = self.cleaned_data["redactions"] or []
        error = ValidationError(
            'Give a list of areas like [{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.1}], each number between 0 and 1.'
        )
        if not isinstance(redactions, list):
            raise error
        for area in redactions:
            if not isinstance(area, dict) or set(area) != {"x", "y", "w", "h"}:
                raise error
            if not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in area.values()):
                raise error
            if area["x"] + area["w"] > 1 or area["y"] + area["h"] > 1 or not area["w"] or not area["h"]:
                raise ValidationError("Each area must have a size and stay inside the photo.")
        return redactions

    def clean_keywords(self):
        keywords = self.cleaned_data["keywords"] or []
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ValidationError('Give keywords as a list of words, like ["flood", "harvest"].')
        # JSON may spell a NUL as \u0000, which PostgreSQL cannot store.
        keywords = [" ".join(typed_text(k, one_line=True).split()) for k in keywords]
        return [k for k in keywords if k]

    def clean(self):
        cleaned = super().clean()
        self.unblurred = []
        if self.instance.pk is None or "redactions" not in cleaned:
            return cleaned
        uncovered = uncovered_areas(self.instance.redactions, cleaned["redactions"])
        if uncovered and Photo.objects.filter(pk=self.instance.pk).in_published_galleries().exists():
            if not cleaned.get("confirm_unblur"):
                self.add_error(
                    "redactions",
                    "This takes a blur area off a photo readers can see. If that is what you mean, tick "
                    "“Yes, remove the blur” and save again.",
                )
            self.unblurred = uncovered
        return cleaned


def _refuse_used_photos(model_admin, request, photos) -> bool:
    using = galleries_using(list(photos))
    for photo in photos:
        if photo.pk in using:
            names = ", ".join(f"“{gallery}”" for gallery in using[photo.pk])
            model_admin.message_user(
                request,
                f"“{photo}” cannot be deleted: it is used in {names}. Remove it from those galleries first.",
                messages.ERROR,
            )
    return bool(using)


@admin.action(permissions=["delete"], description="Delete selected photos")
def delete_selected(model_admin, request, queryset):
    """Replaces the stock action of this name: a photo a gallery uses is refused in words, not a tree of objects."""
    if _refuse_used_photos(model_admin, request, queryset):
        return None
    return admin_actions.delete_selected(model_admin, request, queryset)


@admin.register(Photo)
class PhotoAdmin(BlurFromRequestMixin, ConflictCheckedAdmin, admin.ModelAdmin):
    form = PhotoAdminForm
    list_display = ["list_thumbnail", "__str__", "photographer", "state", "used_in_count", "taken_at", "created_at"]
    list_display_links = ["list_thumbnail", "__str__"]
    list_filter = [("photographer", admin.RelatedOnlyFieldListFilter), "state", UsedFilter]
    list_select_related = ["photographer"]
    search_fields = [
        "headline",
        "caption",
        "alt_text",
        "keywords",
        "photographer__name",
        "items__headline",
        "items__caption",
        "original_filename",
    ]
    raw_id_fields = ["uploaded_by"]
    actions = ["rerender", delete_selected]
    change_form_template = "admin/galleries/photo/change_form.html"
    fieldsets = [
        (None, {"fields": ["preview", "state", "state_reason", "used_in"]}),
        (
            "Words",
            {"fields": ["headline", "caption", "alt_text", "keywords", "credit_line", "copyright", "photographer"]},
        ),
        ("Where and when", {"fields": ["taken_at", "place_name"]}),
        ("Framing", {"fields": ["focal_x", "focal_y", "redactions"]}),
        (
            "From the file",
            {
                "classes": ["collapse"],
                "fields": [
                    "original_filename",
                    "original_format",
                    "width",
                    "height",
                    "file_size",
                    "sha256",
                    "uploaded_by",
                    "imported",
                    "removed",
                ],
            },
        ),
    ]
    readonly_fields = [
        "preview",
        "framing",
        "state",
        "state_reason",
        "used_in",
        "original_filename",
        "original_format",
        "width",
        "height",
        "file_size",
        "sha256",
        "imported",
        "removed",
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not can_browse_library(request.user):
            # The whole library is for those allowed to browse it; the rest see their own and published photos.
            queryset = queryset.filter(pk__in=photos_visible_to(request.user).values("pk"))
        return queryset.annotate(used_in_total=Count("items__gallery", distinct=True)).prefetch_related("renditions")

    def get_object(self, request, object_id, from_field=None):
        photo = super().get_object(request, object_id, from_field)
        if photo is not None:
            photo.galleries_shown = galleries_shown_to(request.user)
        return photo

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_photo(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        # The visual editor for whoever may change the photo; its fields stay below it, for keyboards and no-JS.
        return [
            (
                name,
                {**options, "fields": ["framing", *options["fields"], "confirm_unblur"]}
                if name == "Framing"
                else options,
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_change_attribution(request.user):
            readonly += ATTRIBUTION_FIELDS
        return readonly

    def get_urls(self):
        upright = self.admin_site.admin_view(self.upright_view)
        return [
            path("<path:object_id>/upright/", upright, name="galleries_photo_upright"),
            *super().get_urls(),
        ]

    def upright_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The photo upright and unblurred, for drawing blur areas on: only for those who may change it."""
        photo = self.get_object(request, object_id)
        if photo is None:
            raise Http404("No such photo.")
        if not self.has_change_permission(request, photo):
            raise PermissionDenied
        try:
            with photo.original.open("rb") as original:
                data = original.read()
            image = imaging.framing_preview(data, max_pixels=settings.LOUPE_UPLOAD_MAX_PIXELS)
        except (FileNotFoundError, imaging.ImageRejected):
            raise Http404("The original cannot be read.") from None
        response = HttpResponse(image, content_type="image/jpeg")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=600"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response

    def delete_view(self, request, object_id, extra_context=None):
        photo = self.get_object(request, object_id)
        if photo is not None and _refuse_used_photos(self, request, [photo]):
            return redirect(reverse("admin:galleries_photo_change", args=[photo.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["change"], description="Re-render selected photos")
    def rerender(self, request, queryset):
        queued, refused = request_rerender(photos=list(queryset.select_related("photographer")), by=request.user)
        if refused:
            names = ", ".join(f"“{photo}”" for photo in refused)
            self.message_user(
                request,
                f"Only editors re-render photos that are not your own or are past draft: {names} left as they are.",
                messages.ERROR,
            )
        if queued:
            self.message_user(request, f"{queued} photo{pluralize(queued)} queued for re-rendering.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = set(form.changed_data)
        if change and set(ATTRIBUTION_FIELDS) & changed:
            record(
                obj,
                "photo.attribution_changed",
                by=request.user,
                data={
                    name: {"before": form.initial.get(name), "after": getattr(obj, f"{name}_id")}
                    for name in ATTRIBUTION_FIELDS
                    if name in changed
                },
            )
        if change and getattr(form, "unblurred", None):
            record(obj, "photo.blur_removed", by=request.user, data={"areas": form.unblurred})
        if change and {"focal_x", "focal_y", "redactions"} & changed:
            # Blur areas and the focal point change the pixels readers get, so the renditions are made again.
            reframe_photo(photo=obj, by=request.user, blur_changed="redactions" in changed)

    @admin.display(description="Photo")
    def list_thumbnail(self, photo: Photo) -> str:
        return thumbnail(photo, width=96)

    @admin.display(description="Preview")
    def preview(self, photo: Photo) -> str:
        return thumbnail(photo, width=480)

    @admin.display(description="Blur and focal point")
    def framing(self, photo: Photo) -> str:
        return format_html(
            '<div class="loupe-framer" data-src="{}" data-width="{}" data-height="{}">'
            '<p class="loupe-framer-fallback">With JavaScript on, drag across a face on the photo here to blur '
            "it, and click to set the focal point. The fields below do the same by hand.</p></div>",
            reverse("admin:galleries_photo_upright", args=[photo.pk]),
            photo.width,
            photo.height,
        )

    @admin.display(description="Galleries", ordering="used_in_total")
    def used_in_count(self, photo: Photo) -> int:
        return photo.used_in_total

    @admin.display(description="Used in")
    def used_in(self, photo: Photo) -> str:
        # Only galleries this person may open: other people's draft titles are theirs.
        visible = set(getattr(photo, "galleries_shown", Gallery.objects.none()).values_list("pk", flat=True))
        galleries = [g for g in galleries_using([photo]).get(photo.pk, []) if g.pk in visible]
        if not galleries:
            return "Not in any gallery."
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

    @admin.display(description="Metadata read from the file")
    def imported(self, photo: Photo) -> str:
        return format_html('<pre class="loupe-json">{}</pre>', json.dumps(photo.imported_metadata, indent=2))

    @admin.display(description="Removed from the public copies")
    def removed(self, photo: Photo) -> str:
        return format_html('<pre class="loupe-json">{}</pre>', json.dumps(photo.removed_metadata, indent=2))
