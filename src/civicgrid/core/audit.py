"""Writing to the append-only audit log. Every service calls `record` inside its transaction.

Each entry is filed under a region, so an administrator reads the log of their own area only:

1. the region of the object, by the object's own scoping rule (SCOPE_REGION_FIELD; a role seat
   by its node or its unit's area; anything that belongs to a user, and a user, by that user's
   seats);
2. failing that (no object, or an object that belongs to no place, like a category), the region of
   the actor's seats;
3. failing that, none: the entry is the superuser's alone (system jobs, the command line).

A person with seats in several places is filed under the lowest node containing them all, so no
single street's administrator reads about work done for another.
"""
from __future__ import annotations

from typing import Any

from .middleware import current_ip
from .models import AuditEntry
from .pii import redact, redact_data


def _common_region(regions: list):
    regions = [r for r in regions if r is not None]
    if not regions:
        return None
    if len(regions) == 1:
        return regions[0]
    parts = [r.path.strip("/").split("/") for r in regions]
    common = []
    for codes in zip(*parts):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    if not common:
        return None
    # The region model through our own foreign key: core names no app.
    region_model = AuditEntry._meta.get_field("region").related_model
    return region_model.objects.filter(code=common[-1]).first()


def user_region(user):
    if user is None or not getattr(user, "pk", None):
        return None
    seats = user.roles.select_related("region", "department_unit__region")
    return _common_region([s.region or (s.department_unit.region if s.department_unit_id else None) for s in seats])


def _follow(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def region_of(obj):
    """The region an object belongs to for the audit log, or None."""
    from .models import Role, User

    if obj is None:
        return None
    if isinstance(obj, User):
        return user_region(obj)
    if isinstance(obj, Role):
        return obj.region or (obj.department_unit.region if obj.department_unit_id else None)
    field = getattr(type(obj), "SCOPE_REGION_FIELD", None)
    if field == "":
        return obj
    if field:
        return _follow(obj, field)
    for attr in ("case", "person"):  # records that hang off a scoped object
        parent = getattr(obj, attr, None) if f"{attr}_id" in obj.__dict__ else None
        if parent is not None:
            return region_of(parent)
    for attr in ("user", "recipient"):  # things that belong to a person: their credentials, grants, inbox
        if f"{attr}_id" in obj.__dict__:
            return user_region(getattr(obj, attr, None))
    return None


def record(actor, action: str, obj: Any = None, *, detail: dict | None = None, reason: str = "",
           object_type: str | None = None, object_id: str | None = None, into=None) -> AuditEntry:
    """One append-only entry. Every identity- or phone-like token in the detail, the reason and the
    object's text is masked here, whoever the caller: a search for "史 99010219941201298X" or a reason
    quoting a phone number must not make the log a second, unencrypted copy of the register.

    `into`: a collector of new rows (cases/onewrite.py Writes: anything with add(obj)) that inserts
    the entry together with the rows written beside it; without it the entry is saved at once."""
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
    actor_obj = actor if getattr(actor, "pk", None) else None
    region = region_of(obj) or user_region(actor_obj)
    entry = AuditEntry(
        actor=actor_obj,
        actor_name=(actor_obj.username if actor_obj else (str(actor) if actor else "系统")),
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=redact(str(obj))[:200] if obj is not None else "",
        detail=redact_data(detail or {}),
        reason=redact(reason)[:300],
        ip=current_ip.get(),
        region=region,
    )
    if into is not None:
        return into.add(entry)
    entry.save(force_insert=True)
    return entry
