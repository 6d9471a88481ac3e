"""What the people app (residents, households, buildings, places, personal-data protection) contributes."""
import datetime as dt

from civicgrid.core import roles as R
from civicgrid.core.manifest import AppManifest, Periodic, PersonalField, Seeder, Tile, UrlInclude
from civicgrid.core.seeding import command

STAFF = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.SYSTEM_ADMIN, R.DISTRICT_COMMANDER)

MANIFEST = AppManifest(
    app="people",
    urls=(UrlInclude("people/", "civicgrid.people.urls"),),
    api_routers=("civicgrid.people.api.router",),
    api_prefix="",  # published before the manifest existed: /api/v1/people
    tiles=(
        Tile(STAFF + (R.GRID_WORKER,), "居民查询", "people:index", "按姓名片段、电话尾号、证件号或地址查找居民", order=20),
        Tile((R.COMMUNITY_STAFF, R.GRID_WORKER), "楼栋与住户", "people:buildings", "楼栋 → 房间 → 户", order=21),
        Tile((R.COMMUNITY_STAFF, R.GRID_WORKER), "关爱走访清单", "people:care", "按网格列出应走访的关爱对象", order=22),
        Tile((R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.SYSTEM_ADMIN), "批量导入", "people:import",
             "Excel/CSV 导入居民、户、楼栋", order=23),
        Tile((R.COMMUNITY_STAFF, R.GRID_WORKER, R.STREET_DISPATCHER), "单位与场所", "people:places",
             "商铺、学校、工地、出租屋、重点单位及安全检查", order=24),
    ),
    periodic=(Periodic("civicgrid.people.tasks.anonymise_departed", dt.timedelta(hours=24)),),
    audit_subjects={"person": "居民", "building": "楼栋", "room": "房间", "household": "户", "place": "单位场所",
                    "people": "基础数据"},
    audit_verbs={
        "anonymise": "匿名化", "subject_access": "调取个人全部信息", "demo_seed": "生成演示居民",
        "rotate_key": "密钥轮换", "member": "户成员变更", "visit": "走访", "inspect": "安全检查",
        "tag.add": "添加标签", "tag.change": "修改标签", "tag.end": "结束标签", "import.upload": "上传导入文件",
    },
    personal_data=(
        PersonalField("people.Person", "name", "name"),
        PersonalField("people.Person", "id_number", "id_number", encrypted=True),
        PersonalField("people.Person", "phone", "phone", encrypted=True),
        PersonalField("people.Person", "note", "free_text"),
        PersonalField("people.Visit", "note", "free_text"),
        PersonalField("people.Place", "contact_name", "name"),
        PersonalField("people.Place", "contact_phone", "phone", encrypted=True),
    ),
    seeders=(Seeder("演示居民、户与楼栋", command("seed-people"), order=20),),
)
