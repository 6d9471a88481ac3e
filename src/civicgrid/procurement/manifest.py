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
    routes=(),
    seeders=(Seeder("演示购买服务（资金、两个项目、投标、评分、合同、节点、付款）", "civicgrid.procurement.demo.run",
                    order=61),),
)
