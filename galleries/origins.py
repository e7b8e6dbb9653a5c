"""Where a POST comes from: the CSRF defence of forms on publicly cached pages.

Public pages carry no CSRF token, so one copy serves every reader here and in
any CDN. The forms on them post to views guarded by `same_origin_post`.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt


def same_origin(request: HttpRequest) -> bool:
    """CSRF defence for the forms on publicly cached pages, which cannot carry a per-reader token.

    Browsers send Origin (or at least Referer) with every POST; another site's form cannot forge ours.
    """
    expected = {f"{request.scheme}://{request.get_host()}", settings.SITE_URL}
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        # "null" comes from sandboxed frames and cross-site redirects: it names no site, so never this one.
        return origin in expected
    try:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    except ValueError:  # such as an unclosed IPv6 bracket: an address no page of ours has
        return False
    return f"{referer.scheme}://{referer.netloc}" in expected


def same_origin_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views that take the POSTs of forms on public pages: `same_origin` stands in for Django's CSRF token."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not same_origin(request):
            return render(request, "403.html", {"cross_site": True}, status=403)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)
