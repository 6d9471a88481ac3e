"""What 为老关怀与紧急援助 contributes to the whole: see core/manifest.py.

Its three roles (助老员、社工、志愿者: seats that see only their own people), navigation and tiles, URL
conf and API router, the sweeps (alerts by the minute, missed contacts, device nonces), audit labels,
personal-data fields (responders' contacts, alerts' health and location, visit notes), KPIs for the
command centre, the jurisdiction-matrix entries and the demo seeder.
"""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (ROLES, SCOPED, STAFF, AppManifest, Kpi, NavEntry, Periodic, PersonalField, RoleDef,
                                     Route, Seeder, Tile, UrlInclude)

from . import access
from . import workflow as W

K = "civicgrid.care.overview."
M = "civicgrid.care.matrix."
SEATS = access.CARE_SEATS
REFUSAL = "为老关怀仅限"
SUPERVISORS = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)

MANIFEST = AppManifest(
    app="care",
    roles=(
        # No register capabilities: a helper sees the full number of their own people only, through
        # services.call_number (a logged reveal for the call), never the register's reveal.
        RoleDef(W.CARE_HELPER, "助老员", frozenset({"community"})),
        RoleDef(W.SOCIAL_WORKER, "社工", frozenset({"community", "street"})),
        RoleDef(W.CARE_VOLUNTEER, "关爱志愿者", frozenset({"community"})),
    ),
    urls=(UrlInclude("care/", "civicgrid.care.urls"),),
    api_routers=("civicgrid.care.api.router",),
    api_prefix="care",
    nav=(NavEntry("为老关怀", "care:index", roles=SEATS, badge="civicgrid.care.selectors.nav_badges",
                  css="care-nav", order=35),),
    tiles=(
        Tile((W.CARE_HELPER, W.SOCIAL_WORKER, W.CARE_VOLUNTEER, R.GRID_WORKER), "今日待联系", "care:index",
             "日电话、周上门、月访视，手机记录", order=35),
        Tile(SEATS, "紧急求助", "care:alerts", "响应、到场、处置，逐级上报", order=36),
        Tile(SUPERVISORS, "关爱概览", "care:overview", "计划覆盖、按期联系、求助响应", order=37),
    ),
    periodic=(
        Periodic("civicgrid.care.tasks.sweep_alerts", dt.timedelta(minutes=1)),
        Periodic("civicgrid.care.tasks.sweep_misses", dt.timedelta(hours=1)),
        Periodic("civicgrid.care.tasks.purge_nonces", dt.timedelta(minutes=30)),
    ),
    audit_subjects={"care": "为老关怀", "care_alert": "紧急求助", "care_plan": "关爱计划"},
    # Verbs are shared across apps: "escalate", "close", "overdue" and "reveal" keep the labels cases and
    # core declare (上报上级, 结案, 超期, 查看明文); care adds only its own.
    audit_verbs={**{k: v for k, v in W.ACTION_LABELS.items() if k not in ("escalate", "close")},
                 "call": "拨打关爱电话", "plan_create": "建立关爱计划", "assign": "调整责任人",
                 "responder_add": "登记响应人", "contact_log": "关爱联系", "chain_set": "设置逐级上报",
                 "device_issue": "发放紧急呼叫设备",
                 "responder_remove": "移除响应人", "device_revoke": "停用紧急呼叫设备"},
    personal_data=(
        PersonalField("care.Responder", "name", "name", encrypted=True),
        PersonalField("care.Responder", "phone", "phone", encrypted=True),
        PersonalField("care.Alert", "location", "address", encrypted=True),
        PersonalField("care.Alert", "health", "free_text", encrypted=True),
        PersonalField("care.Device", "key", "free_text", encrypted=True),
        PersonalField("care.Contact", "note", "free_text"),
        PersonalField("care.Contact", "follow_up_note", "free_text"),
        PersonalField("care.AlertEvent", "note", "free_text"),
    ),
    kpis=(
        Kpi("care.coverage", "关爱计划覆盖率", "关爱人群中已建关爱计划的人数 ÷ 关爱人群人数", K + "kpi_coverage",
            unit="%", order=70),
        Kpi("care.on_time", "关爱联系按期率", "按期完成的联系周期 ÷（按期完成 + 漏访）", K + "kpi_on_time", unit="%", order=71),
        Kpi("care.alert_response", "求助平均响应时间（分钟）", "本期求助从发起到首次响应的平均分钟数", K + "kpi_response",
            order=72),
    ),
    routes=(
        Route("care:index", ROLES, roles=SEATS, refusal=REFUSAL, note="only the user's own rhythms"),
        Route("care:plans", ROLES, roles=SEATS, refusal=REFUSAL, note="members through visible_to"),
        Route("care:plan_new", ROLES, roles=SEATS, refusal=REFUSAL, method="POST",
              note="person through people_for; the service refuses roles that may not plan"),
        Route("care:alerts", ROLES, roles=SEATS, refusal=REFUSAL, note="selectors.alerts"),
        Route("care:alert_new", ROLES, roles=SEATS, refusal=REFUSAL, note="plans through selectors.plans"),
        Route("care:overview", ROLES, roles=SEATS, refusal=REFUSAL, note="communities in territorial seats only"),
        Route("care:plan", SCOPED, roles=SEATS, args=M + "plan_args", role_refusal=REFUSAL),
        Route("care:call", SCOPED, roles=(R.GRID_WORKER, R.COMMUNITY_STAFF, W.CARE_HELPER, W.SOCIAL_WORKER),
              args=M + "plan_args", method="POST", role_refusal="为老关怀仅限|不能查看"),
        Route("care:order", SCOPED, roles=access.ORDERERS, args=M + "plan_args",
              role_refusal=REFUSAL + "|代关爱对象下单仅限", note="plan through selectors.plan; services.place_order "
              "checks the seat, eligibility and time again"),
        Route("care:plan_edit", SCOPED, roles=(R.GRID_WORKER, R.COMMUNITY_STAFF, W.SOCIAL_WORKER), args=M + "plan_args",
              role_refusal=REFUSAL + "|此操作需要以下角色之一"),
        Route("care:keepers", SCOPED, roles=(R.GRID_WORKER, R.COMMUNITY_STAFF), args=M + "plan_args", method="POST",
              data={}, role_refusal=REFUSAL + "|此操作需要以下角色之一"),
        Route("care:responders", SCOPED, roles=(R.GRID_WORKER, R.COMMUNITY_STAFF, W.SOCIAL_WORKER), args=M + "plan_args",
              method="POST", data={"action": "add"}, role_refusal=REFUSAL + "|此操作需要以下角色之一"),
        Route("care:devices", SCOPED, roles=(R.COMMUNITY_STAFF, W.SOCIAL_WORKER), args=M + "plan_args", method="POST",
              data={"action": "issue"}, role_refusal=REFUSAL + "|此操作需要以下角色之一"),
        Route("care:chain", SCOPED, roles=(R.COMMUNITY_STAFF, R.STREET_DISPATCHER), args=M + "community_args",
              role_refusal=REFUSAL + "|设置逐级上报仅限"),
        Route("care:log", SCOPED, roles=SEATS, args=M + "rhythm_args", role_refusal=REFUSAL),
        Route("care:alert", SCOPED, roles=SEATS, args=M + "alert_args", role_refusal=REFUSAL),
        Route("care:alert_act", SCOPED, roles=W.RESPONDERS, args=M + "alert_args", method="POST",
              data={"action": "acknowledge"}, role_refusal=REFUSAL + "|需要以下角色之一"),
        Route("care:alert_reveal", SCOPED, roles=(R.GRID_WORKER, R.COMMUNITY_STAFF, W.CARE_HELPER, W.SOCIAL_WORKER),
              args=M + "alert_args", method="POST", data={"field": "health", "reason": "联系医生需告知病情"},
              role_refusal=REFUSAL + "|不能查看"),
        Route("GET /api/v1/care/due", ROLES, roles=SEATS, refusal="forbidden"),
        Route("POST /api/v1/care/contacts", STAFF, method="POST",
              note="body validated first (422); then care seats only (403 forbidden) and the rhythm through "
                   "selectors.rhythm (404 outside): tests/care/test_views.py"),
        Route("GET /api/v1/care/alerts", ROLES, roles=SEATS, refusal="forbidden"),
        Route("POST /api/v1/care/alerts", STAFF, method="POST",
              note="body validated first (422); then care seats only (403 forbidden) and the plan through "
                   "selectors.plans (404 outside): tests/care/test_views.py"),
        Route("GET /api/v1/care/alerts/{number}", SCOPED, roles=SEATS, args=M + "alert_args", role_refusal="forbidden"),
        Route("POST /api/v1/care/alerts/{number}/actions", SCOPED, roles=W.RESPONDERS, args=M + "alert_args",
              method="POST", data={"action": "acknowledge"}, role_refusal="forbidden"),
        Route("POST /api/v1/care/device/alerts", "public", method="POST",
              note="devices sign with their own key (care/devices.py); unsigned → 400, refused → 401"),
    ),
    matrix_objects=M + "objects",
    task_sources=("civicgrid.care.task_source.due_contacts",),
    seeders=(Seeder("演示为老关怀（关爱计划、一个月的联系记录、紧急求助）", "civicgrid.care.demo.run", order=55),),
)
