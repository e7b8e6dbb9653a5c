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
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import format_lazy

from galleries import imaging, provenance
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
from galleries.library import RECENT_USE_DAYS, galleries_using, photo_usages, recently_used
from galleries.models import Gallery, Photo
from galleries.takedowns import (
    TakedownRefused,
    can_take_down,
    renew_licence,
    restore_photo,
    take_down_photo,
)
from galleries.tasks import reframe_photo
from galleries.text import TypedTextField, typed_text
from galleries.workflow import can_edit_photo

ATTRIBUTION_FIELDS = ("uploaded_by", "photographer")
RIGHTS_FIELDS = (
    "rights_category",
    "cc_licence",
    "cc_version",
    "rights_cost",
    "rights_restrictions",
    "rights_statement_url",
    "syndication_allowed",
)
LICENCE_FIELDS = ("allowed_until", "embargoed_until")
# Rights and licence dates bind the newsroom: editors set them, others read them.
DESK_FIELDS = RIGHTS_FIELDS + LICENCE_FIELDS


class LicenceFilter(admin.SimpleListFilter):
    title = "licence"
    parameter_name = "licence"

    def lookups(self, request, model_admin):
        return [
            ("ending", "Ending in the next 30 days"),
            ("embargoed", "Embargoed"),
            ("taken_down", "Taken down"),
            ("confirm", "Costs money or has conditions"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "ending":
            return queryset.filter(pk__in=Photo.objects.licences_ending(days=30).values("pk"))
        if self.value() == "embargoed":
            return queryset.filter(pk__in=Photo.objects.embargoed().values("pk"))
        if self.value() == "taken_down":
            return queryset.filter(pk__in=Photo.objects.taken_down().values("pk"))
        if self.value() == "confirm":
            return queryset.filter(rights_cost__in=[Photo.Cost.PAY, Photo.Cost.CONDITIONAL])
        return queryset


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


class DeclaredSourceFilter(admin.SimpleListFilter):
    """What the file declares itself to be (IPTC digital source type), by the groups an editor asks about."""

    title = "declared as"
    parameter_name = "declared"
    GROUPS = {
        "ai": ("AI-generated", sorted(provenance.AI_GENERATED)),
        "composite": ("Composite", sorted(provenance.COMPOSITE - provenance.AI_GENERATED)),
        "capture": ("Camera capture", ["digitalCapture", "computationalCapture"]),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.GROUPS.items()] + [("none", "Nothing declared")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(digital_source_type="")
        if self.value() in self.GROUPS:
            return queryset.filter(digital_source_type__in=self.GROUPS[self.value()][1])
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
            *RIGHTS_FIELDS,
            *LICENCE_FIELDS,
        ]
        widgets = {
            "caption": forms.Textarea(attrs={"rows": 4}),
            "alt_text": forms.Textarea(attrs={"rows": 3}),
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "class": "loupe-focal-x"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1, "class": "loupe-focal-y"}),
            # Blur areas are drawn on the photo with the blur tool, never typed as JSON.
            "redactions": forms.HiddenInput,
            "rights_restrictions": forms.Textarea(attrs={"rows": 3}),
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


class TakedownForm(forms.Form):
    reason = TypedTextField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept in the photo's record, for the desk and the lawyers; readers never see it.",
    )
    cause = forms.ChoiceField(choices=Photo.TakedownCause.choices, initial=Photo.TakedownCause.KILL_NOTICE)
    hide_items = forms.BooleanField(
        required=False,
        label="Hide its items too",
        help_text="Without this, each item stays in its gallery with its caption and says the photo is no longer "
        "available.",
    )


class RenewForm(forms.Form):
    days = forms.IntegerField(required=False, min_value=1, max_value=3650)
    until = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = TypedTextField(required=False, max_length=2000)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("days") and not cleaned.get("until") and not cleaned.get("reason"):
            raise ValidationError("Say how long the licence now runs, or why the photo goes back.")
        cleaned["reason"] = cleaned.get("reason") or "Licence renewed."
        return cleaned

    def licence_end(self, photo: Photo):
        if self.cleaned_data.get("until"):
            return self.cleaned_data["until"]
        if self.cleaned_data.get("days"):
            start = max(photo.allowed_until or timezone.now(), timezone.now())
            return start + timezone.timedelta(days=self.cleaned_data["days"])
        return photo.allowed_until


def _shown_usages(photo: Photo, user) -> list:
    visible = set(galleries_shown_to(user).values_list("pk", flat=True))
    return [usage for usage in photo_usages(photo) if usage.gallery.pk in visible]


def _refuse_used_photos(model_admin, request, photos) -> bool:
    using = galleries_using(list(photos))
    for photo in photos:
        if photo.pk in using:
            names = ", ".join(f"“{gallery}”" for gallery in using[photo.pk])
            live = any(gallery.status == Gallery.Status.PUBLISHED for gallery in using[photo.pk])
            advice = (
                "A photo readers can see is never deleted: take it down instead (“Kill notice”), which removes it "
                "everywhere and keeps the record."
                if live
                else "Remove it from those galleries first."
            )
            model_admin.message_user(
                request, f"“{photo}” cannot be deleted: it is used in {names}. {advice}", messages.ERROR
            )
    return bool(using)


@admin.action(permissions=["delete"], description="Delete selected photos")
def credentials_summary(photo: Photo, *, warnings_only: bool = False) -> str:
    """What the photo's Content Credentials say, in plain words, with what an editor must not miss."""
    credentials = provenance.Credentials.from_dict(photo.credentials)
    return render_to_string(
        "admin/galleries/photo/credentials.html",
        {
            "sentences": [] if warnings_only else provenance.describe(credentials),
            "warnings": provenance.warnings(credentials),
            "state": photo.credentials_state,
        },
    )


def delete_selected(model_admin, request, queryset):
    """Replaces the stock action of this name: a photo a gallery uses is refused in words, not a tree of objects."""
    if _refuse_used_photos(model_admin, request, queryset):
        return None
    return admin_actions.delete_selected(model_admin, request, queryset)


@admin.register(Photo)
class PhotoAdmin(BlurFromRequestMixin, ConflictCheckedAdmin, admin.ModelAdmin):
    form = PhotoAdminForm
    list_display = [
        "list_thumbnail",
        "__str__",
        "photographer",
        "state",
        "rights",
        "allowed_until",
        "used_in_count",
        "taken_at",
        "created_at",
    ]
    list_display_links = ["list_thumbnail", "__str__"]
    list_filter = [
        ("photographer", admin.RelatedOnlyFieldListFilter),
        "state",
        UsedFilter,
        LicenceFilter,
        "rights_category",
        "rights_cost",
        "credentials_state",
        DeclaredSourceFilter,
    ]
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
    actions = ["rerender", "kill_notice", delete_selected]
    change_form_template = "admin/galleries/photo/change_form.html"
    fieldsets = [
        (None, {"fields": ["preview", "content_credentials", "state", "state_reason", "takedown", "used_in"]}),
        (
            "Words",
            {"fields": ["headline", "caption", "alt_text", "keywords", "credit_line", "copyright", "photographer"]},
        ),
        ("Where and when", {"fields": ["taken_at", "place_name"]}),
        ("Usage rights", {"fields": list(RIGHTS_FIELDS)}),
        ("Licence", {"fields": list(LICENCE_FIELDS)}),
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
                    "credentials_read",
                ],
            },
        ),
    ]
    readonly_fields = [
        "preview",
        "takedown",
        "content_credentials",
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
        "credentials_read",
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
            photo.viewer = request.user
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
        if not can_take_down(request.user):
            readonly += DESK_FIELDS
        return readonly

    def has_take_down_permission(self, request) -> bool:
        return can_take_down(request.user)

    def get_urls(self):
        upright = self.admin_site.admin_view(self.upright_view)
        take_down_view = self.admin_site.admin_view(self.take_down_view)
        restore_view = self.admin_site.admin_view(self.restore_view)
        return [
            path("<path:object_id>/upright/", upright, name="galleries_photo_upright"),
            path("<int:object_id>/take-down/", take_down_view, name="galleries_photo_take_down"),
            path("<int:object_id>/restore/", restore_view, name="galleries_photo_restore"),
            *super().get_urls(),
        ]

    def take_down_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """One photo's kill notice, or its removal from the licences-ending list: the same takedown."""
        photo = self.get_object(request, str(object_id))
        if photo is None:
            raise Http404("No such photo.")
        return self._take_down_step(request, [photo])

    def restore_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Renew a licence (extend it by some days, or to a date) or put back a photo taken down."""
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        photo = self.get_object(request, str(object_id))
        if photo is None:
            raise Http404("No such photo.")
        if not can_take_down(request.user):
            raise PermissionDenied
        form = RenewForm(request.POST)
        try:
            if not form.is_valid():
                raise TakedownRefused(" ".join(e for errors in form.errors.values() for e in errors))
            until = form.licence_end(photo)
            if photo.is_taken_down and photo.takedown_cause != Photo.TakedownCause.LEASE_ENDED:
                restore_photo(photo=photo, by=request.user, reason=form.cleaned_data["reason"], allowed_until=until)
                done = f"“{photo}” is back wherever it was published."
            else:
                renew_licence(photo=photo, by=request.user, allowed_until=until)
                ends = f"runs to {timezone.localtime(until):%Y-%m-%d %H:%M}" if until else "no longer ends"
                done = f"The licence of “{photo}” {ends}."
        except TakedownRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = reverse("admin:galleries_photo_change", args=[photo.pk])
        return redirect(target)

    def _take_down_step(self, request: HttpRequest, photos: list[Photo], *, action: bool = False):
        if not can_take_down(request.user):
            raise PermissionDenied
        form = TakedownForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = []
            for photo in photos:
                try:
                    take_down_photo(
                        photo=photo,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        hide_item=form.cleaned_data["hide_items"],
                        cause=form.cleaned_data["cause"],
                    )
                except TakedownRefused as refusal:
                    self.message_user(request, f"“{photo}”: {refusal}", messages.ERROR)
                else:
                    done.append(photo)
            if done:
                self.message_user(
                    request,
                    f"{len(done)} photo{pluralize(len(done))} taken down everywhere: public pages, feeds, sitemaps "
                    "and social cards no longer show them, and their public files are being removed.",
                    messages.SUCCESS,
                )
            if action or len(photos) != 1:
                return None
            return redirect(reverse("admin:galleries_photo_change", args=[photos[0].pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Kill notice: withdraw everywhere now",
            "photos": photos,
            # Titles only of galleries this person may open.
            "rows": [(photo, _shown_usages(photo, request.user)) for photo in photos],
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/galleries/photo/take_down.html", context)

    @admin.action(permissions=["take_down"], description="Kill notice: withdraw everywhere now")
    def kill_notice(self, request, queryset):
        return self._take_down_step(request, list(queryset), action=True)

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

    @admin.display(description="Content Credentials")
    def content_credentials(self, photo: Photo) -> str:
        return credentials_summary(photo)

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

    @admin.display(description="Rights", ordering="rights_category")
    def rights(self, photo: Photo) -> str:
        if photo.is_taken_down:
            return f"Taken down ({photo.get_takedown_cause_display().lower()})"
        return photo.rights_summary

    @admin.display(description="Taken down")
    def takedown(self, photo: Photo) -> str:
        return render_to_string(
            "admin/galleries/photo/takedown_status.html",
            {"photo": photo, "can_take_down": can_take_down(getattr(photo, "viewer", None))},
        )

    @admin.display(description="Galleries", ordering="used_in_total")
    def used_in_count(self, photo: Photo) -> int:
        return photo.used_in_total

    @admin.display(description="Used in")
    def used_in(self, photo: Photo) -> str:
        # Only galleries this person may open: other people's draft titles are theirs.
        visible = set(getattr(photo, "galleries_shown", Gallery.objects.none()).values_list("pk", flat=True))
        usages = [usage for usage in photo_usages(photo) if usage.gallery.pk in visible]
        recent = [g for g in recently_used([photo]).get(photo.pk, []) if g.pk in visible]
        return render_to_string(
            "admin/galleries/photo/usages.html",
            {"usages": usages, "recent": recent, "recent_days": RECENT_USE_DAYS},
        )

    @admin.display(description="Metadata read from the file")
    def imported(self, photo: Photo) -> str:
        return format_html('<pre class="loupe-json">{}</pre>', json.dumps(photo.imported_metadata, indent=2))

    @admin.display(description="Content Credentials as read")
    def credentials_read(self, photo: Photo) -> str:
        return format_html('<pre class="loupe-json">{}</pre>', json.dumps(photo.credentials, indent=2))

    @admin.display(description="Removed from the public copies")
    def removed(self, photo: Photo) -> str:
        return format_html('<pre class="loupe-json">{}</pre>', json.dumps(photo.removed_metadata, indent=2))
