from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"


class LoupeAdminConfig(admin_apps.AdminConfig):
    """Installed in place of django.contrib.admin: every ModelAdmin registers on LoupeAdminSite."""

    default = False  # NewsroomConfig is this module's app; this one is named in INSTALLED_APPS
    default_site = "newsroom.admin_site.LoupeAdminSite"
