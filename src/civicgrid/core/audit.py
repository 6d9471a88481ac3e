"""Writing to the append-only audit log. Every service calls `record` inside its transaction."""
from __future__ import annotations

from typing import Any

from .middleware import current_ip
from .models import AuditEntry
from .pii import redact, redact_data


def record(actor, action: str, obj: Any = None, *, detail: dict | None = None, reason: str = "",
           object_type: str | None = None, object_id: str | None = None) -> AuditEntry:
    """One append-only entry. Every identity- or phone-like token in the detail, the reason and the
    object's text is masked here, whoever the caller: a search for "史 99010219941201298X" or a reason
    quoting a phone number must not make the log a second, unencrypted copy of the register."""
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
        object_repr=redact(str(obj))[:200] if obj is not None else "",
        detail=redact_data(detail or {}),
        reason=redact(reason)[:300],
        ip=current_ip.get(),
    )
