from django.contrib.contenttypes.models import ContentType
from django.db import models

from galleries.models import AuditEvent


def record(
    target: models.Model | None,
    action: str,
    *,
    by=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write an audit event; call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=by if by is not None and by.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )
