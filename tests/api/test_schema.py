"""The OpenAPI 3.1 document and the reference page built from it."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_document_is_3_1_and_describes_every_resource(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert set(schema["paths"]) >= {
        "/api/v1/galleries/",
        "/api/v1/galleries/{slug}/",
        "/api/v1/galleries/{slug}/comments/",
        "/api/v1/galleries/{slug}/photos/{pk}/comments/",
        "/api/v1/photos/{pk}/",
        "/api/v1/photographers/",
        "/api/v1/photographers/{slug}/",
        "/api/v1/sections/",
        "/api/v1/tags/",
    }
    assert schema["components"]["securitySchemes"]["PartnerKey"] == {"type": "http", "scheme": "bearer"}
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert {"200", "400", "401", "404", "429"} <= set(operation["responses"])
    # Examples, for partners' developers and for the fuzzer.
    assert schema["components"]["schemas"]["GallerySummary"]["properties"]["slug"]["examples"] == ["night-shift"]


def test_the_reference_page_loads_nothing_from_another_site(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/galleries/{slug}/" in page and "GalleryDetail" in page
    assert "<script" not in page
    assert not re.search(r"""(?:src|href)=["']https?://""", page)
