"""The roles a user can hold, and where each may sit.

The constants below are core's own roles (the closed loop's seats). Every role, core's and any app's,
is declared as a RoleDef in an app manifest (core's in core/manifest.py); ROLE_LABELS and ROLE_LEVELS
read that registry, and Role.role's choices are a callable, so adding a role needs no migration.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

GRID_WORKER = "grid_worker"
COMMUNITY_STAFF = "community_staff"
STREET_DISPATCHER = "street_dispatcher"
DEPARTMENT_HANDLER = "department_handler"
HOTLINE_OPERATOR = "hotline_operator"
DISTRICT_COMMANDER = "district_commander"
SYSTEM_ADMIN = "system_admin"


def registry():
    from .manifest import role_defs

    return role_defs()


class _View(Mapping):
    """A read-only view of one attribute of the role registry, looked up at use time."""

    def __init__(self, attr: str):
        self._attr = attr

    def __getitem__(self, code: str):
        return getattr(registry()[code], self._attr)

    def __iter__(self) -> Iterator[str]:
        return iter(registry())

    def __len__(self) -> int:
        return len(registry())


ROLE_LABELS: Mapping[str, str] = _View("label")
# The region levels each territorial role is held at; a department role sits at a unit instead (empty set).
ROLE_LEVELS: Mapping[str, frozenset[str]] = _View("levels")


def role_choices() -> list[tuple[str, str]]:
    """Role.role's choices (a callable, so migrations reference it instead of freezing a list)."""
    return [(code, r.label) for code, r in registry().items()]


ROLE_CHOICES = role_choices


def is_department_role(code: str) -> bool:
    r = registry().get(code)
    return bool(r and r.department)


def label(code: str) -> str:
    r = registry().get(code)
    return r.label if r else code
