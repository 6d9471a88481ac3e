"""What the community service supermarket (社区服务超市) contributes to the whole: see core/manifest.py.

Its role (the service centre's staff), navigation for the desk, the hotline operator and provider
accounts, tiles, URL conf and API router, the deadline sweep and the document reminders, audit labels,
the orderers' personal-data fields, KPIs, the jurisdiction-matrix entries and the demo seeder.
"""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (PUBLIC, ROLES, SCOPED, STAFF, AppManifest, Kpi, MediaRule, NavEntry, Periodic,
                                     PersonalField, RoleDef, Route, Seeder, Tile, UrlInclude)

from . import workflow as W

K = "civicgrid.services.report."
M = "civicgrid.services.matrix."
VIEWERS = (*W.PLACERS, R.SYSTEM_ADMIN)
PROVIDER_VIEWERS = (*W.DESK, R.HOTLINE_OPERATOR, R.SYSTEM_ADMIN)
DESK_OUTSIDERS = (W.SERVICE_CENTRE, R.COMMUNITY_STAFF, R.STREET_DISPATCHER)
PLACER_LABELS = "社区服务中心、社区工作者、街道派遣员、区指挥中心、网格员、热线话务员"

MANIFEST = AppManifest(
    app="services",
    # No personal-data capability: it would reach other apps' data too (mediation's parties); the
    # orderers' data is revealed to this role by services.can_reveal alone.
    roles=(RoleDef(W.SERVICE_CENTRE, "社区服务中心", frozenset({"community", "street", "district"})),),
    urls=(UrlInclude("services/", "civicgrid.services.urls"),),
    api_routers=("civicgrid.services.api.router",),
    api_prefix="services",
    nav=(
        NavEntry("服务超市", "services:desk", roles=VIEWERS, badge="civicgrid.services.selectors.nav_badges",
                 css="services-nav", order=35),
        NavEntry("服务超市", "services:public", anonymous=True, order=35),
    ),
    tiles=(
        Tile(W.DESK, "服务台", "services:desk", "今日订单、派单、办结", order=35),
        Tile((R.HOTLINE_OPERATOR, R.GRID_WORKER, *W.DESK), "代居民下单", "services:new",
             "助餐、保洁、维修、陪护……一个电话，服务到家", order=36),
        Tile(W.DESK, "服务商管理", "services:providers", "资质、人员、评价、投诉、暂停与恢复", order=37),
    ),
    periodic=(Periodic("civicgrid.services.tasks.sweep_deadlines", dt.timedelta(minutes=5)),
              Periodic("civicgrid.services.tasks.remind_documents", dt.timedelta(days=1))),
    media=(MediaRule("services/", "civicgrid.services.media.may_see"),),
    audit_subjects={"order": "服务订单", "provider": "服务商"},
    audit_verbs={**W.ACTION_LABELS, "overdue": "超时", "subsidy": "补贴记账",
                 "suspend": "暂停服务", "reinstate": "恢复服务", "staff_add": "登记服务人员", "meeting": "联席会议",
                 "meeting_follow_up": "会议落实情况", "document": "登记资质材料",
                 "org_link": "关联社会组织", "org_unlink": "取消关联社会组织"},
    personal_data=(
        PersonalField("services.Order", "name", "name", encrypted=True),
        PersonalField("services.Order", "phone", "phone", encrypted=True),
        PersonalField("services.Order", "address", "address", encrypted=True),
        PersonalField("services.Order", "note", "free_text"),
        PersonalField("services.Order", "completion_note", "free_text"),
        PersonalField("services.Order", "rating_note", "free_text"),
        PersonalField("services.OrderEvent", "note", "free_text"),
        PersonalField("services.ProviderStaff", "name", "name", encrypted=True),
        PersonalField("services.ProviderStaff", "phone", "phone", encrypted=True),
    ),
    kpis=(
        Kpi("services.orders", "服务订单", "本期下单的社区服务订单数（含场地预约）", K + "kpi_orders", order=70),
        Kpi("services.on_time", "上门准时率", "按时到达签到数 ÷ 已签到订单数", K + "kpi_on_time", unit="%", order=71),
        Kpi("services.satisfaction", "服务满意率", "评分 4-5 星订单数 ÷ 已评价订单数", K + "kpi_satisfaction", unit="%",
            order=72),
    ),
    routes=(
        Route("services:desk", STAFF, note="selectors.orders → visible_to; a provider account goes to its portal"),
        Route("services:new", ROLES, roles=W.PLACERS, refusal="代居民下单需要以下角色之一"),
        Route("services:order", SCOPED, roles=VIEWERS, args=M + "order_args"),
        Route("services:act", SCOPED, roles=W.DESK, args=M + "order_args", method="POST",
              data={"action": "close"}, note="closing a completed order is the desk's step",
              outsiders=DESK_OUTSIDERS),
        Route("services:reveal", SCOPED, roles=(W.SERVICE_CENTRE, R.COMMUNITY_STAFF, R.GRID_WORKER),
              args=M + "order_args", method="POST", data={"field": "phone", "reason": "电话联系上门时间"},
              outsiders=(W.SERVICE_CENTRE, R.COMMUNITY_STAFF, R.GRID_WORKER)),
        Route("services:portal", STAFF, note="a provider account's own orders; others are told it is for providers"),
        Route("services:providers", STAFF, note="visible_to"),
        Route("services:provider", SCOPED, roles=PROVIDER_VIEWERS, args=M + "provider_args",
              outsiders=DESK_OUTSIDERS),
        Route("services:meetings", STAFF, note="visible_to"),
        Route("services:catalogue", STAFF, note="the catalogue holds no personal data"),
        Route("services:public", PUBLIC),
        Route("services:public_community", PUBLIC, args=M + "community_args"),
        Route("services:resident_order", PUBLIC),
        Route("services:resident_mine", PUBLIC),
        Route("GET /api/v1/services/items", STAFF),
        Route("GET /api/v1/services/orders", STAFF, note="selectors.orders"),
        Route("GET /api/v1/services/orders/{number}", SCOPED, roles=VIEWERS, args=M + "order_args"),
        Route("POST /api/v1/services/orders/{number}/act", SCOPED, roles=W.DESK, args=M + "order_args",
              method="POST", data={"action": "close"}, outsiders=DESK_OUTSIDERS),
    ),
    matrix_objects=M + "objects",
    seeders=(Seeder("社区服务超市（目录、服务商、一个月的订单）", "civicgrid.services.demo.run", order=55),
             # After the registry's seeder (orgs, order 60): its organisations must exist to be linked.
             Seeder("服务商关联社会组织登记", "civicgrid.services.demo.link_organisations", order=61)),
)
