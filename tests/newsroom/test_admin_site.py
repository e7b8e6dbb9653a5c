import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from newsroom.admin_site import LoupeAdminSite, ThrottledLoginForm

pytestmark = pytest.mark.django_db


def test_the_admin_is_loupes_own_site_with_the_throttled_sign_in(client):
    assert isinstance(admin.site, LoupeAdminSite)
    assert admin.site.login_form is ThrottledLoginForm

    response = client.get(reverse("admin:login"))

    assert isinstance(response.context["form"], ThrottledLoginForm)
    assert f"{settings.SITE_NAME} newsroom" in response.text
