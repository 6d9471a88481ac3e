"""What government purchase of services contributes to the whole (core/manifest.py)."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (PUBLIC, ROLES, SCOPED, STAFF, AppManifest, Kpi, MediaRule, NavEntry, Periodic,
                                     RoleDef, Route, Seeder, Tile, UrlInclude)

from . import workflow as W

K = "civicgrid.procurement.kpis."
M = "civicgrid.procurement.matrix."
STAFF_ROLES = (W.PURCHASER, W.DEPT_PURCHASER, R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.SYSTEM_ADMIN,
               "org_registrar")

# Who reaches street A's call in the matrix: the buying staff seated at street A or above. A department
# purchaser is refused another unit's call ("不在您的管辖范围内"), every other role by its role.
CALL_READERS = (W.PURCHASER, R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.SYSTEM_ADMIN, "org_registrar")
REFUSED = "需要以下角色之一|不在您的管辖范围内"
SCOPE = "不在您的管辖范围内"
READERS_NOTE = "STAFF_ROLES may open calls in their jurisdiction; a department unit only its own"

MANIFEST = AppManifest(
    app="procurement",
    roles=(
        RoleDef(W.PURCHASER, "购买服务经办", frozenset({"street", "district"})),
        RoleDef(W.DEPT_PURCHASER, "部门购买服务经办", department=True),
        RoleDef(W.REVIEWER, "评审专家", frozenset({"street", "district"})),
    ),
    urls=(UrlInclude("procurement/", "civicgrid.procurement.urls"),),
    api_routers=("civicgrid.procurement.api.router",),
    api_prefix="procurement",
    nav=(NavEntry("购买服务", "procurement:index", roles=STAFF_ROLES, css="procurement-nav", order=42),
         NavEntry("评审", "procurement:panel", roles=(W.REVIEWER,), css="panel-nav", order=43),
         NavEntry("公益项目公告", "procurement:public_list", anonymous=True, order=90)),
    tiles=(
        Tile((W.PURCHASER, W.DEPT_PURCHASER), "购买服务项目", "procurement:index", "发布、评审、合同、评估、付款", order=43),
        Tile((W.PURCHASER, W.DEPT_PURCHASER), "资金台账", "procurement:ledger", "按资金来源、按合同对账", order=44),
        Tile((W.REVIEWER,), "评审打分", "procurement:panel", "独立评分、利益冲突声明", order=45),
    ),
    periodic=(Periodic("civicgrid.procurement.tasks.close_due_calls", dt.timedelta(minutes=15)),),
    media=(MediaRule("procurement/", "civicgrid.procurement.selectors.may_read_file"),),
    audit_subjects={"call": "购买服务项目", "bid": "投标", "panel": "评审", "milestone": "合同节点",
                    "payment": "付款", "fund": "资金来源"},
    audit_verbs={**{a: label for a, label in W.ACTION_LABELS.items() if a != "create"},
                 "panel_appoint": "组建评审小组", "bid_submit": "提交投标", "declare_conflict": "声明利益冲突",
                 "score_bid": "评分", "score_submit": "提交评分", "milestone_report": "提交节点报告",
                 "evaluate_milestone": "绩效评估", "release": "付款"},
    kpis=(
        Kpi("procurement.purchased", "购买服务金额", "本期签订的购买服务合同金额（元）", K + "purchased", order=73),
        Kpi("procurement.lottery", "福彩公益金购买服务", "本期以福彩公益金签订的合同金额（元）", K + "purchased_lottery", order=74),
        Kpi("procurement.self_gov", "社区自治金购买服务", "本期以社区自治金签订的合同金额（元）", K + "purchased_self_gov",
            order=75),
        Kpi("procurement.on_time", "合同节点按时完成率", "本期到期节点中按时提交报告的比例", K + "on_time_milestones", unit="%",
            order=76),
        Kpi("procurement.evaluation", "绩效评估平均分", "本期绩效评估综合得分的平均值", K + "evaluation_score", order=77),
    ),
    routes=(
        Route("procurement:index", STAFF, note="selectors.calls → visible_to (a unit sees its own calls)"),
        Route("procurement:new", ROLES, roles=W.BUYERS, refusal="需要以下角色之一"),
        Route("procurement:ledger", STAFF, note="funds through visible_to"),
        Route("procurement:fund_new", ROLES, roles=W.BUYERS, method="POST", refusal="需要以下角色之一"),
        Route("procurement:panel", STAFF, note="only calls with the user's own panel seat"),
        Route("procurement:public_list", PUBLIC),
        Route("procurement:public_call", PUBLIC, args=M + "call_args"),
        Route("procurement:bid", STAFF, args=M + "call_args", note="bids only for the user's own organisations"),
        Route("procurement:detail", SCOPED, roles=CALL_READERS, args=M + "call_args", role_refusal=REFUSED,
              refusal=SCOPE, note=READERS_NOTE),
        Route("procurement:act", SCOPED, roles=(W.PURCHASER,), args=M + "call_args", method="POST",
              data={"action": "publish"}, role_refusal=REFUSED, refusal=SCOPE),
        Route("procurement:score", SCOPED, roles=(W.REVIEWER,), args=M + "call_args", role_refusal="需要以下角色之一",
              refusal="不是该项目的评审专家", outsiders=(W.REVIEWER,)),
        Route("procurement:contract", SCOPED, roles=(*CALL_READERS, "org_contact"), args=M + "contract_args",
              role_refusal=REFUSED, refusal=REFUSED, note="staff in scope, or the contracted organisation's accounts"),
        Route("procurement:milestone_act", SCOPED, roles=(W.PURCHASER,), args=M + "milestone_args", method="POST",
              data={"action": "pay"}, role_refusal=REFUSED, refusal=REFUSED,
              note="pay is refused by the service without an accepted evaluation (tests/procurement)"),
        Route("GET /api/v1/procurement/calls", ROLES, roles=STAFF_ROLES, refusal="forbidden"),
        Route("GET /api/v1/procurement/calls/{number}", SCOPED, roles=CALL_READERS, args=M + "call_args",
              role_refusal="forbidden", refusal="forbidden"),
        Route("GET /api/v1/procurement/panel/{number}/scores", SCOPED, roles=(W.REVIEWER,), args=M + "call_args",
              role_refusal="forbidden", refusal="forbidden", outsiders=(W.REVIEWER,)),
        Route("GET /api/v1/procurement/my/bids", STAFF, note="the user's own organisations only"),
        Route("GET /api/v1/procurement/my/contracts", STAFF, note="the user's own organisations only"),
        Route("GET /api/v1/procurement/funds/{pk}/reconciliation", SCOPED, roles=CALL_READERS, args=M + "fund_args",
              role_refusal="forbidden", refusal="forbidden"),
    ),
    matrix_objects=M + "objects",
    seeders=(Seeder("演示购买服务（资金、两个项目、投标、评分、合同、节点、付款）", "civicgrid.procurement.demo.run",
                    order=61),),
)
