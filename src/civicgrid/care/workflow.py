"""The emergency-help alert (紧急援助) as data, run by the shared engine (core.workflow).

待响应 (open) → 已响应 (acknowledged) → 已到场 (on_site) → 已处置 (closed); a false alarm is withdrawn
with a reason (cancelled). While nobody has acknowledged, the alert climbs its escalation chain
(`escalate`, by the sweep only): each level is reached after its minutes have passed since the alert
was raised, and notifies the responders of that level. The chain is data (AlertChainStep rows per
community, DEFAULT_CHAIN otherwise) copied onto the alert when it is raised, so a later edit of the
chain never changes the timing of an alert already running.
"""
from __future__ import annotations

from civicgrid.core import roles as R
from civicgrid.core.workflow import SYSTEM, Deadline, Transition, Workflow

CARE_HELPER = "care_helper"        # 助老员 (community): daily calls, weekly home calls
SOCIAL_WORKER = "social_worker"    # 社工 (community or street): monthly visits, assessments
CARE_VOLUNTEER = "care_volunteer"  # 志愿者 (community): a neighbour volunteer on the duty chain
# Seats that see only the people they are assigned to (a rhythm or the duty chain), not their whole node.
ASSIGNED_ROLES = (CARE_HELPER, SOCIAL_WORKER, CARE_VOLUNTEER)
TERRITORIAL = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN)
RESPONDERS = (*ASSIGNED_ROLES, R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER)
RAISERS = (*ASSIGNED_ROLES, R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.HOTLINE_OPERATOR)
SUPERVISORS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER)

OPEN, ACKNOWLEDGED, ON_SITE, CLOSED, CANCELLED = "open", "acknowledged", "on_site", "closed", "cancelled"
STATE_LABELS = {OPEN: "待响应", ACKNOWLEDGED: "已响应", ON_SITE: "已到场", CLOSED: "已处置", CANCELLED: "误报撤销"}
TERMINAL = frozenset({CLOSED, CANCELLED})
ACTION_LABELS = {"raise": "发起求助", "escalate": "逐级上报", "acknowledge": "响应", "arrive": "到场",
                 "close": "处置完毕", "cancel": "误报撤销"}

T = Transition
TRANSITIONS = (
    T("", "raise", OPEN, (*RAISERS, SYSTEM)),
    T(OPEN, "escalate", OPEN, (SYSTEM,), condition="has_next_level"),
    T(OPEN, "acknowledge", ACKNOWLEDGED, RESPONDERS, forward=True),
    T(OPEN, "arrive", ON_SITE, RESPONDERS),
    T(ACKNOWLEDGED, "arrive", ON_SITE, RESPONDERS, forward=True),
    T(ACKNOWLEDGED, "close", CLOSED, RESPONDERS, requires=("outcome",)),
    T(ON_SITE, "close", CLOSED, RESPONDERS, requires=("outcome",), forward=True),
    T(OPEN, "cancel", CANCELLED, SUPERVISORS, needs_note=True),
    T(ACKNOWLEDGED, "cancel", CANCELLED, SUPERVISORS, needs_note=True),
)

# The acknowledge clock is the chain's (minutes, per alert: services.AlertMachine.step_deadline);
# a responder who acknowledged should be at the door within half an hour.
STEP_OF_STATE = {OPEN: "acknowledge", ACKNOWLEDGED: "arrive", ON_SITE: None}
ARRIVE_MINUTES = 30
DEADLINES = {"acknowledge": Deadline(5 / 1440, "days"), "arrive": Deadline(ARRIVE_MINUTES / 1440, "days")}

CONDITIONS = {"has_next_level": lambda a: a.level + 1 < len(a.chain or ())}

WORKFLOW = Workflow(
    name="care_alert", noun="求助", states=STATE_LABELS, terminal=TERMINAL, actions=ACTION_LABELS,
    transitions=TRANSITIONS, conditions=CONDITIONS, role_labels=R.ROLE_LABELS, step_of_state=STEP_OF_STATE,
    deadlines=DEADLINES,
)

# -- the escalation chain (data) ----------------------------------------------------------------------
FAMILY, NEIGHBOUR, HELPER, COMMUNITY, STREET = "family", "neighbour", "helper", "community", "street"
RESPONDER_KINDS = {FAMILY: "家属", NEIGHBOUR: "邻里志愿者", HELPER: "助老员/责任人", COMMUNITY: "社区", STREET: "街道"}
# (minutes after raising, who is notified). Level 0 is told at once.
DEFAULT_CHAIN = (
    {"after": 0, "kinds": [HELPER, NEIGHBOUR, FAMILY]},
    {"after": 5, "kinds": [COMMUNITY]},
    {"after": 15, "kinds": [STREET]},
)

SOURCES = {"device": "紧急呼叫设备", "call": "来电求助", "missed": "连续未联系上"}
ALERT_KINDS = {"button": "一键呼叫", "fall": "跌倒报警", "health": "健康异常", "no_contact": "联系不上", "other": "其他"}
OUTCOMES = {"safe": "确认安全", "treated": "现场处置", "hospital": "送医", "family": "交家属照护",
            "false_alarm": "误触", "other": "其他"}
