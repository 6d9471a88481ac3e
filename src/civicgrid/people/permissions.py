"""Capability checks (roles' defaults plus personal grants) and jurisdiction checks for writes."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from civicgrid.core.scoping import require_node_in_scope, sees_everything, user_roles
from civicgrid.regions.models import Region

from . import capabilities as C


def capabilities_of(user) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_people_caps", None)
    if cached is not None:
        return cached
    if sees_everything(user):
        caps = set(C.CAPABILITY_LABELS)
    else:
        from .models import CapabilityGrant

        caps = set()
        from civicgrid.core.roles import registry

        roles = registry()
        for seat in user_roles(user):
            # Core's roles are described here; a role an app adds brings its own in its RoleDef.
            caps |= C.ROLE_CAPABILITIES.get(seat.role) or getattr(roles.get(seat.role), "capabilities", frozenset())
        caps |= set(CapabilityGrant.objects.filter(user=user, revoked_at__isnull=True)
                    .values_list("capability", flat=True))
    user._people_caps = caps
    return caps


def has_capability(user, capability: str) -> bool:
    return capability in capabilities_of(user)


def require_capability(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(f"您没有“{C.CAPABILITY_LABELS[capability]}”权限")


def has_register_access(user) -> bool:
    """Whether the user may use the resident register at all (list, search, open, export, import)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return sees_everything(user) or any(seat.role in C.REGISTER_ROLES for seat in user_roles(user))


def require_register_access(user) -> None:
    if not has_register_access(user):
        raise PermissionDenied(C.REGISTER_REFUSAL)


def require_region_in_scope(user, region: Region | None) -> None:
    require_node_in_scope(user, region, message="该区域不在您的管辖范围内")
