"""Writing to the append-only audit log. Every service calls `record` inside its transaction."""
from __future__ import annotations

from typing import Any

from .middleware import current_ip
from .models import AuditEntry


def record(actor, action: str, obj: Any = None, *, detail: dict | None = None, reason: str = "",
           object_type: str | None = None, object_id: str | None = None) -> AuditEntry:
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
    actor_obj = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        actor=actor_obj,
        actor_name=(actor_obj.username if actor_obj else (str(actor) if actor else "系统")),
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail or {},
        reason=reason[:300],
        ip=current_ip.get(),
    )
