"""What one-stop public affairs (一门式) contributes to the whole: see core/manifest.py.

Two roles (the window clerk, the reviewer; the department's decision is the existing department
handler's, scoped to the unit an application is routed to), navigation, tiles, the URL confs (staff
pages at /affairs/, the applicant's phone pages at /r/affairs/), the API router, the deadline sweep,
audit labels, the applicants' personal-data fields, scans served only to staff who see the
application, KPIs, the jurisdiction-matrix entries and the demo seeder.
"""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (PUBLIC, ROLES, SCOPED, STAFF, AppManifest, Kpi, MediaRule, NavEntry, Periodic,
                                     PersonalField, RoleDef, Route, Seeder, Tile, UrlInclude)

from . import workflow as W

K = "civicgrid.affairs.report."
M = "civicgrid.affairs.matrix."
WORKERS = (W.CLERK, W.REVIEWER, W.DECIDER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER,
           R.SYSTEM_ADMIN)
VIEWERS = W.VIEWERS
_own_verbs = {a: label for a, label in W.ACTION_LABELS.items() if a not in ("accept", "return")}

MANIFEST = AppManifest(
    app="affairs",
    roles=(
        # No personal-data capabilities: they would open other apps' data (a dispute's parties, the
        # register) to these seats. Revealing an applicant's data is this app's rule (services.REVEALERS).
        RoleDef(W.CLERK, "受理窗口人员", frozenset({"community", "street"})),
        RoleDef(W.REVIEWER, "事务审核人员", frozenset({"community", "street", "district"})),
    ),
    urls=(UrlInclude("affairs/", "civicgrid.affairs.urls"), UrlInclude("r/affairs/", "civicgrid.affairs.resident_urls")),
    api_routers=("civicgrid.affairs.api.router",),
    api_prefix="affairs",
    nav=(NavEntry("一门式", "affairs:home", roles=WORKERS, badge="civicgrid.affairs.selectors.nav_badges",
                  css="affairs-nav", order=35),),
    tiles=(
        Tile((W.CLERK,), "一口受理", "affairs:accept", "找居民、选事项、预填、收材料、打回执", order=35),
        Tile((W.CLERK,), "窗口叫号", "affairs:queue", "今日预约、现场取号、叫号、等候时间", order=35),
        Tile(WORKERS, "一门式办件", "affairs:home", "窗口待办、审核、部门审批、超期督办", order=36),
        Tile(WORKERS, "事项目录", "affairs:catalogue", "材料清单、表单、时限、收费，按版本", order=37),
        Tile(WORKERS, "办件统计与好差评", "affairs:stats", "各事项办件量、用时、按时率、满意率", order=38),
    ),
    periodic=(Periodic("civicgrid.affairs.tasks.sweep_deadlines", dt.timedelta(minutes=15)),),
    media=(MediaRule("affairs/", "civicgrid.affairs.views.media_allowed"),),
    audit_subjects={"application": "办件", "affairs": "一门式"},
    audit_verbs={**_own_verbs, "publish": "发布事项版本", "prefill": "信息库预填申请表", "rate": "好差评",
                 "rating_answer": "差评整改反馈", "rating_late": "差评超期未反馈", "print_notice": "打印一次性告知书",
                 "print_receipt": "打印受理回执", "window_save": "设置受理窗口", "book": "窗口预约"},
    personal_data=(
        PersonalField("affairs.Application", "applicant_name", "name", encrypted=True),
        PersonalField("affairs.Application", "phone", "phone", encrypted=True),
        PersonalField("affairs.Application", "id_number", "id_number", encrypted=True),
        PersonalField("affairs.Application", "form_data", "free_text", encrypted=True),
        PersonalField("affairs.Application", "signed_by", "name", encrypted=True),
        PersonalField("affairs.Application", "reject_reason", "free_text"),
        PersonalField("affairs.Rating", "comment", "free_text", encrypted=True),
        PersonalField("affairs.Rating", "answer", "free_text"),
        PersonalField("affairs.Notice", "reason", "free_text"),
        PersonalField("affairs.ApplicationEvent", "note", "free_text"),
        PersonalField("affairs.Booking", "name", "name", encrypted=True),
        PersonalField("affairs.Booking", "phone", "phone", encrypted=True),
    ),
    kpis=(
        Kpi("affairs.applications", "一门式办件量", "本期受理窗口收件的申请数", K + "kpi_applications", order=70),
        Kpi("affairs.on_time", "按时办结率", "本期作出决定的申请中在承诺时限内的比例（补正期间不计时）", K + "kpi_on_time",
            unit="%", order=71),
        Kpi("affairs.avg_days", "平均办理用时", "本期作出决定的申请从受理到决定的平均工作日（扣除补正）", K + "kpi_avg_days",
            unit="工作日", order=72),
        Kpi("affairs.satisfaction", "好差评满意率", "本期评价中“满意”“非常满意”所占比例", K + "kpi_satisfaction",
            unit="%", order=73),
    ),
    routes=(
        Route("affairs:home", STAFF, note="each queue through visible_to, narrowed to the seat's role"),
        Route("affairs:list", STAFF, note="selectors.applications → visible_to"),
        Route("affairs:catalogue", STAFF, note="the catalogue is public information"),
        Route("affairs:item", STAFF, args=M + "item_args", note="the catalogue is public information"),
        Route("affairs:queue", ROLES, roles=(W.CLERK,), refusal="窗口叫号需要以下角色之一：受理窗口人员"),
        Route("affairs_public:book", PUBLIC, note="public booking form; rate-limited; phone gets the code"),
        Route("affairs:stats", STAFF, note="per-item figures through visible_to; published rates hold no personal data"),
        Route("affairs:ratings", STAFF, note="ratings through visible_to"),
        Route("affairs:accept", ROLES, roles=(W.CLERK,), refusal="一口受理需要以下角色之一：受理窗口人员"),
        Route("affairs:import", ROLES, roles=(R.SYSTEM_ADMIN,), refusal="导入事项目录需要以下角色之一：系统管理员"),
        Route("affairs:detail", SCOPED, roles=VIEWERS, args=M + "app_args"),
        Route("affairs:notice", SCOPED, roles=VIEWERS, args=M + "notice_args"),
        Route("affairs:receipt", SCOPED, roles=VIEWERS, args=M + "app_args"),
        Route("affairs:act", SCOPED, roles=(W.CLERK,), args=M + "app_args", method="POST",
              data={"action": "deliver", "method": "window", "signed_by": "王秀英"},
              role_refusal="需要以下角色之一"),
        Route("affairs:reveal", SCOPED, roles=(W.CLERK, W.REVIEWER), args=M + "app_args", method="POST",
              data={"field": "phone", "reason": "电话通知领取结果"}, role_refusal="查看完整证件号/电话"),
        Route("affairs:answer", SCOPED, roles=(W.REVIEWER, W.CLERK), args=M + "rating_args", method="POST",
              data={"answer": "经核实，窗口已安排专人加强业务培训并向申请人致歉。"}),
        Route("affairs_public:follow", PUBLIC, note="number + phone; rate-limited"),
        Route("affairs_public:rates", PUBLIC, note="published rates, no personal data"),
        Route("affairs_public:status", PUBLIC, args=M + "app_args", note="only after number + phone matched"),
        Route("GET /api/v1/affairs/items", STAFF, note="the catalogue is public information"),
        Route("GET /api/v1/affairs/applications", STAFF, note="visible_to"),
        Route("GET /api/v1/affairs/applications/{number}", SCOPED, roles=VIEWERS, args=M + "app_args"),
        Route("POST /api/v1/affairs/applications/{number}/act", SCOPED, roles=(W.CLERK,), args=M + "app_args",
              method="POST", data={"action": "deliver", "method": "window", "signed_by": "王秀英"},
              role_refusal="forbidden"),
    ),
    matrix_objects=M + "objects",
    seeders=(Seeder("演示一门式（事项目录、受理窗口、一个月的办件）", "civicgrid.affairs.demo.run", order=55),),
)
