"""What dispute mediation (矛盾纠纷排查化解) contributes to the whole: see core/manifest.py.

Everything the rest of the system knows about this app is here: its two roles, navigation, landing
tiles, URL conf and API router, the deadline sweep, audit labels, the parties' personal-data fields,
the monthly report's figures as command-centre KPIs, the jurisdiction-matrix entries, demo data.
"""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (ROLES, SCOPED, STAFF, AppManifest, Kpi, NavEntry, Periodic, PersonalField,
                                     RoleDef, Route, Seeder, Tile, UrlInclude)

from civicgrid.people.capabilities import REGISTER_REFUSAL, REGISTER_ROLES

from . import workflow as W

K = "civicgrid.mediation.report."
M = "civicgrid.mediation.matrix."
WORKERS = (W.MEDIATOR, R.COMMUNITY_STAFF, R.GRID_WORKER, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER,
           R.HOTLINE_OPERATOR, W.SECURITY_LIAISON, R.SYSTEM_ADMIN)
REGISTRARS = tuple(r for r in W.REGISTRARS if r != W.SYSTEM)
STREET_LEVEL = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DEPARTMENT_HANDLER)
REPORTERS = (W.MEDIATOR, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, W.SECURITY_LIAISON,
             R.SYSTEM_ADMIN)

MANIFEST = AppManifest(
    app="mediation",
    roles=(
        RoleDef(W.MEDIATOR, "人民调解员", frozenset({"community", "street", "district"}),
                capabilities=frozenset({"reveal"})),
        RoleDef(W.SECURITY_LIAISON, "综治中心", frozenset({"street", "district"})),
    ),
    urls=(UrlInclude("mediation/", "civicgrid.mediation.urls"),),
    api_routers=("civicgrid.mediation.api.router",),
    api_prefix="mediation",
    nav=(NavEntry("矛盾调解", "mediation:worklist", roles=WORKERS, badge="civicgrid.mediation.selectors.nav_badges",
                  css="mediation-nav", order=30),),
    tiles=(
        Tile((W.MEDIATOR, R.COMMUNITY_STAFF), "登记纠纷", "mediation:new", "来访、热线、排查发现，手机登记", order=30),
        Tile(WORKERS, "矛盾调解", "mediation:worklist", "受理、调解、协议、回访、转介", order=31),
        Tile((R.GRID_WORKER, R.COMMUNITY_STAFF, W.MEDIATOR), "每周排查", "mediation:screening",
             "每周排查登记，未发现也要报", order=32),
        Tile(REPORTERS, "排查月报", "mediation:report", "发现、调解、成功率、转介、风险纠纷", order=33),
    ),
    periodic=(Periodic("civicgrid.mediation.tasks.sweep_deadlines", dt.timedelta(minutes=15)),),
    audit_subjects={"dispute": "矛盾纠纷"},
    audit_verbs={**{a: label for a, label in W.ACTION_LABELS.items()}, "overdue": "超期", "risk_alert": "风险预警",
                 "screening": "排查登记", "mediator_save": "调解员登记", "room_save": "调解工作室登记",
                 "reveal_party": "查看当事人明文", "handover": "案件移交调解", "report_export": "导出排查月报"},
    personal_data=(
        PersonalField("mediation.Party", "name", "name", encrypted=True),
        PersonalField("mediation.Party", "phone", "phone", encrypted=True),
        PersonalField("mediation.Party", "id_number", "id_number", encrypted=True),
        PersonalField("mediation.Mediator", "phone", "phone", encrypted=True, anonymise=False),
        PersonalField("mediation.Dispute", "summary", "free_text"),
        PersonalField("mediation.Dispute", "address", "address"),
        PersonalField("mediation.Session", "applicant_statement", "free_text"),
        PersonalField("mediation.Session", "respondent_statement", "free_text"),
        PersonalField("mediation.Agreement", "text", "free_text"),
        PersonalField("mediation.DisputeEvent", "note", "free_text"),
    ),
    kpis=(
        Kpi("mediation.found", "发现矛盾纠纷", "本期登记的矛盾纠纷数（排查、案件移交、来访、热线）", K + "kpi_found", order=60),
        Kpi("mediation.success_rate", "调解成功率", "调解成功数 ÷（调解成功数 + 转介数）", K + "kpi_success_rate",
            unit="%", order=61),
        Kpi("mediation.referrals", "纠纷转介", "本期转诉调对接、法律援助、信访、仲裁的纠纷数", K + "kpi_referrals", order=62),
        Kpi("mediation.risk", "风险纠纷", "本期登记且触发风险预警规则的纠纷数", K + "kpi_risk", order=63),
    ),
    routes=(
        Route("mediation:worklist", STAFF, note="selectors.disputes → visible_to"),
        Route("mediation:new", ROLES, roles=REGISTRARS, refusal="登记纠纷需要以下角色之一"),
        Route("mediation:screening", STAFF, note="lists and coverage only inside the user's scope"),
        Route("mediation:register", STAFF, note="mediators and rooms through visible_to"),
        Route("mediation:handover", STAFF, note="lists only visible dispute cases; handover refuses others"),
        Route("mediation:report", STAFF, note="areas limited to report_areas(user); others 404"),
        # The party picker searches the register: only the seats that use it (people.capabilities).
        Route("mediation:residents", ROLES, roles=tuple(sorted(REGISTER_ROLES)), refusal=REGISTER_REFUSAL[:20],
              note="people.selectors.search_people → visible_to; each search logged"),
        Route("mediation:detail", SCOPED, args=M + "dispute_args"),
        Route("mediation:agreement", SCOPED, args=M + "dispute_args"),
        # Accepting is the mediator's step: every other role is refused in scope with the reason, and
        # the street-level seats get the out-of-scope refusal for street B's dispute.
        Route("mediation:act", SCOPED, roles=(W.MEDIATOR,), args=M + "new_dispute_args", method="POST", data={"action": "accept"},
              role_refusal="需要以下角色之一：人民调解员", outsiders=STREET_LEVEL),
        Route("mediation:reveal", SCOPED, roles=(R.GRID_WORKER, R.COMMUNITY_STAFF, W.MEDIATOR), args=M + "dispute_args",
              method="POST", data={"field": "phone", "reason": "电话约调解时间"},
              role_refusal="查看完整证件号/电话"),
        Route("GET /api/v1/mediation/disputes", STAFF, note="visible_to"),
        Route("POST /api/v1/mediation/disputes", STAFF, method="POST",
              note="the service refuses roles that may not register (403 forbidden, tests/mediation)"),
        Route("GET /api/v1/mediation/disputes/{number}", SCOPED, args=M + "dispute_args"),
        Route("POST /api/v1/mediation/disputes/{number}/act", SCOPED, roles=(W.MEDIATOR,), args=M + "new_dispute_args",
              method="POST", data={"action": "accept"}, role_refusal="forbidden", outsiders=STREET_LEVEL),
        Route("GET /api/v1/mediation/report", STAFF, note="area must be in report_areas(user), else 404"),
    ),
    matrix_objects=M + "objects",
    seeders=(Seeder("演示矛盾纠纷（调解员、工作室、一个季度的纠纷）", "civicgrid.mediation.demo.run", order=50),),
)
