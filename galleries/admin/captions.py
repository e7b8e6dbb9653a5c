from django import forms
from django.contrib import messages
from django.forms import modelformset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from galleries.admin.thumbnails import thumbnail
from galleries.history import ConflictError, EditRefused, editing_gallery
from galleries.models import Item


class CaptionsGridMixin:
    """The captions grid: every item's headline, caption and alt text of one gallery on one page, saved as one edit."""

    def captions_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        gallery = self._gallery_for_change(request, object_id)
        CaptionFormSet = modelformset_factory(
            Item,
            fields=["headline", "caption", "alt_text", "graphic", "graphic_warning"],
            extra=0,
            # The grid edits the gallery's items; a forged extra form must not become a new one.
            edit_only=True,
            widgets={
                "headline": forms.TextInput(attrs={"size": 30}),
                "caption": forms.Textarea(attrs={"rows": 5, "cols": 50}),
                "alt_text": forms.Textarea(attrs={"rows": 5, "cols": 36}),
                "graphic_warning": forms.TextInput(attrs={"size": 24}),
            },
        )
        queryset = gallery.items.select_related("photo").prefetch_related("photo__renditions").order_by("position")
        formset = CaptionFormSet(request.POST or None, queryset=queryset)
        conflict = ""
        if request.method == "POST" and formset.is_valid():
            submitted = request.POST.get("version", "")
            try:
                with editing_gallery(
                    gallery=gallery,
                    by=request.user,
                    expected_version=int(submitted) if submitted.isascii() and submitted.isdigit() else -1,
                    comment="Captions edited in the grid.",
                ):
                    formset.save()
            except (ConflictError, EditRefused) as refusal:
                conflict = f"{refusal} Copy your text before reloading the page."
            if not conflict:
                self.message_user(request, "Captions saved.", messages.SUCCESS)
                return redirect(reverse("admin:galleries_gallery_captions", args=[gallery.pk]))
        elif request.method == "POST" and any("id" in form.errors for form in formset):
            conflict = "A photo was taken out of the gallery after this grid was opened. Copy your text, then reload."
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Captions: {gallery}",
            "gallery": gallery,
            "formset": formset,
            "rows": [(form, thumbnail(form.instance.photo) if form.instance.photo_id else "") for form in formset],
            "conflict": conflict,
        }
        return TemplateResponse(request, "admin/galleries/gallery/captions.html", context)
