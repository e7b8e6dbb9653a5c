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


def test_the_duty_of_care_and_provenance_fields_are_described_with_examples(client):
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    fields = {
        "Item": ["graphic", "graphic_warning", "ai_label", "credentials"],
        "GallerySummary": ["contains_graphic", "graphic_notice", "cover"],
        "Photo": ["digital_source_type", "social_card"],
        "PhotoDetail": ["graphic"],
        "Thread": ["reply_count", "replies_url"],
    }
    for component, names in fields.items():
        for name in names:
            spec = components[component]["properties"][name]
            assert spec.get("description"), f"{component}.{name} has no description"
    for component, name in [
        ("Item", "graphic_warning"),
        ("Item", "ai_label"),
        ("Photo", "digital_source_type"),
        ("GallerySummary", "graphic_notice"),
    ]:
        assert components[component]["properties"][name].get("examples"), f"{component}.{name} has no example"
    assert set(components["Credentials"]["properties"]) == {
        "taken_by",
        "taken_at",
        "captured_with",
        "capture_signed_by",
        "source",
        "published_by",
        "published_at",
        "changes",
    }
    assert "/api/v1/comments/{pk}/replies/" in client.get("/api/v1/openapi.json").json()["paths"]
