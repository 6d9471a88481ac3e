"""What the workforce (网格力量) contributes to the whole: see core/manifest.py.

Its pages (the grid worker's day and patrol on the phone, the street's roster, coverage, volunteers,
pay), the volunteer's /r/volunteer/ pages, its API, audit labels, the volunteers' personal data,
KPIs, jurisdiction-matrix entries and demo data. It adds no role: the seats are core's, and the
staff type of each seat is data (StaffType).
"""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (PUBLIC, ROLES, SCOPED, STAFF, AppManifest, Kpi, NavEntry, Periodic,
                                     PersonalField, Route, Seeder, Tile, UrlInclude)

M = "civicgrid.workforce.matrix."
K = "civicgrid.workforce.kpis."
MANAGERS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
COORDINATORS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER)
JOINT = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
OPERATION_ROLES = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.DEPARTMENT_HANDLER)
OPERATION_TILE = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.DEPARTMENT_HANDLER)

# social workers
SW_TILES = (
    Tile((R.COMMUNITY_STAFF,), "我的社工服务", "workforce:sw_me", "个案、本月定额进度、登记走访", order=43),
    Tile(MANAGERS, "社工管理", "workforce:sw_desk", "岗位、证书与继续教育、考核与职称补贴", order=44),
)
SW_AUDIT_VERBS = {
    "sw_register": "社工登记", "sw_certificate": "社工证书", "sw_education": "继续教育", "sw_rate": "社工补贴标准",
    "sw_quota": "社工考核定额", "sw_education_rule": "继续教育要求", "sw_expert": "社工专家库", "sw_post": "社工岗位",
    "sw_client": "个案接案", "sw_contact": "社工服务登记", "sw_record": "个案记录", "sw_reveal": "查看个案记录",
    "sw_expert_assign": "指派专家", "sw_refer": "个案转介", "sw_referral_decide": "处理转介", "sw_supervision": "安排督导",
    "sw_session": "督导记录", "sw_export": "导出社工考核补贴",
}
SW_PERSONAL_DATA = (
    PersonalField("workforce.CaseRecord", "text", "free_text", encrypted=True),
    PersonalField("workforce.Contact", "note", "free_text", encrypted=True),
)
SW_ROUTES = (
    Route("workforce:sw_me", STAFF, note="the user's own social-worker record only"),
    Route("workforce:sw_client", SCOPED, roles=MANAGERS, args=M + "sw_client_args",
          role_refusal="个案服务需要以下角色之一", note="social workers: their own and supervisees' clients"),
    Route("workforce:sw_desk", ROLES, roles=MANAGERS, refusal="社工管理需要以下角色之一"),
    Route("workforce:sw_supervision", STAFF, note="the user's own supervisees only"),
)
# end social workers

MANIFEST = AppManifest(
    app="workforce",
    periodic=(Periodic("civicgrid.workforce.tasks.expire_time_bank_hours", dt.timedelta(days=1)),),
    urls=(UrlInclude("workforce/", "civicgrid.workforce.urls"),
          UrlInclude("r/volunteer/", "civicgrid.workforce.resident_urls")),
    api_routers=("civicgrid.workforce.api.router",),
    api_prefix="workforce",
    nav=(NavEntry("网格力量", "workforce:today", roles=(R.GRID_WORKER, *MANAGERS), css="workforce-nav", order=25),),
    tiles=(
        Tile((R.GRID_WORKER,), "今日任务", "workforce:today", "九必访、六必到、九必报和网格在办案件", order=5),
        Tile((R.GRID_WORKER,), "巡查", "workforce:patrol", "轨迹、检查点、发现问题上报", order=6),
        Tile(MANAGERS, "网格力量", "workforce:roster", "人员类型、派出单位、人数、离岗交接", order=40),
        Tile(COORDINATORS, "志愿服务", "workforce:volunteers", "活动、签到、时长确认、时长证明", order=41),
        Tile(MANAGERS, "考核补贴", "workforce:pay", "按巡查记录考核，补贴导出 Excel", order=42),
        Tile(OPERATION_TILE, "联合执法行动", "workforce:operations", "多部门联合检查，发现问题逐条立案", order=43),
        *SW_TILES,
    ),
    audit_subjects={"workforce": "网格力量"},
    audit_verbs={"onboard": "入职登记", "handover": "离岗交接", "duty_item": "职责清单", "patrol": "巡查",
                 "correction": "基础信息更正", "volunteer_register": "志愿者登记", "team": "志愿服务队",
                 "activity": "志愿活动", "hours": "确认志愿时长", "certificate": "开具时长证明",
                 "pay_export": "导出补贴表", "joint_part": "联合处置分工", "joint_feedback": "协办反馈",
                 "joint_confirm": "牵头确认", "joint_return": "牵头退回", "joint_operation": "联合执法行动",
                 "declare_emergency": "启动应急处置",
                 "operation_plan": "安排联合执法行动", "operation_finding": "登记联合执法发现",
                 "operation_close": "结束联合执法行动",
                 "bank_redeem": "时间银行兑换", "benefit": "时间银行兑换项目", "time_bank_rule": "时间银行规则",
                 **SW_AUDIT_VERBS},
    personal_data=(
        PersonalField("workforce.Volunteer", "name", "name", encrypted=True),
        PersonalField("workforce.Volunteer", "phone", "phone", encrypted=True),
        PersonalField("workforce.PatrolCheck", "note", "free_text"),
        PersonalField("workforce.Correction", "text", "free_text"),
        PersonalField("workforce.OperationFinding", "note", "free_text"),
        PersonalField("workforce.BankEntry", "recipient", "name", encrypted=True),
        *SW_PERSONAL_DATA,
    ),
    kpis=(
        Kpi("workforce.coverage", "巡查走访覆盖率", "本期巡查到的楼栋和户 ÷ 楼栋和户总数", K + "coverage", unit="%", order=70),
        Kpi("workforce.visits", "巡查检查点", "本期巡查登记的检查点数（含未发现问题）", K + "visits", order=71),
        Kpi("workforce.volunteer_hours", "志愿服务时长", "本期经协调人确认的志愿服务小时数", K + "volunteer_hours", order=72),
    ),
    routes=(
        Route("workforce:today", STAFF, note="only the user's own grid-worker seats"),
        Route("workforce:tick", ROLES, roles=(R.GRID_WORKER,), method="POST", data={"grid": "x", "key": "duty:1"},
              refusal="勾选今日任务需要以下角色之一"),
        Route("workforce:patrol", STAFF, note="own grids only"),
        Route("workforce:patrol_sync", ROLES, roles=(R.GRID_WORKER,), method="POST", data={"x": "1"},
              refusal="上传巡查需要以下角色之一"),
        Route("workforce:coverage", STAFF, note="selectors.grids → visible_to"),
        Route("workforce:corrections", STAFF, note="visible_to"),
        Route("workforce:roster", STAFF, note="visible_to"),
        Route("workforce:leave", SCOPED, roles=MANAGERS, args=M + "profile_args",
              role_refusal="办理离岗交接需要以下角色之一"),
        Route("workforce:duties", STAFF, note="districts in scope; editing refused to other roles (403)"),
        Route("workforce:volunteers", STAFF, note="visible_to; writes refused to non-coordinators (403)"),
        Route("workforce:certificate", SCOPED, roles=COORDINATORS, args=M + "volunteer_args",
              role_refusal="开具时长证明需要以下角色之一"),
        Route("workforce:pay", ROLES, roles=MANAGERS, refusal="考核与补贴需要以下角色之一"),
        Route("workforce:joint", SCOPED, roles=JOINT, args=M + "case_args",
              role_refusal="联合处置需要以下角色之一"),
        # joint enforcement operations (联合执法行动)
        Route("workforce:operations", STAFF, note="selectors.operations: territory, or the unit takes part; "
                                                  "planning refused to non-organisers (403)"),
        Route("workforce:operation", SCOPED, roles=OPERATION_ROLES, args=M + "operation_args",
              role_refusal="联合执法行动需要以下角色之一", refusal="不在您的管辖范围内|未参加该联合执法行动"),
        # the time bank (时间银行)
        Route("workforce:bank", SCOPED, roles=COORDINATORS, args=M + "volunteer_args",
              role_refusal="时间银行需要以下角色之一"),
        Route("workforce:bank_rules", STAFF, note="districts in scope; editing refused to other roles (403)"),
        Route("workforce-r:bank", PUBLIC, note="redirects to registration without the volunteer cookie"),
        Route("workforce-r:register", PUBLIC),
        Route("workforce-r:activities", PUBLIC, note="redirects to registration without the volunteer cookie"),
        Route("workforce-r:verify", PUBLIC),
        Route("workforce-r:forget", PUBLIC, method="POST"),
        Route("GET /api/v1/workforce/tasks", STAFF, note="own grids only"),
        Route("POST /api/v1/workforce/patrols/sync", STAFF, method="POST",
              note="the service refuses grids that are not the user's own (403)"),
        *SW_ROUTES,
    ),
    matrix_objects=M + "objects",
    seeders=(Seeder("演示网格力量（人员类型、职责清单、一个月巡查、志愿者、补贴、联合处置）", "civicgrid.workforce.demo.run",
                    order=60),),
)
