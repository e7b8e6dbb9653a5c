"""Loupe's admin site: the newsroom's name on every page, a sign-in that throttles guessing, and a home page
that shows each role what is waiting for it."""

import hashlib

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from galleries.ratelimit import allow, client_ip, hash_ip, hits
from newsroom.dashboard import dashboard_for


class ThrottledLoginForm(AdminAuthenticationForm):
    """The admin sign-in, refused for a while after too many failures from one address or for one account name.

    Both: one address guessing many passwords, and many addresses guessing one account's. A refused attempt
    is not checked at all, so even the right password gets no answer until the window has passed.
    """

    def _keys(self) -> list[str]:
        name = hashlib.sha256(str(self.data.get("username", "")).strip().lower().encode()).hexdigest()[:32]
        return [f"login:ip:{hash_ip(client_ip(self.request))}", f"login:name:{name}"]

    def clean(self):
        limit, window = settings.LOUPE_LOGIN_FAILURE_LIMIT, settings.LOUPE_LOGIN_FAILURE_WINDOW
        keys = self._keys()
        if any(hits(key, window=window) >= limit for key in keys):
            raise ValidationError(
                f"Too many failed sign-ins from here or for this account. Wait up to {-(-window // 60)} minutes and "
                "try again; if you have forgotten your password, ask an administrator to reset it.",
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError:
            for key in keys:
                allow(key, limit=limit, window=window)
            raise


class LoupeAdminSite(admin.AdminSite):
    login_form = ThrottledLoginForm

    # Read when a page is drawn, so the name follows the settings (and tests that change them).
    @property
    def site_header(self) -> str:
        return f"{settings.SITE_NAME} newsroom"

    @property
    def site_title(self) -> str:
        return settings.SITE_NAME

    def index(self, request, extra_context=None):
        return super().index(request, {"dashboard": dashboard_for(request.user), **(extra_context or {})})
