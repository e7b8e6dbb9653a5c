from django.urls import include, path, re_path

from api.views import api, docs, unknown

_patterns, _app, _namespace = api.urls

urlpatterns = [
    path("v1/", include(([path("docs/", docs, name="docs"), *_patterns], _app), namespace=_namespace)),
    # Any other address under /api/ answers in JSON, as the API does.
    re_path(r"^(?P<rest>.*)$", unknown),
]
