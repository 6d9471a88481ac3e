"""A call (征集公告) as data, run by the shared engine (core.workflow).

草稿 → 征集中 (published: the public page is live, organisations bid until `bid_deadline`) → 评审中
(bids closed; the panel scores) → 已公示结果 (awarded: scores published, contract made). A call may be
withdrawn before the award. The sweep closes bidding when the deadline passes (SYSTEM).
"""
from __future__ import annotations

from civicgrid.core.workflow import SYSTEM, Deadline, Transition, Workflow

PURCHASER = "purchaser"             # 购买服务经办 (street or district)
DEPT_PURCHASER = "dept_purchaser"   # 部门购买服务经办 (a department unit)
REVIEWER = "reviewer"               # 评审专家
BUYERS = (PURCHASER, DEPT_PURCHASER)

DRAFT, PUBLISHED, REVIEWING, AWARDED, CANCELLED = "draft", "published", "reviewing", "awarded", "cancelled"
STATE_LABELS = {DRAFT: "草稿", PUBLISHED: "征集中", REVIEWING: "评审中", AWARDED: "已公示结果", CANCELLED: "已撤销"}
ACTION_LABELS = {"create": "新建项目", "publish": "发布征集公告", "close_bids": "截止投标", "award": "公示评审结果",
                 "cancel": "撤销项目"}

T = Transition
WORKFLOW = Workflow(
    name="call", noun="项目", states=STATE_LABELS, terminal=frozenset({AWARDED, CANCELLED}), actions=ACTION_LABELS,
    transitions=(
        T("", "create", DRAFT, BUYERS),
        T(DRAFT, "publish", PUBLISHED, BUYERS, condition="ready"),
        T(PUBLISHED, "close_bids", REVIEWING, (*BUYERS, SYSTEM), condition="deadline_passed"),
        T(REVIEWING, "award", AWARDED, BUYERS, condition="scores_complete"),
        T(DRAFT, "cancel", CANCELLED, BUYERS, needs_note=True),
        T(PUBLISHED, "cancel", CANCELLED, BUYERS, needs_note=True),
        T(REVIEWING, "cancel", CANCELLED, BUYERS, needs_note=True),
    ),
    conditions={
        "ready": lambda c: c.is_ready(),
        "deadline_passed": lambda c: c.bidding_closed(),
        "scores_complete": lambda c: c.scoring_complete(),
    },
    step_of_state={PUBLISHED: "bidding", REVIEWING: "review"},
    deadlines={"bidding": Deadline(20, "days"), "review": Deadline(10, "working_days")},
)

KINDS = {"service": "政府购买服务项目", "venture": "公益创投"}
FUND_KINDS = {"budget": "财政预算", "lottery": "福彩公益金", "self_gov": "社区自治金", "foundation": "社区基金会"}
ELIGIBILITY = {"catalogue": "推荐目录内的社会组织", "conditions": "符合本项目资格条件的社会组织"}

# The published evaluation guideline: the components and their weights (percent), and the pass mark.
DEFAULT_FORMULA = {"self": 20, "satisfaction": 30, "third_party": 50, "pass_mark": 60}
FORMULA_PARTS = {"self": "自评", "satisfaction": "服务对象满意度", "third_party": "第三方评估"}
