import importlib.util

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory

# `make test` needs no browser: without the e2e extra (Playwright) the browser journeys are not even collected.
collect_ignore = [] if importlib.util.find_spec("playwright") else ["e2e"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas, demo logins and sign-ins all hash passwords; the production hasher's cost would dwarf the tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Every test writes its files under its own temporary directory."""
    storages = {name: dict(config) for name, config in settings.STORAGES.items()}
    for name in ("default", "renditions", "originals"):
        if storages[name]["BACKEND"].endswith("FileSystemStorage"):
            storages[name]["OPTIONS"] = {**storages[name]["OPTIONS"], "location": tmp_path / name}
    settings.STORAGES = storages
    settings.MEDIA_ROOT = tmp_path / "default"


@pytest.fixture(scope="session", autouse=True)
def _private_caches(tmp_path_factory):
    """This test run's file caches are its own, not the checkout's shared LOUPE_DATA_DIR ones.

    The file cache is shared by every process using the same data directory, as it must be in production; a
    second test run, a dev server or a worker on the same checkout would otherwise purge, clear or fill this
    run's page cache under its tests.
    """
    from django.conf import settings
    from django.core.cache.backends.filebased import FileBasedCache
    from django.test import override_settings
    from django.utils.module_loading import import_string

    folder = tmp_path_factory.mktemp("caches")
    caches = {
        alias: {**config, "LOCATION": folder / alias}
        if issubclass(import_string(config["BACKEND"]), FileBasedCache)
        else config
        for alias, config in settings.CACHES.items()
    }
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for alias in caches:
        caches[alias].clear()
    yield
    for alias in caches:
        caches[alias].clear()


def _member(username: str, group: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def photographer_user(db):
    return _member("photographer", "Photographers")


@pytest.fixture
def editor(db):
    return _member("editor", "Editors")


@pytest.fixture
def moderator(db):
    return _member("moderator", "Moderators")
