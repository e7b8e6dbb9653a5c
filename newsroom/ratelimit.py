"""Fixed-window rate limits on Django's cache, shared by every process when the cache is Redis."""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def hash_ip(ip: str) -> str:
    """A salted hash: the same address always gives the same value, and the value never gives the address."""
    return hmac.new(settings.LOUPE_IP_SALT.encode(), ip.encode(), hashlib.sha256).hexdigest()[:32]


def _bucket(key: str, window: int) -> str:
    return f"ratelimit:{key}:{int(time.time() // window)}"


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit for `key`; False once more than `limit` hits fall in the current `window` seconds."""
    bucket = _bucket(key, window)
    if cache.add(bucket, 1, timeout=window + 1):
        return limit >= 1
    try:
        return cache.incr(bucket) <= limit
    except ValueError:
        # The bucket expired between add() and incr(): this hit starts a new window.
        cache.add(bucket, 1, timeout=window + 1)
        return True


def hits(key: str, *, window: int) -> int:
    """How many hits `key` has in the current `window` seconds, without counting one."""
    return cache.get(_bucket(key, window)) or 0
