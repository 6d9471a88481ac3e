"""Jurisdiction: the one rule of the security model, and the kernel every app uses for it.

The kernel is two functions: `node_in_scope(user, node)` ("is this region node inside this user's
jurisdiction") and `visible_to(user, queryset)` (the part of a queryset inside it); `scope_q` is the
filter both are built from, for callers composing a query over a region path themselves. No app
compares region paths on its own.

A role at a region node sees that node's subtree; a department role sees what is addressed to
its unit. Models say how they are scoped with two class attributes:

    SCOPE_REGION_FIELD = "grid"          # path to a Region FK ("" for Region itself)
    SCOPE_UNIT_FIELD = "assigned_unit"   # path to a DepartmentUnit FK, or None
    SCOPE_UNIT_AREA = False              # a unit does NOT see these over its service area (default True)

A model with a region but no unit field (a region, a building's roster) is seen by a department
over its unit's service area, unless it says SCOPE_UNIT_AREA = False: the resident register and
everything that carries personal data about residents does, because a department works on the cases
addressed to it and meets residents only as the requesters of those cases (least privilege).
Every selector filters through `visible_to(user, queryset)`.
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


def scope_paths(user, *, roles: tuple[str, ...] = ()) -> list[str] | None:
    """The region paths whose subtrees the user sees (None: everything; [] for an inactive user).

    Territorial seats give their node; a department seat gives its unit's service area, for things
    that have no unit to address (regions, buildings) — unless `roles` narrows to other roles."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if sees_everything(user):
        return None
    paths = region_paths(user, *roles)
    if not roles or any(R.is_department_role(r) for r in roles):
        paths += [s.department_unit.region.path for s in user_roles(user)
                  if s.department_unit_id and (not roles or s.role in roles)]
    return paths


def node_in_scope(user, node, *, roles: tuple[str, ...] = ()) -> bool:
    """Is this region node (a Region, or its materialised path) inside the user's jurisdiction?"""
    if node is None:
        return False
    path = node if isinstance(node, str) else node.path
    paths = scope_paths(user, roles=roles)
    return paths is None or any(path.startswith(p) for p in paths)


def require_node_in_scope(user, node, *, roles: tuple[str, ...] = (), message: str = "该区域不在您的管辖范围内") -> None:
    if not node_in_scope(user, node, roles=roles):
        raise PermissionDenied(message)


def scope_q(user, field: str = "", *, roles: tuple[str, ...] = ()) -> Q:
    """Filter for rows whose region (at `field`, a path to a Region FK; "" for Region itself) is in scope."""
    paths = scope_paths(user, roles=roles)
    if paths is None:
        return Q()
    return _region_q(field, paths)


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
    units = unit_ids(user) if not roles or any(R.is_department_role(r) for r in roles) else set()
    if unit_field is not None:
        if region_field is not None:
            q |= _region_q(region_field, region_paths(user, *roles))
        if units:
            q |= Q(**{f"{unit_field}__in": units})
    elif region_field is not None and not getattr(model, "SCOPE_UNIT_AREA", True):
        # Personal data (the resident register): territorial seats only, never a unit's service area.
        q |= _region_q(region_field, region_paths(user, *roles))
    elif region_field is not None:
        # Things with no unit to address (regions, say) are seen over the unit's service area.
        q |= scope_q(user, region_field, roles=roles)
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


# -- users and seats: who an administrator manages --------------------------------------------
# An administrator manages the people whose every seat lies inside the subtree of one of their own
# system-administrator seats. A person with any seat outside (a district officer, someone serving
# two streets) is managed from the level that contains all their seats, never from one street: a
# street administrator must not reset the password of someone who also acts for the district.
# Superusers are managed only by superusers.

def users_managed_by(actor, queryset: QuerySet) -> QuerySet:
    """The users in `queryset` whom `actor` may see and manage as an administrator."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return queryset.none()
    if sees_everything(actor):
        return queryset
    admin = (R.SYSTEM_ADMIN,)
    if not region_paths(actor, *admin):
        return queryset.none()
    from .models import Role

    inside = Role.objects.filter(scope_q(actor, "region", roles=admin) | scope_q(actor, "department_unit__region",
                                                                                   roles=admin))
    outside = Role.objects.exclude(pk__in=inside.values("pk"))
    return (queryset.filter(pk__in=inside.values("user_id"))
            .exclude(pk__in=outside.values("user_id")).exclude(is_superuser=True))


def require_user_manageable(actor, user) -> None:
    from .models import User

    if not users_managed_by(actor, User.objects.filter(pk=user.pk)).exists():
        raise PermissionDenied("该用户不在您的管辖范围内（其全部岗位须在您的管理区域内），不能管理。")


def seat_in_admin_scope(actor, *, region=None, department_unit=None) -> bool:
    """Whether a seat at this node lies inside one of the actor's system-administrator subtrees."""
    anchor = region if region is not None else (department_unit.region if department_unit is not None else None)
    return node_in_scope(actor, anchor, roles=(R.SYSTEM_ADMIN,))
