"""An application's way from the window to the result, as data run by the shared engine (core.workflow).

一口受理 at the window (community service station or street centre) → 审核 (review) at the item's review
level → 审批/决定 by the item's department unit → 送达 (delivery, with the applicant's signature).

Missing documents put the application in 待补正 with a one-time notice (一次性告知); a reviewer or the
department may also return it for correction. 补正 stops the clock (step_of_state is None); when the
documents come in, the step resumes with the working time it had left (services.AffairsMachine).

Time limits are per item version (working days per step; catalogue.ItemVersion.limits), so the
deadlines below are only the fallbacks the engine requires. A step that runs late is supervised
(督办): the sweep records an `supervise` event and tells the level above (services.AffairsMachine).
"""
from __future__ import annotations

from civicgrid.core import roles as R
from civicgrid.core.workflow import SYSTEM, Deadline, Transition, Workflow

__all__ = ["SYSTEM"]

CLERK = "affairs_clerk"        # 受理窗口人员 (community service station or street centre)
REVIEWER = "affairs_reviewer"  # 审核人员 (street centre, or the community for items reviewed there)
DECIDER = R.DEPARTMENT_HANDLER  # the department unit the item is routed to decides

COMMUNITY, STREET, DISTRICT = "community", "street", "district"
LEVEL_LABELS = {COMMUNITY: "社区", STREET: "街道", DISTRICT: "区"}
TIER_LABELS = {COMMUNITY: "社区事务受理服务中心（站）", STREET: "街道社区事务受理服务中心", DISTRICT: "区职能部门"}

CORRECTION, REVIEW, DECIDE, DELIVER, DELIVERED, REJECTED, WITHDRAWN = (
    "correction", "review", "decide", "deliver", "delivered", "rejected", "withdrawn")
STATE_LABELS = {
    CORRECTION: "待补正", REVIEW: "审核中", DECIDE: "审批中", DELIVER: "待送达",
    DELIVERED: "已办结", REJECTED: "不予批准", WITHDRAWN: "已撤回",
}
TERMINAL = frozenset({DELIVERED, REJECTED, WITHDRAWN})
# What the applicant reads on the phone page for each state.
PUBLIC_STATE = {
    CORRECTION: "请按一次性告知书补齐材料", REVIEW: "正在审核", DECIDE: "部门审批中", DELIVER: "已批准，结果待领取/寄送",
    DELIVERED: "已办结", REJECTED: "不予批准", WITHDRAWN: "已撤回",
}

ACTION_LABELS = {
    "accept": "受理", "accept_incomplete": "收件并一次性告知补正", "supplement": "补正材料", "return": "退回补正",
    "pass_review": "审核通过", "reject": "不予批准", "approve": "批准", "deliver": "送达", "withdraw": "撤回申请",
    "supervise": "超时督办",
}
CLERKS = (CLERK,)
REVIEWERS = (REVIEWER,)

T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    T("", "accept", REVIEW, CLERKS),
    T("", "accept_incomplete", CORRECTION, CLERKS),
    # The documents come in: back to the step that asked for them.
    T(CORRECTION, "supplement", DECIDE, CLERKS, condition="paused_at_decide", forward=True),
    T(CORRECTION, "supplement", REVIEW, CLERKS, forward=True),
    T(CORRECTION, "withdraw", WITHDRAWN, CLERKS, needs_note=True),
    T(REVIEW, "pass_review", DECIDE, REVIEWERS, supervise=True, forward=True),
    T(REVIEW, "return", CORRECTION, REVIEWERS, needs_note=True, supervise=True, requires=("missing",)),
    T(REVIEW, "reject", REJECTED, REVIEWERS, needs_note=True, supervise=True, requires=("legal_basis",)),
    T(DECIDE, "approve", DELIVER, (DECIDER,), forward=True),
    T(DECIDE, "return", CORRECTION, (DECIDER,), needs_note=True, requires=("missing",)),
    T(DECIDE, "reject", REJECTED, (DECIDER,), needs_note=True, requires=("legal_basis",)),
    T(DELIVER, "deliver", DELIVERED, CLERKS, requires=("method", "signed_by"), forward=True),
    T(REVIEW, "supervise", REVIEW, (SYSTEM,)),
    T(DECIDE, "supervise", DECIDE, (SYSTEM,)),
    T(DELIVER, "supervise", DELIVER, (SYSTEM,)),
)

STEP_OF_STATE = {CORRECTION: None, REVIEW: "review", DECIDE: "decide", DELIVER: "deliver"}
STEP_LABELS = {"review": "审核", "decide": "审批", "deliver": "送达"}
# Fallbacks only: every item version declares its own working-day limits.
DEADLINES = {"review": Deadline(5, "working_days"), "decide": Deadline(10, "working_days"),
             "deliver": Deadline(3, "working_days")}

CONDITIONS = {"paused_at_decide": lambda a: a.paused_step == "decide"}

WORKFLOW = Workflow(
    name="application", noun="申请", states=STATE_LABELS, terminal=TERMINAL, actions=ACTION_LABELS,
    transitions=TRANSITIONS, conditions=CONDITIONS, role_labels=R.ROLE_LABELS, tiers=TIER_LABELS,
    supervisor_of_tier={}, step_of_state=STEP_OF_STATE, deadlines=DEADLINES,
)

# -- 好差评 (the national five-grade scale) ------------------------------------------------------------
RATING_CHOICES = [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]
POOR = frozenset({1, 2})
# A poor rating is verified and answered (整改反馈) by the centre within this many working days.
ANSWER_DAYS = 5

# Who works with applications at all (least privilege: they carry applicants' personal data). A seat
# of another role over the same community sees none of them.
VIEWERS = (CLERK, REVIEWER, DECIDER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN)
ACTORS = (CLERK, REVIEWER, DECIDER)
