"""Who uses the care app at all: the territorial seats that keep the register and the assigned seats
(助老员、社工、志愿者). Departments, the hotline and other apps' seats are refused with the reason."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from civicgrid.core import roles as R
from civicgrid.core.scoping import sees_everything, user_roles

from . import workflow as W

CARE_SEATS = (*W.TERRITORIAL, *W.ASSIGNED_ROLES)
REFUSAL = ("为老关怀仅限网格员、社区、街道、区指挥中心和助老员、社工、志愿者使用；"
           "热线来电求助请转社区或助老员登记。")


def has_access(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return sees_everything(user) or any(s.role in CARE_SEATS for s in user_roles(user))


def require(user) -> None:
    if not has_access(user):
        raise PermissionDenied(REFUSAL)


# Who orders supermarket services for a person in their plan: the helper and social worker who keep it
# (selectors.plans limits them to their own people) and the territorial seats the services app accepts.
ORDERERS = (W.CARE_HELPER, W.SOCIAL_WORKER, R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER,
            R.DISTRICT_COMMANDER)
ORDER_REFUSAL = "代关爱对象下单仅限助老员、社工、网格员和社区、街道、区工作人员；志愿者请联系助老员代为下单。"


def may_order(user) -> bool:
    return sees_everything(user) or any(s.role in ORDERERS for s in user_roles(user))


def require_order(user) -> None:
    if not may_order(user):
        raise PermissionDenied(ORDER_REFUSAL)
