from galleries.ratelimit import allow, hash_ip


def test_allow_counts_hits_within_the_window():
    results = [allow("test:ip", limit=3, window=60) for _ in range(5)]
    assert results == [True, True, True, False, False]


def test_limits_are_per_key():
    for _ in range(3):
        allow("test:a", limit=3, window=60)
    assert allow("test:a", limit=3, window=60) is False
    assert allow("test:b", limit=3, window=60) is True


def test_ip_hash_is_stable_and_hides_the_address():
    assert hash_ip("203.0.113.7") == hash_ip("203.0.113.7")
    assert hash_ip("203.0.113.7") != hash_ip("203.0.113.8")
    assert "203.0.113.7" not in hash_ip("203.0.113.7")


def test_a_flood_of_cached_pages_does_not_reset_the_limits(settings, tmp_path):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": tmp_path / "pages",
            "OPTIONS": {"MAX_ENTRIES": 20},
        },
        "counters": {**settings.CACHES["counters"], "LOCATION": tmp_path / "counters"},
    }
    assert all(allow("flood-key", limit=3, window=60) for _ in range(3))

    for n in range(200):
        caches["default"].set(f"page-{n}", "x" * 100)

    assert not allow("flood-key", limit=3, window=60)
