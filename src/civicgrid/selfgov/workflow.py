"""The proposal workflow as data, run by the shared engine (core.workflow).

征集联署 (collecting) → support reaches the threshold → 居委会研究 (committee), or a meeting (提交会议)
→ 决定 (decided: executing, with a responsible person and a deadline) or 不予采纳 → 反馈结果 (reported).
A proposal that does not reach its threshold in time lapses (the sweep). An execution past its
deadline is flagged overdue by the sweep and the committee is told.
"""
from __future__ import annotations

from civicgrid.core import roles as R
from civicgrid.core.workflow import SYSTEM, Deadline, Transition, Workflow

__all__ = ["SYSTEM"]

COLLECTING, COMMITTEE, MEETING, EXECUTING, REPORTED, REJECTED, LAPSED = (
    "collecting", "committee", "meeting", "executing", "reported", "rejected", "lapsed")
STATE_LABELS = {
    COLLECTING: "征集联署", COMMITTEE: "居委会研究", MEETING: "提交会议审议", EXECUTING: "执行中",
    REPORTED: "已反馈结果", REJECTED: "不予采纳", LAPSED: "联署未达门槛",
}
TERMINAL = frozenset({REPORTED, REJECTED, LAPSED})
ACTION_LABELS = {
    "submit": "提出议题", "qualify": "联署达到门槛", "lapse": "联署期满未达门槛", "to_meeting": "提交会议审议",
    "decide": "作出决定", "reject": "不予采纳", "report_back": "反馈执行结果",
}
COMMITTEE_ROLES = (R.COMMUNITY_STAFF,)

T = Transition
TRANSITIONS = (
    T("", "submit", COLLECTING, (SYSTEM, R.COMMUNITY_STAFF)),
    T(COLLECTING, "qualify", COMMITTEE, (SYSTEM,), condition="threshold_met"),
    T(COLLECTING, "lapse", LAPSED, (SYSTEM,)),
    T(COMMITTEE, "to_meeting", MEETING, COMMITTEE_ROLES),
    T(COMMITTEE, "decide", EXECUTING, COMMITTEE_ROLES, requires=("decision", "responsible", "due"), forward=True),
    T(MEETING, "decide", EXECUTING, COMMITTEE_ROLES, requires=("decision", "responsible", "due"), forward=True),
    T(COMMITTEE, "reject", REJECTED, COMMITTEE_ROLES, needs_note=True),
    T(MEETING, "reject", REJECTED, COMMITTEE_ROLES, needs_note=True),
    T(EXECUTING, "report_back", REPORTED, COMMITTEE_ROLES, requires=("result",), forward=True),
)
STEP_OF_STATE = {COLLECTING: "collect", COMMITTEE: "study", MEETING: None, EXECUTING: "execute"}
DEADLINES = {
    "collect": Deadline(30, "days"),
    "study": Deadline(15, "working_days"),  # the committee answers a qualified proposal within 15 working days
    "execute": Deadline(30, "days"),        # replaced by the decision's own deadline
}
CONDITIONS = {"threshold_met": lambda p: p.support_count >= p.support_threshold}

WORKFLOW = Workflow(
    name="proposal", noun="议题", states=STATE_LABELS, terminal=TERMINAL, actions=ACTION_LABELS,
    transitions=TRANSITIONS, conditions=CONDITIONS, role_labels=R.ROLE_LABELS, step_of_state=STEP_OF_STATE,
    deadlines=DEADLINES,
)
