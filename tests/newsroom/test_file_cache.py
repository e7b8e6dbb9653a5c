"""The embedded default's file cache: what it writes reads back, and it stays near its size without listing its
directory on every write."""

import pytest

from newsroom.cache import FileCache


def _cache(tmp_path, **options) -> FileCache:
    return FileCache(str(tmp_path), {"OPTIONS": options})


def test_what_it_writes_reads_back_with_djangos_reads(tmp_path):
    cache = _cache(tmp_path)
    page = ("<p>" + "Shift change at the harbour. " * 4000 + "</p>").encode()
    cache.set("page", (7, page), 60)
    assert cache.get("page") == (7, page)
    assert cache.add("counter", 1) and not cache.add("counter", 5)
    assert cache.incr("counter") == 2


def test_it_counts_its_files_on_one_write_in_cull_every(tmp_path, monkeypatch):
    cache = _cache(tmp_path, cull_every=10)
    listings = []
    listed = FileCache._list_cache_files
    monkeypatch.setattr(FileCache, "_list_cache_files", lambda self: listings.append(1) or listed(self))
    for n in range(30):
        cache.set(f"key-{n}", n)
    assert len(listings) == 3


@pytest.mark.parametrize("cull_every", [1, 5])
def test_it_stays_near_max_entries(tmp_path, cull_every):
    cache = _cache(tmp_path, MAX_ENTRIES=20, CULL_FREQUENCY=2, cull_every=cull_every)
    for n in range(200):
        cache.set(f"key-{n}", n)
    assert len(cache._list_cache_files()) <= 20 + cull_every
    assert cache.get("key-199") == 199


def test_an_entry_written_again_reads_back_the_latest_and_leaves_one_file(tmp_path):
    cache = _cache(tmp_path)
    for n in range(5):
        cache.set("page", ("version", n), 60)
        assert cache.get("page") == ("version", n)
    cache.set("other", "kept", 60)
    assert len(cache._list_cache_files()) == 2
    assert not [path for path in tmp_path.iterdir() if not path.name.endswith(".djcache")]
