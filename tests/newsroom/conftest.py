import pytest
from django.test import Client

# Readers post comments, votes and reports from this site's own pages, and browsers say so in Origin.
SAME_SITE = {"Origin": "http://testserver"}


@pytest.fixture
def client() -> Client:
    return Client(headers=SAME_SITE)
