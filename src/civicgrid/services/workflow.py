"""The service order workflow as data, run by the shared engine (core.workflow).

下单 (placed) → 派单 (assigned to a provider) → 接单 (accepted) or 拒单 (back to placed, the next provider
is tried) → 到达签到 (in service, time and place recorded) → 完成 (completed, note and photo) → the
resident confirms and rates (confirmed) → the centre closes (closed). A complaint after the service
opens a case in the closed loop (complained). Venue bookings (场地预约) take the same path: the room's
keeper is the provider.

Timings are per item (standard timings: accept within N minutes, arrive within N minutes of the booked
time); the sweep flags a missed acceptance or arrival and escalates the order from the community
service station to the street's service centre.
"""
from __future__ import annotations

from civicgrid.core import roles as R
from civicgrid.core.workflow import SYSTEM, Deadline, Transition, Workflow

__all__ = ["SYSTEM"]

SERVICE_CENTRE = "service_centre"  # 社区服务中心/站 staff (community, street or district seat)
PROVIDER = "provider"              # pseudo-role: the account of the provider the order is assigned to
RESIDENT = "resident"              # pseudo-role: the orderer on the public phone page (verified by SMS)

PLACED, ASSIGNED, ACCEPTED, IN_SERVICE, COMPLETED, CONFIRMED, CLOSED, COMPLAINED, CANCELLED = (
    "placed", "assigned", "accepted", "in_service", "completed", "confirmed", "closed", "complained", "cancelled")
STATE_LABELS = {
    PLACED: "待派单", ASSIGNED: "待接单", ACCEPTED: "待上门", IN_SERVICE: "服务中", COMPLETED: "待确认",
    CONFIRMED: "已评价", CLOSED: "已办结", COMPLAINED: "投诉转案件", CANCELLED: "已取消",
}
TERMINAL = frozenset({CLOSED, COMPLAINED, CANCELLED})

COMMUNITY, STREET = "community", "street"
TIER_LABELS = {COMMUNITY: "社区服务站", STREET: "街道社区服务中心"}
LEVEL_TIER = {"community": COMMUNITY, "street": STREET, "district": STREET, "city": STREET}

ACTION_LABELS = {
    "place": "下单", "assign": "派单", "accept": "接单", "decline": "拒单", "check_in": "到达签到",
    "complete": "服务完成", "confirm": "确认评价", "close": "办结", "complain": "投诉", "cancel": "取消订单",
    "escalate": "超时上报",
}

# Who places orders: the centre's desk, community staff and grid workers on a resident's behalf, the
# hotline operator during a call, the resident on the phone page.
DESK = (SERVICE_CENTRE, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
PLACERS = (*DESK, R.GRID_WORKER, R.HOTLINE_OPERATOR)
# The orderer's side after the service (a resident's confirmation taken over the phone, a complaint).
ON_BEHALF = (*DESK, R.GRID_WORKER, R.HOTLINE_OPERATOR)
# Care's seats (助老员、社工) order for the people whose care plan they keep, only through the care app's
# adapter (channel "care", the plan checked there): not desk seats, so no services pages open to them.
CARE_PLACERS = ("care_helper", "social_worker")

T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    T("", "place", PLACED, (*PLACERS, *CARE_PLACERS, RESIDENT, SYSTEM)),
    T(PLACED, "assign", ASSIGNED, (*DESK, SYSTEM), requires=("provider",), forward=True),
    T(ASSIGNED, "assign", ASSIGNED, DESK, requires=("provider",)),  # the desk moves it by hand
    T(ASSIGNED, "accept", ACCEPTED, (PROVIDER,), forward=True),
    T(ASSIGNED, "decline", PLACED, (PROVIDER,), needs_note=True),
    T(ACCEPTED, "check_in", IN_SERVICE, (PROVIDER,), forward=True),
    T(IN_SERVICE, "complete", COMPLETED, (PROVIDER,), needs_note=True, requires=("photo",), forward=True),
    T(COMPLETED, "confirm", CONFIRMED, (RESIDENT, *ON_BEHALF), requires=("rating",), forward=True),
    T(COMPLETED, "close", CLOSED, DESK),
    T(CONFIRMED, "close", CLOSED, DESK, forward=True),
    T(COMPLETED, "complain", COMPLAINED, (RESIDENT, *ON_BEHALF), needs_note=True),
    T(CONFIRMED, "complain", COMPLAINED, (RESIDENT, *ON_BEHALF), needs_note=True),
    T(CLOSED, "complain", COMPLAINED, (RESIDENT, *ON_BEHALF), needs_note=True, condition="recently_closed"),
    T(PLACED, "cancel", CANCELLED, (RESIDENT, *ON_BEHALF), needs_note=True),
    T(ASSIGNED, "cancel", CANCELLED, (RESIDENT, *ON_BEHALF), needs_note=True),
    T(ACCEPTED, "cancel", CANCELLED, (RESIDENT, *ON_BEHALF), needs_note=True),
    T(ASSIGNED, "escalate", ASSIGNED, (SYSTEM,), condition="at_community", supervise=True),
    T(ACCEPTED, "escalate", ACCEPTED, (SYSTEM,), condition="at_community", supervise=True),
    T(PLACED, "escalate", PLACED, (SYSTEM,), condition="at_community", supervise=True),
)

# The clock: dispatch within 30 minutes of working time; accept and arrive by the item's own timings
# (services.OrderMachine.step_deadline); the resident has 3 days to confirm before the desk closes it.
STEP_OF_STATE = {PLACED: "dispatch", ASSIGNED: "accept", ACCEPTED: "arrive", IN_SERVICE: None, COMPLETED: "confirm",
                 CONFIRMED: None}
DEADLINES = {
    "dispatch": Deadline(0.5, "working_hours"),
    "accept": Deadline(30 / 1440, "days"),
    "arrive": Deadline(2 / 24, "days"),
    "confirm": Deadline(3, "days"),
}
SWEEP_ESCALATES = frozenset({(PLACED, COMMUNITY), (ASSIGNED, COMMUNITY), (ACCEPTED, COMMUNITY)})
COMPLAINT_DAYS = 30  # a complaint is taken up to a month after the order was closed


def _recently_closed(order) -> bool:
    import datetime as dt

    from django.utils import timezone

    return order.closed_at is None or timezone.now() - order.closed_at <= dt.timedelta(days=COMPLAINT_DAYS)


CONDITIONS = {
    "at_community": lambda o: o.tier == COMMUNITY,
    "recently_closed": _recently_closed,
}

ROLE_LABELS = {PROVIDER: "服务商", RESIDENT: "居民本人", SERVICE_CENTRE: "社区服务中心"}


class _Labels(dict):
    """Core role labels plus the pseudo-roles, read at use time (the registry fills after import)."""

    def get(self, key, default=None):
        if key in ROLE_LABELS:
            return ROLE_LABELS[key]
        try:
            return R.ROLE_LABELS[key]
        except KeyError:
            return default


WORKFLOW = Workflow(
    name="order", noun="订单", states=STATE_LABELS, terminal=TERMINAL, actions=ACTION_LABELS,
    transitions=TRANSITIONS, conditions=CONDITIONS, role_labels=_Labels(), tiers=TIER_LABELS,
    supervisor_of_tier={}, step_of_state=STEP_OF_STATE, deadlines=DEADLINES, sweep_escalates=SWEEP_ESCALATES,
)

# -- assignment rules are data too: services.AssignmentRule rows, tried in `priority` order -----------
PREFER = {"rating": "评分高者优先", "load": "在办少者优先", "nearest_area": "服务区域最小者优先"}
