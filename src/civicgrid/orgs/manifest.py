"""What the social-organisation registry contributes to the whole (core/manifest.py): its roles,
navigation, pages and API, the nightly catalogue regeneration and the reminders, audit labels, the
personal-data fields (legal representatives, leaders, staff), KPIs, matrix routes and demo data."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import (PUBLIC, ROLES, SCOPED, STAFF, AppManifest, Kpi, NavEntry, Periodic,
                                     PersonalField, RoleDef, Route, Seeder, Tile, UrlInclude)

REGISTRAR, ORG_CONTACT = "org_registrar", "org_contact"
K = "civicgrid.orgs.kpis."
M = "civicgrid.orgs.matrix."
OVERSEERS = (REGISTRAR, R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.SYSTEM_ADMIN, "purchaser", "dept_purchaser")
# The overseers who reach the matrix's group filed with street A (every one of them: a department unit
# sees the registry over its service area).
ORG_READERS = OVERSEERS

MANIFEST = AppManifest(
    app="orgs",
    roles=(
        RoleDef(REGISTRAR, "社会组织登记管理", frozenset({"street", "district"})),
        RoleDef(ORG_CONTACT, "社会组织联络人", frozenset({"community", "street", "district"})),
    ),
    urls=(UrlInclude("orgs/", "civicgrid.orgs.urls"),),
    api_routers=("civicgrid.orgs.api.router",),
    api_prefix="orgs",
    nav=(NavEntry("社会组织", "orgs:index", roles=OVERSEERS, css="orgs-nav", order=40),
         NavEntry("机构门户", "orgs:portal", roles=(ORG_CONTACT,), css="orgs-portal-nav", order=41)),
    tiles=(
        Tile(OVERSEERS, "社会组织", "orgs:index", "登记、备案、年检、等级、信用", order=40),
        Tile(OVERSEERS, "推荐目录", "orgs:catalogue", "条件管理、自动生成、动态更新", order=41),
        Tile((ORG_CONTACT,), "机构门户", "orgs:portal", "投标、合同、节点报告、年检", order=42),
    ),
    periodic=(Periodic("civicgrid.orgs.tasks.regenerate_catalogue", dt.timedelta(days=1)),
              Periodic("civicgrid.orgs.tasks.remind_expiring", dt.timedelta(days=1))),
    audit_subjects={"organisation": "社会组织", "inspection": "年检", "grade": "评估等级", "credit": "信用记录",
                    "catalogue": "推荐目录", "incubation": "孵化"},
    audit_verbs={"enrol": "登记成立", "file_group": "街道备案", "promote": "备案转登记", "staff_add": "登记工作人员",
                 "account_link": "开通机构账号", "submit_report": "提交年检报告", "decide": "作出结论",
                 "award_grade": "评定等级", "record_event": "录入信用记录", "condition_save": "设定目录条件",
                 "open_base": "开设孵化基地", "admit": "入驻", "support_give": "登记支持", "milestone_add": "登记里程碑", "milestone_reach": "里程碑达成", "graduate": "出壳",
                 "exit_incubation": "退出孵化"},
    personal_data=(
        PersonalField("orgs.Organisation", "legal_rep", "name", encrypted=True),
        PersonalField("orgs.Organisation", "legal_rep_phone", "phone", encrypted=True),
        PersonalField("orgs.Filing", "leader", "name", encrypted=True),
        PersonalField("orgs.StaffMember", "name", "name", encrypted=True),
    ),
    kpis=(
        Kpi("orgs.per_10k", "每万人社会组织数", "辖区登记、备案或服务本辖区的社会组织数 ÷ 常住居民数 × 10000", K + "per_10k",
            order=70),
        Kpi("orgs.filed_groups", "备案社区社会组织", "向街道备案的社区社会组织数", K + "filed_groups", order=71),
        Kpi("orgs.catalogue", "推荐目录内组织", "当前列入推荐目录的社会组织数", K + "in_catalogue", order=72),
    ),
    routes=(
        Route("orgs:index", ROLES, roles=OVERSEERS, refusal="需要以下角色之一", note="selectors.organisations → visible_to"),
        Route("orgs:new", ROLES, roles=(REGISTRAR,), refusal="需要以下角色之一"),
        Route("orgs:catalogue", ROLES, roles=OVERSEERS, refusal="需要以下角色之一"),
        Route("orgs:conditions", ROLES, roles=OVERSEERS, refusal="需要以下角色之一",
              note="POST: district registrars only (services.save_condition, tests/orgs)"),
        Route("orgs:incubation", ROLES, roles=OVERSEERS, refusal="需要以下角色之一"),
        Route("orgs:incubation_admit", ROLES, roles=(REGISTRAR,), refusal="需要以下角色之一",
              note="POST: services.admit (the incubator's street; a filed group only at its own street's base)"),
        Route("orgs:incubation_detail", SCOPED, roles=ORG_READERS, args=M + "incubation_args",
              role_refusal="需要以下角色之一", note="selectors.incubation → visible_to (the incubator's street)"),
        Route("orgs:incubation_act", SCOPED, roles=(REGISTRAR,), args=M + "incubation_args", method="POST",
              data={"action": "milestone", "title": "完成内部制度建设", "due_on": "2024-12-31"},
              role_refusal="需要以下角色之一"),
        Route("orgs:portal", STAFF, note="the user's own organisations (OrgAccount) only"),
        Route("orgs:public_catalogue", PUBLIC),
        Route("orgs:public", PUBLIC, args=M + "org_args"),
        Route("orgs:detail", SCOPED, roles=ORG_READERS, args=M + "org_args", role_refusal="需要以下角色之一"),
        Route("orgs:act", SCOPED, roles=(REGISTRAR,), args=M + "org_args", method="POST",
              data={"action": "party", "party_coverage": "joint", "party_members": "3"},
              role_refusal="需要以下角色之一"),
        Route("GET /api/v1/orgs/organisations", ROLES, roles=OVERSEERS, refusal="forbidden"),
        Route("GET /api/v1/orgs/organisations/{pk}", SCOPED, roles=ORG_READERS, args=M + "org_args",
              role_refusal="forbidden"),
        Route("GET /api/v1/orgs/catalogue", ROLES, roles=OVERSEERS, refusal="forbidden"),
    ),
    matrix_objects=M + "objects",
    seeders=(Seeder("演示社会组织（登记、备案、年检、等级、信用、孵化）", "civicgrid.orgs.demo.run", order=60),),
)
