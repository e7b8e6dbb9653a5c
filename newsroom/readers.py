"""Who a reader is, without an account: a long-lived random cookie, hashed before it is stored anywhere."""

import hashlib
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

READER_COOKIE = "loupe_reader"


def reader_key(request: HttpRequest) -> tuple[str, str]:
    """A stable, anonymous key for this reader (account or cookie), and the cookie to set if it is new."""
    if request.user.is_authenticated:
        raw, new_cookie = f"user:{request.user.pk}", ""
    else:
        cookie = request.COOKIES.get(READER_COOKIE, "")
        if len(cookie) < 20:
            cookie = new_cookie = secrets.token_urlsafe(24)
        else:
            new_cookie = ""
        raw = f"cookie:{cookie}"
    return hashlib.sha256(f"{settings.LOUPE_IP_SALT}:{raw}".encode()).hexdigest()[:40], new_cookie


def remember_reader(response: HttpResponse, new_cookie: str) -> HttpResponse:
    if new_cookie:
        response.set_cookie(
            READER_COOKIE, new_cookie, max_age=365 * 24 * 3600, httponly=True, samesite="Lax", secure=not settings.DEBUG
        )
    return response
