"""schemathesis against the served OpenAPI document, in-process over WSGI (`make fuzz`).

For every operation it sends the schema's examples, then generated parameters, valid and not: no answer may
be a server error, every answer must match the document, and bad parameters get a 4xx with a JSON body.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.factories import CommentFactory, PhotographerFactory, TagFactory, published_gallery

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = 30


@pytest.fixture(autouse=True)
def newsroom(db):
    gallery = published_gallery(items=3, slug="night-shift")
    gallery.tags.add(TagFactory(slug="harbour"))
    gallery.photographers.add(PhotographerFactory(slug="amara-okafor"))
    root = CommentFactory(gallery=gallery)
    CommentFactory(parent=root)
    CommentFactory(gallery=gallery, item=gallery.items.first())


# Loaded as the module is collected: the document needs no database, only the URLconf.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_description(case):
    # A cursor is opaque and signed: a string the API never gave out fits the schema and is still refused (400).
    excluded = [positive_data_acceptance] if (case.query or {}).get("cursor") else []
    response = case.call_and_validate(excluded_checks=excluded)
    if 400 <= response.status_code < 500:
        headers = {name.lower(): value for name, value in response.headers.items()}
        assert headers["content-type"][0].startswith("application/json")
        assert response.json()["detail"]
