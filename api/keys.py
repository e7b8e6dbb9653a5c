"""Partners' API keys: making, revoking and finding them. A key is shown once; only its hash is kept."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from api.models import ApiKey
from galleries.audit import record

KEY_PREFIX = "loupe_"
# Writing the last-used time on every request would turn each read into a write; once a minute tells enough.
LAST_USED_EVERY = timedelta(minutes=1)


def hash_key(raw: str) -> str:
    # A plain hash suffices: keys are 256 random bits, nothing a dictionary or a brute force could find.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, name: str, by, rate_limit: int = 600) -> tuple[ApiKey, str]:
    """A new key and its one and only readable copy, which the caller shows once and never stores."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, rate_limit=rate_limit, created_by=by, prefix=raw[: len(KEY_PREFIX) + 6])
    key.key_hash = hash_key(raw)
    key.full_clean()
    key.save()
    record(key, "apikey.created", by=by, data={"rate_limit": rate_limit})
    return key, raw


@transaction.atomic
def revoke_api_key(*, key: ApiKey, by) -> ApiKey:
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(locked, "apikey.revoked", by=by)
    return locked


def find_active_key(raw: str) -> ApiKey | None:
    """The active key `raw` is, or None; counts it as used."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = ApiKey.objects.active().filter(key_hash=hash_key(raw)).first()
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or key.last_used_at < now - LAST_USED_EVERY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key
