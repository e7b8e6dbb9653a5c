import pytest

from api.keys import create_api_key


@pytest.fixture
def partner_key(editor):
    """A partner's key as the partner holds it: the raw value, shown once."""
    key, raw = create_api_key(name="Partner Daily app", by=editor, rate_limit=50)
    return key, raw


@pytest.fixture
def partner(partner_key):
    return {"HTTP_AUTHORIZATION": f"Bearer {partner_key[1]}"}
