"""The dispute workflow as data, run by the shared engine (core.workflow).

登记 (registered) → 受理 (mediating; or 不予受理) → sessions → 达成协议 (agreed) → follow-ups after 1 and
3 months → 调解成功结案 (resolved). A mediation that fails, or an agreement that is broken, ends in a
referral (诉调对接, 法律援助, 信访, 仲裁) that is tracked until its answer closes the dispute.

Deadlines (人民调解 practice): accept within 2 working days; mediate within 30 days, extendable once.
Tiers, lowest first: the community mediation committee, the street's, the district's joint centre.
A tier-bound ("supervise") step needs a mediator seated at that tier or above.
"""
from __future__ import annotations

from civicgrid.core import roles as R
from civicgrid.core.workflow import SYSTEM, Deadline, Transition, Workflow

__all__ = ["SYSTEM"]

MEDIATOR = "mediator"                  # 人民调解员 (community, street or district seat)
SECURITY_LIAISON = "security_liaison"  # 综治中心 (street or district): receives risk alerts

# -- states ---------------------------------------------------------------------------------------
REGISTERED, NOT_ACCEPTED, MEDIATING, AGREED, RESOLVED, REFERRED, CLOSED_REFERRED = (
    "registered", "not_accepted", "mediating", "agreed", "resolved", "referred", "closed_referred")
STATE_LABELS = {
    REGISTERED: "待受理", NOT_ACCEPTED: "不予受理", MEDIATING: "调解中", AGREED: "已达成协议（回访中）",
    RESOLVED: "调解成功结案", REFERRED: "已转介待答复", CLOSED_REFERRED: "转介办结",
}
TERMINAL = frozenset({NOT_ACCEPTED, RESOLVED, CLOSED_REFERRED})

COMMUNITY, STREET, DISTRICT = "community", "street", "district"
TIER_LABELS = {COMMUNITY: "社区调委会", STREET: "街道调委会", DISTRICT: "区联调中心"}
LEVEL_TIER = {"community": COMMUNITY, "street": STREET, "district": DISTRICT, "city": DISTRICT}

ACTION_LABELS = {
    "register": "登记纠纷", "accept": "受理", "decline": "不予受理", "record_session": "记录调解",
    "agree": "达成协议", "extend": "延长调解期限", "escalate": "提交上级调委会", "follow_up": "协议回访",
    "close": "调解成功结案", "breach": "协议未履行（重新调解）", "refer": "转介", "answer_referral": "登记转介答复",
    "assess_risk": "风险评估",
}

STAFF = (MEDIATOR, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
REGISTRARS = (MEDIATOR, R.GRID_WORKER, R.COMMUNITY_STAFF, R.HOTLINE_OPERATOR, R.STREET_DISPATCHER,
              R.DISTRICT_COMMANDER, SYSTEM)

T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    T("", "register", REGISTERED, REGISTRARS),
    T(REGISTERED, "accept", MEDIATING, (MEDIATOR,), supervise=True),
    T(REGISTERED, "decline", NOT_ACCEPTED, (MEDIATOR,), needs_note=True, supervise=True),
    T(REGISTERED, "assess_risk", REGISTERED, STAFF, requires=("risk",)),
    T(MEDIATING, "assess_risk", MEDIATING, STAFF, requires=("risk",)),
    T(MEDIATING, "record_session", MEDIATING, (MEDIATOR,), requires=("session",)),
    T(MEDIATING, "agree", AGREED, (MEDIATOR,), requires=("text",)),
    T(MEDIATING, "extend", MEDIATING, (MEDIATOR,), condition="not_extended", needs_note=True, supervise=True),
    T(REGISTERED, "escalate", REGISTERED, (MEDIATOR, SYSTEM), condition="below_district", supervise=True),
    T(MEDIATING, "escalate", MEDIATING, (MEDIATOR, SYSTEM), condition="below_district", needs_note=True,
      supervise=True),
    T(AGREED, "follow_up", AGREED, (MEDIATOR, R.GRID_WORKER, R.COMMUNITY_STAFF), requires=("kept",)),
    T(AGREED, "close", RESOLVED, (MEDIATOR,), condition="followups_kept", supervise=True),
    T(AGREED, "breach", MEDIATING, (MEDIATOR,), needs_note=True),
    T(MEDIATING, "refer", REFERRED, (MEDIATOR,), needs_note=True, supervise=True, requires=("channel",)),
    T(AGREED, "refer", REFERRED, (MEDIATOR,), needs_note=True, supervise=True, requires=("channel",)),
    T(REFERRED, "answer_referral", CLOSED_REFERRED, (MEDIATOR, R.COMMUNITY_STAFF, R.STREET_DISPATCHER),
      requires=("answer",)),
)

STEP_OF_STATE = {REGISTERED: "accept", MEDIATING: "mediate", AGREED: None, REFERRED: "answer"}
DEADLINES = {
    "accept": Deadline(2, "working_days"),
    "mediate": Deadline(30, "days"),
    "answer": Deadline(30, "days"),  # chase the receiving body when it has not answered in a month
}
EXTENSION_DAYS = 30
# Not accepted in time at the community → the street committee takes it up; a mediation that runs
# past its time at the community or street goes up one tier.
SWEEP_ESCALATES = frozenset({(REGISTERED, COMMUNITY), (MEDIATING, COMMUNITY), (MEDIATING, STREET)})

CONDITIONS = {
    "below_district": lambda d: d.tier != DISTRICT,
    "not_extended": lambda d: d.extension_count == 0,
    "followups_kept": lambda d: d.followups_complete_and_kept(),
}


WORKFLOW = Workflow(
    name="dispute", noun="纠纷", states=STATE_LABELS, terminal=TERMINAL, actions=ACTION_LABELS,
    transitions=TRANSITIONS, conditions=CONDITIONS, role_labels=R.ROLE_LABELS, tiers=TIER_LABELS,
    supervisor_of_tier={}, step_of_state=STEP_OF_STATE, deadlines=DEADLINES, sweep_escalates=SWEEP_ESCALATES,
)

# -- risk escalation as data ------------------------------------------------------------------------
# Each rule: (code, label, predicate on (level, flags), whom to alert). The first that holds fires;
# a dispute alerts once per rule (RiskAlert is unique per dispute and rule).
RISK_LEVELS = {"low": "低", "medium": "中", "high": "高", "critical": "极高"}
RISK_FLAGS = {
    "violence": "有暴力倾向或扬言伤人", "mass": "可能引发群体性事件", "extreme": "有极端言行",
    "repeat": "反复发生", "petition": "可能越级上访",
}
RISK_RULES = (
    ("violence", "存在民转刑风险（暴力）", lambda level, flags: "violence" in flags or "extreme" in flags,
     ("security_centre", "police")),
    ("mass", "可能引发群体性事件", lambda level, flags: "mass" in flags, ("security_centre", "police")),
    ("critical", "风险等级极高", lambda level, flags: level == "critical", ("security_centre", "police")),
    ("high", "风险等级高", lambda level, flags: level == "high", ("security_centre",)),
)
ALERT_TARGETS = {"security_centre": "综治中心", "police": "公安派出所"}


def matching_rules(level: str, flags) -> list[tuple]:
    flags = set(flags or ())
    return [r for r in RISK_RULES if r[2](level, flags)]
