"""The visual photo picker: library photos found by words or date and added to a gallery by ticking their
thumbnails, and the cover chosen from the gallery's own photos as pictures rather than file names."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse

from galleries.access import can_browse_library, photos_visible_to
from galleries.admin.thumbnails import thumbnail
from galleries.library import RECENT_USE_DAYS, Dropped, append_photos, recently_used
from galleries.models import Photo

PICKER_PAGE_SIZE = 48


def library_visible_to(user) -> QuerySet[Photo]:
    """The library a person may pick from: the one rule of galleries.access."""
    return photos_visible_to(user)


class LibrarySearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Words",
        help_text="In the caption, headline, photographer's name, keywords or file name.",
    )
    taken_from = forms.DateField(required=False, label="Taken from", widget=forms.DateInput(attrs={"type": "date"}))
    taken_to = forms.DateField(required=False, label="Taken until", widget=forms.DateInput(attrs={"type": "date"}))
    mine = forms.BooleanField(required=False, label="Only my photos")

    def filter(self, photos: QuerySet[Photo], user) -> QuerySet[Photo]:
        if not self.is_valid():
            return photos
        for word in self.cleaned_data["q"].split()[:8]:
            photos = photos.filter(
                Q(caption__icontains=word)
                | Q(headline__icontains=word)
                | Q(alt_text__icontains=word)
                | Q(photographer__name__icontains=word)
                | Q(keywords__icontains=word)
                | Q(original_filename__icontains=word)
            )
        start: date | None = self.cleaned_data["taken_from"]
        end: date | None = self.cleaned_data["taken_to"]
        if start:
            photos = photos.filter(taken_at__date__gte=start)
        if end:
            photos = photos.filter(taken_at__date__lte=end)
        if self.cleaned_data["mine"]:
            photos = photos.filter(Q(uploaded_by=user) | Q(photographer__user=user))
        return photos


class CoverPicker(forms.RadioSelect):
    """The gallery's photos as thumbnails to choose the cover from, with "no cover" first."""

    template_name = "admin/galleries/gallery/widgets/cover_picker.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        photo = getattr(value, "instance", None)
        option["thumbnail"] = thumbnail(photo, width=120) if photo is not None else ""
        return option

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates, not the form library's own: the picker's markup lives with the admin's.
        return super().render(name, value, attrs, renderer=TemplatesSetting())


class PickerMixin:
    def library_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        gallery = self._gallery_for_change(request, object_id)
        visible = library_visible_to(request.user)
        if request.method == "POST":
            ids = [int(value) for value in request.POST.getlist("photos") if value.isascii() and value.isdigit()]
            # A photo taken down goes into no gallery: its items would only say it is no longer available.
            chosen = visible.available().in_bulk([pk for pk in ids if pk < 2**63])
            items = append_photos(
                gallery=gallery,
                dropped=[Dropped(photo=chosen[pk], name="") for pk in ids if pk in chosen],
                order=None,
                by=request.user,
            )
            count = len(items)
            self.message_user(request, f"{count} photo{pluralize(count)} added to the gallery.", messages.SUCCESS)
            return redirect(reverse("admin:galleries_gallery_change", args=[gallery.pk]) + "#items-group")
        search = LibrarySearchForm(request.GET or None)
        photos = (
            search.filter(visible, request.user)
            .select_related("photographer")
            .prefetch_related("renditions")
            .order_by("-taken_at", "-pk")
        )
        page = Paginator(photos, PICKER_PAGE_SIZE).get_page(request.GET.get("page"))
        present = set(gallery.items.values_list("photo_id", flat=True))
        recent = recently_used(list(page))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Add photos from the library: {gallery}",
            "gallery": gallery,
            "search": search,
            "page": page,
            "query": query.urlencode(),
            # Each photo with its rights (in the template) and the galleries that showed it in the last days.
            "cards": [
                (photo, thumbnail(photo, width=180), photo.pk in present, recent.get(photo.pk, [])) for photo in page
            ],
            "recent_days": RECENT_USE_DAYS,
            "browse_all": can_browse_library(request.user),
        }
        return TemplateResponse(request, "admin/galleries/gallery/library.html", context)
