"""What the cases app (the closed loop) contributes: see core/manifest.py."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import SCOPED, STAFF, Route, AppManifest, MediaRule, NavEntry, Periodic, PersonalField, Seeder, Tile, UrlInclude
from civicgrid.core.seeding import command

EVALUATORS = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.COMMUNITY_STAFF, R.SYSTEM_ADMIN)
CASE_READERS = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.HOTLINE_OPERATOR, R.DISTRICT_COMMANDER,
                R.SYSTEM_ADMIN)


def case_number(objs, inside: bool) -> dict:
    return {"number": objs["case_in" if inside else "case_out"].number}

MANIFEST = AppManifest(
    app="cases",
    urls=(UrlInclude("cases/", "civicgrid.cases.urls"),),
    api_routers=("civicgrid.api.routers.categories.router", "civicgrid.api.routers.cases.router"),
    api_prefix="",  # published before the manifest existed: /api/v1/cases, /api/v1/categories
    nav=(
        NavEntry("我的网格", "cases:grid", roles=(R.GRID_WORKER,), order=20),
        NavEntry("案件", "cases:worklist", badge="civicgrid.cases.selectors.nav_badges", css="cases-nav", order=21),
        NavEntry("考核评价", "cases:evaluation", roles=EVALUATORS, order=22),
    ),
    tiles=(
        Tile((R.GRID_WORKER,), "我的网格", "cases:grid", "本网格在办案件、上报问题、现场核查", order=10),
        Tile((R.GRID_WORKER, R.COMMUNITY_STAFF, R.HOTLINE_OPERATOR), "上报问题", "cases:report", "拍照定位，一键上报",
             order=11),
        Tile((R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DEPARTMENT_HANDLER, R.DISTRICT_COMMANDER, R.HOTLINE_OPERATOR,
              R.SYSTEM_ADMIN), "案件工作台", "cases:worklist", "待办案件，超期与预警优先", order=12),
        Tile(EVALUATORS, "考核评价", "cases:evaluation", "立案率、结案率、按期结案率、返工率……", order=13),
    ),
    periodic=(Periodic("civicgrid.cases.tasks.sweep_deadlines", dt.timedelta(minutes=5)),
              Periodic("civicgrid.cases.tasks.prepare_serials", dt.timedelta(hours=1)),
              Periodic("civicgrid.cases.tasks.prepare_partitions", dt.timedelta(hours=6))),
    media=(MediaRule("cases/", "civicgrid.cases.media.staff_may_see"),),
    audit_subjects={"case": "案件", "category": "案件类别"},
    audit_verbs={
        "reveal_requester": "查看诉求人明文", "intake": "受理上报", "take": "社区受理", "file": "立案",
        "not_file": "不予立案", "dispatch": "派遣", "reroute": "改派", "return": "退回",
        "request_extension": "申请延期", "approve_extension": "批准延期", "refuse_extension": "驳回延期",
        "handle": "处置反馈", "verify_pass": "核查通过", "verify_fail": "核查不通过", "close": "结案",
        "suspend": "挂账", "resume": "恢复办理", "escalate": "上报上级", "merge": "合并", "overdue": "超期",
        "review_due": "挂账到期", "category_save": "类别维护", "reopen": "重新办理",
    },
    personal_data=(
        PersonalField("cases.Case", "requester_name", "name"),
        PersonalField("cases.Case", "requester_phone", "phone", encrypted=True),
        PersonalField("cases.Case", "description", "free_text"),
        PersonalField("cases.Case", "description_private", "free_text", encrypted=True),
        PersonalField("cases.Case", "address", "address"),
        PersonalField("cases.Case", "address_private", "address", encrypted=True),
        PersonalField("cases.CaseEvent", "note", "free_text"),
    ),
    seeders=(Seeder("演示案件（一个季度的闭环办理）", command("seed-cases"), order=40),),
    routes=(
        Route("cases:worklist", STAFF),
        Route("cases:export", STAFF),
        Route("cases:grid", STAFF),
        Route("cases:report", STAFF),
        # Open to every seat (each sees its own area's figures); the nav shows it to evaluators only.
        Route("cases:evaluation", STAFF),
        Route("cases:detail", SCOPED, roles=CASE_READERS, args=case_number),
        # A stale version (cases start at 1): every in-scope role reaches the view and gets the
        # conflict answer, whatever other routes of the walk did to the case before; scope is checked
        # before the version, so out-of-scope roles still get the scope refusal.
        Route("cases:act", SCOPED, roles=CASE_READERS, args=case_number, method="POST",
              data={"action": "file", "note": "越权", "version": 0}),
        Route("cases:reveal", SCOPED, roles=CASE_READERS, args=case_number, method="POST",
              data={"reason": "核实诉求人身份"}),
        # The API (api/routers/cases.py, categories.py): scope is the same rule; errors are codes.
        Route("GET /api/v1/categories", STAFF),
        Route("GET /api/v1/categories/{code}", STAFF, args=lambda o, inside: {"code": "09006"}),
        Route("POST /api/v1/cases", STAFF, note="intake checks the reporter's seat against the place"),
        Route("GET /api/v1/cases", STAFF),
        Route("GET /api/v1/cases/{number}", SCOPED, roles=CASE_READERS, args=case_number, refusal="not_found"),
        Route("POST /api/v1/cases/{number}/actions", SCOPED, roles=(R.STREET_DISPATCHER, R.DISTRICT_COMMANDER), args=case_number, method="POST",
              data={"action": "file", "note": "越权"}, refusal="not_found"),
    ),
    matrix_objects="civicgrid.cases.matrix.objects",
)
