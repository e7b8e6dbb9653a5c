import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are made with passwords; the production hasher's cost is most of these tests' run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
