"""`/health/`: what a load balancer and the on-call engineer need to know, as JSON.

200 while Loupe can serve readers (the database answers), 503 when it cannot. A cache or storage outage is
reported as "degraded": pages are still served, without the cache or without new files.
"""

import time

from django.core.cache import caches
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from galleries.models import Gallery, TaskWorker
from galleries.storage import PROBE_NAME
from galleries.tasks import queued_in_database, worker_lost_after


def _timed(probe) -> dict:
    started = time.monotonic()
    try:
        details = probe() or {}
        status = details.pop("status", "ok")
    except Exception as error:
        status, details = "unavailable", {"error": f"{type(error).__name__}: {error}"[:300]}
    return {"status": status, "ms": round((time.monotonic() - started) * 1000, 1), **details}


def _database() -> dict:
    # This count is the probe: it fails as the database does.
    details = {"publishing": Gallery.objects.publishing().count()}
    if queued_in_database():
        live = TaskWorker.objects.filter(seen_at__gte=timezone.now() - worker_lost_after()).count()
        details["workers"] = live
        if not live:
            details["status"] = "degraded"
    return details


def _cache() -> dict:
    cache = caches["default"]
    if hasattr(cache, "ping"):
        return {} if cache.ping() else {"status": "unavailable"}
    cache.get(PROBE_NAME)
    return {}


def _storage() -> dict:
    # The private bucket (or folder) is what uploads, renders and publications need; one probe is enough to
    # tell an outage, and a hung server costs this check one timeout, not three.
    storages["originals"].exists(PROBE_NAME)
    return {}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(_database), "cache": _timed(_cache), "storage": _timed(_storage)}
    if checks["database"]["status"] == "unavailable":
        connection.close_if_unusable_or_obsolete()
    serving = checks["database"]["status"] != "unavailable"
    healthy = all(check["status"] == "ok" for check in checks.values())
    status = "ok" if healthy else "degraded" if serving else "down"
    return JsonResponse({"status": status, "checks": checks}, status=200 if serving else 503)
