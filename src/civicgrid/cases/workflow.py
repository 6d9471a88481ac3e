"""The case workflow as data: states, tiers and the transitions table. The one place services read.

Seven steps (GB/T 47678 / CJ/T 214): 信息采集 (reported) → 立案 (filed, or not_filed) → 派遣 (dispatched)
→ 处置 (dispatched/handling at a department unit, or community_handling) → 反馈 (handled) →
核查 (verified, or rework back to handling) → 结案 (closed); evaluation reads the result.

Tiers (lowest first): community 微循环 → street 小循环 → district 大循环. A case is supervised at
its tier: community staff, the street dispatcher, or the district command centre. Supervision
actions (marked `supervise=True`) need a role whose tier is at least the case's tier, so a
community worker cannot close what the street is responsible for, while the command centre can act
on anything below it.

Each row: (from_state, action, to_state, roles, label, condition, needs_note, needs_photo, supervise,
forward). When several rows share (from_state, action), the first whose condition holds wins.
`forward` marks the step that moves the case along the main line (立案 → 派遣 → 处置 → 核查 → 结案):
the case page opens it for whoever may take it and folds the rare ones (退回, 挂账, 合并 …).
"""
from __future__ import annotations

from dataclasses import dataclass

from civicgrid.core import roles as R
from civicgrid.core.workflow import SYSTEM, Transition, Workflow

# -- states ----------------------------------------------------------------------------------
REPORTED = "reported"
NOT_FILED = "not_filed"
FILED = "filed"
COMMUNITY_HANDLING = "community_handling"
DISPATCHED = "dispatched"
EXTENSION_REQUESTED = "extension_requested"
RETURNED = "returned"
HANDLED = "handled"
VERIFIED = "verified"
CLOSED = "closed"
SUSPENDED = "suspended"
MERGED = "merged"

STATE_LABELS = {
    REPORTED: "待受理",
    NOT_FILED: "不予立案",
    FILED: "待派遣",
    COMMUNITY_HANDLING: "社区处置中",
    DISPATCHED: "部门处置中",
    EXTENSION_REQUESTED: "延期待审批",
    RETURNED: "退回待改派",
    HANDLED: "待核查",
    VERIFIED: "待结案",
    CLOSED: "已结案",
    SUSPENDED: "挂账",
    MERGED: "已合并",
}
STATE_CHOICES = list(STATE_LABELS.items())
TERMINAL = frozenset({NOT_FILED, CLOSED, MERGED})
OPEN_STATES = [s for s in STATE_LABELS if s not in TERMINAL]

# The step whose clock runs in each state: 'accept', 'dispatch', 'handle', 'verify' or None (stopped).
STEP_OF_STATE = {
    REPORTED: "accept",
    FILED: "dispatch",
    RETURNED: "dispatch",
    COMMUNITY_HANDLING: "handle",
    DISPATCHED: "handle",
    EXTENSION_REQUESTED: "handle",
    HANDLED: "verify",
    VERIFIED: None,
    SUSPENDED: None,
}

# -- tiers -----------------------------------------------------------------------------------
COMMUNITY, STREET, DISTRICT = "community", "street", "district"
TIER_LABELS = {COMMUNITY: "社区（微循环）", STREET: "街道（小循环）", DISTRICT: "区（大循环）"}
TIER_CHOICES = list(TIER_LABELS.items())
TIER_RANK = {COMMUNITY: 1, STREET: 2, DISTRICT: 3}
NEXT_TIER = {COMMUNITY: STREET, STREET: DISTRICT}

# The supervising role of each tier, and the tier each supervising role stands for.
SUPERVISOR_OF_TIER = {COMMUNITY: R.COMMUNITY_STAFF, STREET: R.STREET_DISPATCHER, DISTRICT: R.DISTRICT_COMMANDER}
ROLE_TIER = {R.COMMUNITY_STAFF: COMMUNITY, R.STREET_DISPATCHER: STREET, R.DISTRICT_COMMANDER: DISTRICT}

# The sweep acts as this pseudo-role (no user); only rows listing it may be taken by the sweep
# (core.workflow.SYSTEM, imported above).

# -- actions ---------------------------------------------------------------------------------
ACTION_LABELS = {
    "report": "上报",
    "take": "社区受理",
    "file": "立案",
    "not_file": "不予立案",
    "dispatch": "派遣",
    "reroute": "改派",
    "return": "退回",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "refuse_extension": "驳回延期",
    "handle": "处置反馈",
    "verify_pass": "核查通过",
    "verify_fail": "核查不通过（返工）",
    "close": "结案",
    "suspend": "挂账",
    "resume": "恢复办理",
    "escalate": "上报上级",
    "merge": "合并到重复案件",
    "reopen": "重新办理",
    "declare_emergency": "启动应急处置",
}

SUPERVISORS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
DISPATCHERS = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
VERIFIERS = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.HOTLINE_OPERATOR, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
# A closed case goes back into handling when the requester says it is not solved (回访不满意重办):
# the hotline or the requester's own rating (the system acting for them), or a supervisor on review.
REOPENERS = (R.HOTLINE_OPERATOR, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, SYSTEM)
INTAKE_ROLES = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.HOTLINE_OPERATOR, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER,
                SYSTEM)


@dataclass(frozen=True)
class T(Transition):
    """A row of the table; the engine's Transition with the case's action label."""

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


TRANSITIONS: tuple[T, ...] = (
    # 1 信息采集
    T("", "report", REPORTED, INTAKE_ROLES),
    # 2 立案 — or the community takes it itself (微循环)
    T(REPORTED, "take", COMMUNITY_HANDLING, (R.COMMUNITY_STAFF,), forward=True),
    # Not `supervise`: the street sub-centre triages everything reported in its street, including
    # district-tier matters, which then wait for the command centre to dispatch them.
    T(REPORTED, "file", FILED, DISPATCHERS, forward=True),
    T(REPORTED, "not_file", NOT_FILED, SUPERVISORS, needs_note=True, supervise=True),
    T(REPORTED, "merge", MERGED, SUPERVISORS, needs_note=False, supervise=True),
    T(FILED, "merge", MERGED, DISPATCHERS, supervise=True),
    # 3 派遣, and re-routing what a department returned
    T(FILED, "dispatch", DISPATCHED, DISPATCHERS, supervise=True, forward=True),
    T(DISPATCHED, "return", RETURNED, (R.DEPARTMENT_HANDLER,), needs_note=True),
    T(EXTENSION_REQUESTED, "return", RETURNED, (R.DEPARTMENT_HANDLER,), needs_note=True),
    T(RETURNED, "reroute", DISPATCHED, DISPATCHERS, supervise=True, forward=True),
    # 4 处置, with extension requests decided by the supervisor
    T(DISPATCHED, "request_extension", EXTENSION_REQUESTED, (R.DEPARTMENT_HANDLER,), needs_note=True),
    T(EXTENSION_REQUESTED, "approve_extension", DISPATCHED, DISPATCHERS, supervise=True, forward=True),
    T(EXTENSION_REQUESTED, "refuse_extension", DISPATCHED, DISPATCHERS, needs_note=True, supervise=True),
    # 5 反馈
    T(DISPATCHED, "handle", HANDLED, (R.DEPARTMENT_HANDLER,), needs_note=True, needs_photo=True, forward=True),
    T(EXTENSION_REQUESTED, "handle", HANDLED, (R.DEPARTMENT_HANDLER,), needs_note=True, needs_photo=True, forward=True),
    T(COMMUNITY_HANDLING, "handle", HANDLED, (R.COMMUNITY_STAFF,), needs_note=True, forward=True),
    # 6 核查 — a failed verification sends it back to whoever handled it (返工)
    T(HANDLED, "verify_pass", VERIFIED, VERIFIERS, forward=True),
    T(HANDLED, "verify_fail", COMMUNITY_HANDLING, VERIFIERS, condition="community_tier", needs_note=True),
    T(HANDLED, "verify_fail", DISPATCHED, VERIFIERS, condition="has_unit", needs_note=True),
    # 7 结案
    T(VERIFIED, "close", CLOSED, SUPERVISORS, supervise=True, forward=True),
    T(CLOSED, "reopen", COMMUNITY_HANDLING, REOPENERS, condition="community_tier", needs_note=True),
    T(CLOSED, "reopen", FILED, REOPENERS, needs_note=True),
    # 挂账 and back
    T(FILED, "suspend", SUSPENDED, DISPATCHERS, needs_note=True, supervise=True),
    T(RETURNED, "suspend", SUSPENDED, DISPATCHERS, needs_note=True, supervise=True),
    T(DISPATCHED, "suspend", SUSPENDED, DISPATCHERS, needs_note=True, supervise=True),
    T(COMMUNITY_HANDLING, "suspend", SUSPENDED, SUPERVISORS, needs_note=True, supervise=True),
    T(SUSPENDED, "resume", COMMUNITY_HANDLING, SUPERVISORS, condition="community_tier", supervise=True, forward=True),
    T(SUSPENDED, "resume", FILED, SUPERVISORS, supervise=True, forward=True),
    # Escalation to the next tier (by hand, or by the deadline sweep)
    # 应急处置 (cases/joint.py): the case becomes urgent and its running step restarts on the shortest limits.
    *(T(state, "declare_emergency", state, (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER),
        condition="not_emergency", needs_note=True)
      for state in (REPORTED, FILED, RETURNED, COMMUNITY_HANDLING, DISPATCHED, EXTENSION_REQUESTED)),
    T(REPORTED, "escalate", REPORTED, (R.COMMUNITY_STAFF, SYSTEM), condition="below_district", supervise=True),
    T(COMMUNITY_HANDLING, "escalate", FILED, (R.COMMUNITY_STAFF, SYSTEM), condition="below_district",
      needs_note=True, supervise=True),
    T(FILED, "escalate", FILED, (R.STREET_DISPATCHER, SYSTEM), condition="below_district", supervise=True),
    T(RETURNED, "escalate", FILED, (R.STREET_DISPATCHER, SYSTEM), condition="below_district", supervise=True),
)

# Escalation by the sweep when a step's deadline passes: which (state, tier) escalate. Handling
# overdue at a department is not escalated (the department keeps its case) but is flagged and
# notified up to the command centre; see services.sweep.
SWEEP_ESCALATES = {
    (REPORTED, COMMUNITY),           # the community did not take it in time → the street files it
    (COMMUNITY_HANDLING, COMMUNITY),  # the community could not solve it in time → the street
    (FILED, STREET),                  # the street did not dispatch in time → the command centre
    (RETURNED, STREET),
}
# On-the-spot verification by a grid worker needs an after-photo (the hotline verifies by phone).
PHOTO_REQUIRED_FOR_ROLE = {("verify_pass", R.GRID_WORKER), ("verify_fail", R.GRID_WORKER)}

WARN_FRACTION = 0.8  # warn when 80 % of a step's working time has passed


# Conditions a row may name; each is a predicate on the case.
CONDITIONS = {
    "community_tier": lambda c: c.tier == COMMUNITY,
    "has_unit": lambda c: c.assigned_unit_id is not None,
    "below_district": lambda c: c.tier != DISTRICT,
    # Once per case: a second declaration would only repeat the alarm.
    "not_emergency": lambda c: not c.events.filter(action="declare_emergency").exists(),
}

# The table as the engine reads it (core.workflow). Limits are per category and channel, so the
# deadline rules live in services.step_hours rather than here.
WORKFLOW = Workflow(
    name="case", noun="案件", states=STATE_LABELS, terminal=TERMINAL, actions=ACTION_LABELS,
    transitions=TRANSITIONS, conditions=CONDITIONS, role_labels=R.ROLE_LABELS, tiers=TIER_LABELS,
    supervisor_of_tier=SUPERVISOR_OF_TIER, step_of_state=STEP_OF_STATE,
    sweep_escalates=frozenset(SWEEP_ESCALATES), warn_fraction=WARN_FRACTION,
)


def transitions_from(state: str) -> list[T]:
    return WORKFLOW.transitions_from(state)


def rows(state: str, action: str) -> list[T]:
    return WORKFLOW.rows(state, action)


def forward_action(actions: list[T]) -> str | None:
    """The main-line step among `actions` (what one may do now), or None: the one a page opens."""
    return next((t.action for t in actions if t.forward), None)


def mirror_rows() -> list[dict]:
    """What the Transition table holds (see models.Transition)."""
    return WORKFLOW.mirror_rows()
