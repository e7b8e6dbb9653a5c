from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from newsroom.health import health

handler500 = "galleries.views.server_error"

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("comments/", include("newsroom.comment_urls")),
    # The read API is its own app above galleries and newsroom, named here only by its URLconf's module name.
    path("api/", include("api.urls")),
    path("", include("galleries.urls")),
]

if settings.DEBUG and settings.MEDIA_URL.startswith("/"):
    # Only the public storage is served: originals and unpublished renditions
    # live in storages that have no URL.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
