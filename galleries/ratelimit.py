"""Fixed-window rate limits on Django's cache, shared by every process when the cache is Redis."""

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.utils.connection import ConnectionProxy

# Counts live in the "counters" cache, apart from cached pages (see settings.CACHES).
cache = ConnectionProxy(caches, "counters")


def client_ip(request: HttpRequest) -> str:
    """The reader's address, as rate limits, votes and bans count readers.

    REMOTE_ADDR, or behind LOUPE_TRUSTED_PROXIES proxies the address the outermost of them saw: each proxy
    appends to X-Forwarded-For, and whatever stands left of their entries was written by the client. An IPv6
    reader counts as their /64, the block one subscriber gets whole and can hop around in at will.
    """
    address = _parse(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.LOUPE_TRUSTED_PROXIES
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= proxies:
            address = _parse(forwarded[-proxies]) or address
    if address is None:
        return request.META.get("REMOTE_ADDR", "")
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


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
