"""What resident self-governance and co-governance evaluation contribute to the whole: see core/manifest.py."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (PUBLIC, ROLES, SCOPED, STAFF, AppManifest, Kpi, NavEntry, Periodic,
                                     PersonalField, Route, Seeder, Tile, UrlInclude)

from . import workflow as W

K = "civicgrid.selfgov.report."
M = "civicgrid.selfgov.matrix."
DESK_ROLES = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN)
REFUSAL = "居民自治工作台需要以下角色之一"
DESK = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.DEPARTMENT_HANDLER, R.SYSTEM_ADMIN)

MANIFEST = AppManifest(
    app="selfgov",
    urls=(UrlInclude("selfgov/", "civicgrid.selfgov.urls"),),
    api_routers=("civicgrid.selfgov.api.router",),
    api_prefix="selfgov",
    nav=(NavEntry("居民自治", "selfgov:home", roles=DESK, badge="civicgrid.selfgov.selectors.nav_badges",
                  css="selfgov-nav", order=40),),
    tiles=(
        Tile((R.COMMUNITY_STAFF,), "居民议事", "selfgov:home", "议题联署、会议、决议、执行反馈", order=40),
        Tile((R.COMMUNITY_STAFF,), "居务公开", "selfgov:board", "一事一公开、一月一公开", order=41),
        Tile((R.COMMUNITY_STAFF, R.DEPARTMENT_HANDLER), "准入清单", "selfgov:tasks", "权随责走、费随事转", order=42),
        Tile((R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.COMMUNITY_STAFF), "共治考评", "selfgov:evaluation",
             "驻区单位满意率、网格半年考评", order=43),
    ),
    periodic=(Periodic("civicgrid.selfgov.tasks.sweep_deadlines", dt.timedelta(hours=1)),),
    audit_subjects={"proposal": "居民议题", "selfgov": "居民自治"},
    audit_verbs={**W.ACTION_LABELS, "overdue": "超期", "meeting_call": "召集会议", "meeting_hold": "记录会议",
                 "resolution": "记录决议", "poll_open": "发起投票", "open_ballot": "记名表决",
                 "publish": "居务公开", "task_refused": "清单外事项不予承接", "task_accepted": "承接清单事项",
                 "fund": "随事经费登记", "seal": "用印登记", "period": "设定考评周期", "review": "网格半年考评",
                 "third_party_import": "导入第三方测评"},
    personal_data=(
        PersonalField("selfgov.Proposal", "body", "free_text"),
        PersonalField("selfgov.Meeting", "minutes", "free_text"),
        PersonalField("selfgov.HearingStatement", "view", "free_text"),
        PersonalField("selfgov.Proposal", "result", "free_text"),
    ),
    kpis=(
        Kpi("selfgov.proposals", "居民议题", "本期居民、代表提出的议题数", K + "kpi_proposals", order=70),
        Kpi("selfgov.on_time", "决定按期执行率", "本期反馈的议题中按决定期限完成的比例", K + "kpi_executed_on_time",
            unit="%", order=71),
        Kpi("selfgov.disclosure", "月度公开及时率", "本期各月月度公开在次月10日前发布的比例", K + "kpi_disclosure_timely",
            unit="%", order=72),
        Kpi("selfgov.satisfaction", "驻区单位满意率", "本期测评中评4–5分的比例", K + "kpi_unit_satisfaction",
            unit="%", order=73),
    ),
    routes=(
        Route("selfgov:home", STAFF, note="selectors.* → visible_to"),
        Route("selfgov:proposal", SCOPED, roles=DESK_ROLES, args=M + "proposal_args", role_refusal=REFUSAL),
        Route("selfgov:meeting_new", STAFF, note="communities(user) only; call_meeting refuses other roles"),
        Route("selfgov:meeting", SCOPED, roles=DESK_ROLES, args=M + "meeting_args", role_refusal=REFUSAL),
        Route("selfgov:poll_publish", SCOPED, roles=DESK_ROLES, args=M + "poll_args", method="POST",
              role_refusal=REFUSAL),
        Route("selfgov:board", STAFF, note="board(user) → visible_to; publish refuses outside scope"),
        Route("selfgov:tasks", STAFF, note="tasks(user) → visible_to; request_task needs a department seat"),
        Route("selfgov:task", SCOPED, roles=DESK_ROLES + (R.DEPARTMENT_HANDLER,), args=M + "task_args",
              role_refusal=REFUSAL),
        Route("selfgov:evaluation", STAFF, note="periods/reviews through visible_to; review needs a district seat"),
        Route("selfgov:board_public", PUBLIC, args=M + "community_args", note="the community's published board"),
        Route("selfgov:r_home", PUBLIC, args=M + "community_args", note="SMS to the registered phone"),
        Route("selfgov:r_propose", PUBLIC, args=M + "community_args", method="POST",
              note="refused without a verified registered resident"),
        Route("selfgov:r_support", PUBLIC, args=M + "proposal_public_args", method="POST"),
        Route("selfgov:r_register", PUBLIC, args=M + "meeting_public_args", method="POST"),
        Route("selfgov:r_vote", PUBLIC, args=M + "poll_public_args"),
        Route("selfgov:r_rate", PUBLIC, args=M + "community_args", note="rating needs a verified resident"),
        Route("GET /api/v1/selfgov/proposals", STAFF, note="visible_to"),
        Route("GET /api/v1/selfgov/proposals/{number}", SCOPED, roles=DESK_ROLES, args=M + "proposal_args",
              role_refusal="forbidden"),
        Route("GET /api/v1/selfgov/board/{code}", STAFF, args=M + "community_args", note="the board is public"),
        Route("POST /api/v1/selfgov/tasks", STAFF, method="POST",
              note="request_task refuses non-department roles (403) and off-list tasks (403 selfgov.not_on_admission_list)"),
        Route("GET /api/v1/selfgov/evaluation/{pk}/rates", STAFF, args=M + "period_args",
              note="published rates of the user's own district (selectors.periods)"),
    ),
    matrix_objects=M + "objects",
    seeders=(Seeder("演示居民自治（议题、会议、投票、居务公开、准入清单、共治考评）", "civicgrid.selfgov.demo.run", order=60),),
)
