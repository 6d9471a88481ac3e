"""One rule for showing personal data in full (a resident's ID/phone, a case requester's name/phone).

Everywhere: a reason of at least MIN_REASON_LENGTH characters, one audit entry per reveal with the
reason and the fields shown, and a response no cache may keep (Cache-Control: no-store).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError

from . import audit

# A reveal reason must say something; "看看" is not a reason.
MIN_REASON_LENGTH = 4


def require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(f"请填写事由（至少{MIN_REASON_LENGTH}个字），查看记录将写入审计日志")
    return reason


def record(actor, action: str, obj, fields: list[str], reason: str):
    return audit.record(actor, action, obj, detail={"fields": list(fields)}, reason=reason)


def no_store(response):
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
