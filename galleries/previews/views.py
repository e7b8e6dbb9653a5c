"""Preview pages: staff previews of any gallery they may see, the pages a preview link opens, and the editors'
page that makes and revokes links."""

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from galleries.models import Gallery, Item, PreviewLink, Rendition
from galleries.previews.links import (
    LINK_DEFAULT_AGE,
    LINK_LIFETIME_ERROR,
    LINK_MAX_AGE,
    PreviewLinkError,
    active_link,
    create_preview_link,
    revoke_preview_link,
)
from galleries.text import TypedTextField
from galleries.views import render_gallery_page, render_item_page
from galleries.workflow import galleries_visible_to, is_editor


@dataclass(frozen=True)
class LinkMediaUrl:
    """Where a preview link's page finds its images: the token-checked file view, which the link's guest may open.

    Handed to the page as its `rendition_url`, in place of the staff file view a preview uses otherwise.
    """

    token: str

    def __call__(self, rendition: Rendition) -> str:
        return reverse("galleries:preview-link-media", kwargs={"token": self.token, "name": rendition.name})


def _link_for(token: str) -> PreviewLink:
    # Expired, revoked, tampered with or never made: all look the same from outside.
    link = active_link(token)
    if link is None:
        raise Http404("This preview link is not valid any more.")
    return link


def _private(response: HttpResponse, *, token_in_url: bool = False) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # A link's token is in its pages' URLs: never hand it on in a Referer header. Every other page here keeps
    # its referrer on this site only: with "no-referrer" a browser sends `Origin: null` with the page's own
    # forms, and the CSRF check rightly refuses them.
    response["Referrer-Policy"] = "no-referrer" if token_in_url else "same-origin"
    return response


def _visible_gallery(request: HttpRequest, pk: int) -> Gallery:
    return get_object_or_404(galleries_visible_to(request.user), pk=pk)


# Staff previews ---------------------------------------------------------------------------------------------


@require_safe
@staff_member_required
def gallery_preview(request: HttpRequest, pk: int) -> HttpResponse:
    return _private(render_gallery_page(request, _visible_gallery(request, pk), preview=True))


@require_safe
@staff_member_required
def item_preview(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    gallery = _visible_gallery(request, pk)
    item = get_object_or_404(Item, gallery=gallery, pk=item_pk)
    return _private(render_item_page(request, gallery, item, preview=True))


class LinkLabelForm(forms.Form):
    # Who the link is for, as the editors' list shows it; optional.
    label = TypedTextField(required=False)


@staff_member_required
def preview_links(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor's page to make and revoke a gallery's preview links; a new link is shown once, here."""
    if not is_editor(request.user):
        raise PermissionDenied
    gallery = get_object_or_404(Gallery, pk=pk)
    new_url = ""
    if request.method == "POST":
        try:
            expires_in = timedelta(days=int(request.POST.get("days") or LINK_DEFAULT_AGE.days))
            form = LinkLabelForm(request.POST)
            label = form.cleaned_data["label"] if form.is_valid() else ""
            _, token = create_preview_link(gallery=gallery, by=request.user, expires_in=expires_in, label=label)
        except (ValueError, OverflowError, PreviewLinkError) as error:
            # int() and timedelta() say what they could not do, not what the editor should type.
            message = str(error) if isinstance(error, PreviewLinkError) else LINK_LIFETIME_ERROR
            page = render(request, "galleries/preview_links.html", _links_context(gallery, error=message), status=400)
            return _private(page)
        new_url = settings.SITE_URL + reverse("galleries:preview-link", kwargs={"token": token})
    return _private(render(request, "galleries/preview_links.html", _links_context(gallery, new_url=new_url)))


def _links_context(gallery: Gallery, **extra) -> dict:
    links = list(gallery.preview_links.select_related("created_by"))
    return {"gallery": gallery, "links": links, "max_days": LINK_MAX_AGE.days, **extra}


@require_POST
@staff_member_required
def preview_link_revoke(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    link = get_object_or_404(PreviewLink, gallery_id=pk, pk=link_pk)
    try:
        revoke_preview_link(link=link, by=request.user)
    except PreviewLinkError:
        raise PermissionDenied from None
    return redirect("galleries:preview-links", pk=pk)


# Preview links ---------------------------------------------------------------------------------------------


@require_safe
def link_gallery(request: HttpRequest, token: str) -> HttpResponse:
    link = _link_for(token)
    page = render_gallery_page(
        request, link.gallery, preview=True, page_url=_link_url(token), rendition_url=LinkMediaUrl(token)
    )
    return _private(page, token_in_url=True)


@require_safe
def link_item(request: HttpRequest, token: str, item_pk: int) -> HttpResponse:
    link = _link_for(token)
    item = get_object_or_404(Item, gallery=link.gallery, pk=item_pk)
    page = render_item_page(
        request, link.gallery, item, preview=True, page_url=_link_url(token), rendition_url=LinkMediaUrl(token)
    )
    return _private(page, token_in_url=True)


def _link_url(token: str) -> str:
    # Every page the link opens keeps its links under the link: its guest has no other way in.
    return reverse("galleries:preview-link", kwargs={"token": token})
