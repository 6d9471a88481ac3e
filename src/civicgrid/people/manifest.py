"""What the people app (residents, households, buildings, places, personal-data protection) contributes."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import ROLES, SCOPED, STAFF, Route, AppManifest, Periodic, PersonalField, Seeder, Tile, UrlInclude
from civicgrid.core.seeding import command

from .capabilities import REGISTER_ROLES

STAFF_ROLES = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.SYSTEM_ADMIN, R.DISTRICT_COMMANDER)
LOCAL = (R.COMMUNITY_STAFF, R.GRID_WORKER)  # who work on residents' records (people/capabilities.py)
IMPORTERS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.SYSTEM_ADMIN)
# Who uses the register at all (capabilities.REGISTER_ROLES): departments, the hotline and app roles
# such as mediators are refused with capabilities.REGISTER_REFUSAL.
REGISTER = tuple(sorted(REGISTER_ROLES))  # one source: people/capabilities.py
REGISTER_REFUSAL = "居民基础信息库仅限"


def _side(inside: bool) -> str:
    return "in" if inside else "out"


def pk(kind: str):
    """Route args: the pk of the matrix object `kind` inside or outside the actor's scope."""
    return lambda objs, inside: {"pk": objs[f"{kind}_{_side(inside)}"].pk}

MANIFEST = AppManifest(
    app="people",
    urls=(UrlInclude("people/", "civicgrid.people.urls"),),
    api_routers=("civicgrid.people.api.router",),
    api_prefix="",  # published before the manifest existed: /api/v1/people
    tiles=(
        Tile(STAFF_ROLES + (R.GRID_WORKER,), "居民查询", "people:index", "按姓名片段、电话尾号、证件号或地址查找居民", order=20),
        Tile((R.COMMUNITY_STAFF, R.GRID_WORKER), "楼栋与住户", "people:buildings", "楼栋 → 房间 → 户", order=21),
        Tile((R.COMMUNITY_STAFF, R.GRID_WORKER), "关爱走访清单", "people:care", "按网格列出应走访的关爱对象", order=22),
        Tile((R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.SYSTEM_ADMIN), "批量导入", "people:import",
             "Excel/CSV 导入居民、户、楼栋", order=23),
        Tile((R.COMMUNITY_STAFF, R.GRID_WORKER, R.STREET_DISPATCHER), "单位与场所", "people:places",
             "商铺、学校、工地、出租屋、重点单位及安全检查", order=24),
    ),
    periodic=(Periodic("civicgrid.people.tasks.anonymise_departed", dt.timedelta(hours=24)),
              # uploads of jobs never configured are deleted after a day (importer.purge_stale_uploads)
              Periodic("civicgrid.people.tasks.purge_stale_uploads", dt.timedelta(hours=1))),
    audit_subjects={"person": "居民", "building": "楼栋", "room": "房间", "household": "户", "place": "单位场所",
                    "people": "基础数据"},
    audit_verbs={
        "anonymise": "匿名化", "subject_access": "调取个人全部信息", "demo_seed": "生成演示居民",
        "rotate_key": "密钥轮换", "member": "户成员变更", "visit": "走访", "inspect": "安全检查",
        "tag.add": "添加标签", "tag.change": "修改标签", "tag.end": "结束标签", "import.upload": "上传导入文件",
        "id_conflict": "证件号码冲突（已拒绝）", "import_report": "下载导入错误报告",
    },
    personal_data=(
        PersonalField("people.Person", "name", "name"),
        PersonalField("people.Person", "id_number", "id_number", encrypted=True),
        PersonalField("people.Person", "phone", "phone", encrypted=True),
        PersonalField("people.Person", "note", "free_text"),
        PersonalField("people.Visit", "note", "free_text"),
        PersonalField("people.ImportRejection", "original", "free_text", encrypted=True),
        PersonalField("people.Place", "contact_name", "name", anonymise=False),
        PersonalField("people.Place", "contact_phone", "phone", encrypted=True, anonymise=False),
    ),
    seeders=(Seeder("演示居民、户与楼栋", command("seed-people"), order=20),),
    routes=(
        Route("people:index", ROLES, roles=REGISTER, refusal=REGISTER_REFUSAL),
        Route("people:export", ROLES, roles=REGISTER, method="POST", refusal=REGISTER_REFUSAL),
        Route("people:buildings", ROLES, roles=REGISTER, refusal=REGISTER_REFUSAL),
        Route("people:building_new", ROLES, roles=REGISTER, refusal=REGISTER_REFUSAL),
        Route("people:care", ROLES, roles=REGISTER, refusal=REGISTER_REFUSAL),
        Route("people:places", ROLES, roles=REGISTER, refusal=REGISTER_REFUSAL),
        Route("people:place_new", ROLES, roles=REGISTER, refusal=REGISTER_REFUSAL),
        Route("people:import", ROLES, roles=IMPORTERS, refusal="批量导入权限|" + REGISTER_REFUSAL),
        Route("people:import_template", ROLES, roles=IMPORTERS, args=lambda o, inside: {"kind": "residents"},
              refusal="批量导入权限|" + REGISTER_REFUSAL),
        Route("people:person", SCOPED, roles=LOCAL, args=pk("person")),
        Route("people:person_edit", SCOPED, roles=LOCAL, args=pk("person")),
        Route("people:person_reveal", SCOPED, roles=LOCAL, args=pk("person"), method="POST",
              data={"field": "id_number", "reason": "核实身份信息"}),
        Route("people:person_record", SCOPED, roles=(R.COMMUNITY_STAFF,), args=pk("person"), method="POST",
              data={"reason": "本人申请调取个人信息"}),
        Route("people:tag_add", SCOPED, roles=LOCAL, args=pk("person"), method="POST", data={"kind": "empty_nest"}),
        Route("people:visit_add", SCOPED, roles=LOCAL, args=pk("person"), method="POST", data={"note": "走访"}),
        Route("people:tag_end", SCOPED, roles=LOCAL, args=pk("tag"), method="POST", data={"reason": "结束"}),
        Route("people:building", SCOPED, roles=LOCAL, args=pk("building")),
        Route("people:room_add", SCOPED, roles=LOCAL, args=pk("building"), method="POST",
              data={"entrance": "2单元", "number": "201"}),
        Route("people:room", SCOPED, roles=LOCAL, args=pk("room")),
        Route("people:person_new", SCOPED, roles=LOCAL, args=lambda o, inside: {"room_pk": o[f"room_{_side(inside)}"].pk}),
        Route("people:import_job", SCOPED, roles=(R.COMMUNITY_STAFF,), args=pk("job")),
        Route("people:import_status", SCOPED, roles=(R.COMMUNITY_STAFF,), args=pk("job")),
        Route("people:import_report", SCOPED, roles=(R.COMMUNITY_STAFF,), args=pk("job")),
        Route("people:place", SCOPED, roles=LOCAL, args=pk("place")),
        Route("GET /api/v1/people", ROLES, roles=REGISTER, refusal="forbidden"),
        Route("GET /api/v1/people/{pk}", SCOPED, roles=LOCAL, args=pk("person"), refusal="not_found"),
    ),
    matrix_objects="civicgrid.people.matrix.objects",
)
