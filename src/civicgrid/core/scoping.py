"""Jurisdiction: the one rule of the security model.

A role at a region node sees that node's subtree; a department role sees what is addressed to
its unit. Models say how they are scoped with two class attributes:

    SCOPE_REGION_FIELD = "grid"          # path to a Region FK ("" for Region itself)
    SCOPE_UNIT_FIELD = "assigned_unit"   # path to a DepartmentUnit FK, or None
    SCOPE_UNIT_AREA = False              # a unit does NOT see these over its service area (default True)

A model with a region but no unit field (a region, a building's roster) is seen by a department
over its unit's service area, unless it says SCOPE_UNIT_AREA = False: the resident register and
everything that carries personal data about residents does, because a department works on the cases
addressed to it and meets residents only as the requesters of those cases (least privilege).

and every selector filters through `visible_to(user, queryset)`.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from . import roles as R


def user_roles(user) -> list:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_civicgrid_roles", None)
    if cached is None:
        cached = list(user.roles.select_related("region", "department_unit__region", "department_unit__department"))
        user._civicgrid_roles = cached
    return cached


def has_role(user, *role_names: str) -> bool:
    return any(r.role in role_names for r in user_roles(user))


def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, R.SYSTEM_ADMIN)


def sees_everything(user) -> bool:
    """Only the installation's superuser; a system-admin role is still bounded by its node."""
    return bool(getattr(user, "is_superuser", False))


def region_paths(user, *role_names: str) -> list[str]:
    """Paths of the region nodes where the user holds a territorial role (optionally only these roles)."""
    return [r.region.path for r in user_roles(user)
            if r.region_id and (not role_names or r.role in role_names)]


def unit_ids(user) -> set[int]:
    return {r.department_unit_id for r in user_roles(user) if r.department_unit_id}


def _region_q(field: str, paths: list[str]) -> Q:
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{lookup: p})
    return q


def visible_to(user, queryset: QuerySet, *, roles: tuple[str, ...] = ()) -> QuerySet:
    """The part of `queryset` inside the user's jurisdiction. `roles` narrows to those roles' seats."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if sees_everything(user):
        return queryset
    model = queryset.model
    region_field = getattr(model, "SCOPE_REGION_FIELD", None)
    unit_field = getattr(model, "SCOPE_UNIT_FIELD", None)
    if region_field is None and unit_field is None:
        raise TypeError(f"{model.__name__} declares no SCOPE_REGION_FIELD / SCOPE_UNIT_FIELD")
    q = Q(pk__in=[])
    if region_field is not None:
        q |= _region_q(region_field, region_paths(user, *roles))
    units = unit_ids(user) if not roles or R.DEPARTMENT_HANDLER in roles else set()
    if unit_field is not None and units:
        q |= Q(**{f"{unit_field}__in": units})
    elif region_field is not None and unit_field is None and units and getattr(model, "SCOPE_UNIT_AREA", True):
        # Things with no unit to address (regions, say) are seen over the unit's service area.
        unit_paths = [r.department_unit.region.path for r in user_roles(user) if r.department_unit_id]
        q |= _region_q(region_field, unit_paths)
    # Every path above follows forward foreign keys, so the OR cannot duplicate rows.
    return queryset.filter(q)


def get_visible_or_404(user, queryset: QuerySet, **lookup):
    """One object inside the jurisdiction; outside it is indistinguishable from absent."""
    from django.http import Http404

    obj = visible_to(user, queryset).filter(**lookup).first()
    if obj is None:
        raise Http404("对象不存在或不在您的管辖范围内")
    return obj


def require_role(user, *role_names: str) -> None:
    if not (sees_everything(user) or has_role(user, *role_names)):
        labels = "、".join(R.ROLE_LABELS[r] for r in role_names)
        raise PermissionDenied(f"此操作需要以下角色之一：{labels}")


def require_in_scope(user, obj, *, roles: tuple[str, ...] = ()) -> None:
    """Services call this before changing `obj`: refuse anything outside the jurisdiction."""
    if not visible_to(user, type(obj)._default_manager.filter(pk=obj.pk), roles=roles).exists():
        raise PermissionDenied("该对象不在您的管辖范围内")
