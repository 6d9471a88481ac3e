"""Reads about users, the audit log and the inbox."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from . import roles as R
from .models import AuditEntry, Notification
from .scoping import has_role, sees_everything, visible_to


def scope_audit(user, qs: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """An administrator reads the entries filed under their own subtree (core/audit.py says how an
    entry gets its region); the superuser reads all; anyone else nothing."""
    if sees_everything(user):
        return qs
    if not has_role(user, R.SYSTEM_ADMIN):
        return qs.none()
    return visible_to(user, qs, roles=(R.SYSTEM_ADMIN,))


def audit_entries_for(user, *, actor: str = "", action: str = "", object_type: str = "", object_id: str = "",
                      date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[AuditEntry]:
    """The audit log is for administrators only; filters narrow it."""
    if not (sees_everything(user) or has_role(user, R.SYSTEM_ADMIN)):
        raise PermissionDenied("只有系统管理员可以查看审计日志")
    qs = scope_audit(user, AuditEntry.objects.all())
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def audit_action_codes(user) -> list[str]:
    """The action codes present in the part of the log this administrator may read (the 操作 filter)."""
    return list(audit_entries_for(user).order_by().values_list("action", flat=True).distinct())


def inbox_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
