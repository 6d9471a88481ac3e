"""What the hotline app (12345 console, knowledge base, call-backs, resident pages) contributes."""
from civicgrid.core import roles as R
from civicgrid.core.manifest import (PUBLIC, ROLES, SCOPED, STAFF, AppManifest, MediaRule, NavEntry, PersonalField,
                                     Route, Seeder, Tile, UrlInclude)
from civicgrid.core.seeding import command

OPERATORS = (R.HOTLINE_OPERATOR,)


def _key(kind: str, inside: bool) -> str:
    return f"{kind}_{'in' if inside else 'out'}"


MANIFEST = AppManifest(
    app="hotline",
    # After the demo cases (order 40): the call-backs answer closed cases.
    seeders=(Seeder("演示知识库与回访", command("seed-hotline"), order=45),),
    urls=(UrlInclude("hotline/", "civicgrid.hotline.urls"), UrlInclude("r/", "civicgrid.hotline.resident_urls")),
    nav=(
        NavEntry("我要反映", "resident:report", anonymous=True, order=10),
        NavEntry("查询进度", "resident:follow", anonymous=True, order=20),
    ),
    tiles=(
        Tile((R.HOTLINE_OPERATOR,), "话务台", "hotline:console", "接听来电、查知识库、转为案件", order=5),
        Tile((R.HOTLINE_OPERATOR,), "回访", "hotline:callbacks", "办结案件回访：解决与满意度", order=6),
        Tile((R.HOTLINE_OPERATOR, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN), "知识库", "hotline:kb", "政策、流程、地点与时间",
             order=7),
        Tile((R.HOTLINE_OPERATOR, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN), "热线三率", "hotline:rates",
             "响应率、解决率、满意率", order=14),
        Tile((R.STREET_DISPATCHER, R.DISTRICT_COMMANDER), "回访复核", "hotline:reviews", "不满意、未解决的回访", order=15),
    ),
    # A resident who followed their own case with the SMS code sees its photos.
    media=(MediaRule("cases/", "civicgrid.hotline.media.resident_may_see"),),
    audit_subjects={"hotline": "热线"},
    audit_verbs={
        "answer": "直接答复", "contact": "来电登记", "forward": "转办", "invalid": "无效来电", "to_case": "转为案件",
        "callback": "回访", "callback_review": "回访复核", "callback_unreached": "回访未接通",
        "resident_rating": "居民评价", "article_create": "新建知识", "article_update": "修改知识",
    },
    personal_data=(
        PersonalField("hotline.Contact", "caller_phone", "phone", encrypted=True),
        PersonalField("hotline.Contact", "caller_name", "name"),
        PersonalField("hotline.Contact", "subject_private", "free_text", encrypted=True),
        PersonalField("hotline.Contact", "address", "address"),
        PersonalField("hotline.Contact", "outcome_note", "free_text"),
        PersonalField("hotline.CallBack", "note", "free_text"),
    ),
    routes=(
        Route("hotline:console", ROLES, roles=OPERATORS, refusal="仅限热线话务员"),
        Route("hotline:caller", ROLES, roles=OPERATORS, method="POST", refusal="仅限热线话务员"),
        Route("hotline:callbacks", ROLES, roles=OPERATORS, refusal="仅限热线话务员"),
        Route("hotline:reviews", ROLES, roles=(R.STREET_DISPATCHER, R.DISTRICT_COMMANDER), refusal="回访复核仅限"),
        Route("hotline:rates", STAFF),
        Route("hotline:kb", STAFF),
        Route("hotline:kb_new", STAFF),
        Route("hotline:contact", SCOPED, roles=OPERATORS, args=lambda o, inside: {"number": o[_key("contact", inside)].number},
              outsiders=OPERATORS),
        Route("hotline:article", SCOPED, roles=OPERATORS, args=lambda o, inside: {"pk": o[_key("article", inside)].pk},
              outsiders=OPERATORS),
        Route("hotline:kb_edit", SCOPED, roles=OPERATORS, args=lambda o, inside: {"pk": o[_key("article", inside)].pk},
              outsiders=OPERATORS),
        Route("hotline:callback_reveal", SCOPED, roles=OPERATORS, method="POST", data={"reason": "回访需拨打诉求人电话"},
              args=lambda o, inside: {"pk": o[_key("callback", inside)].pk}, outsiders=OPERATORS,
              role_refusal="仅限热线话务员"),
        Route("resident:report", PUBLIC),
        Route("resident:follow", PUBLIC),
        Route("resident:case", PUBLIC, args=lambda o, inside: {"number": o["case_in"].number},
              note="shows a case only to the phone verified by SMS code in this session (tests/hotline/test_resident.py)"),
    ),
    matrix_objects="civicgrid.hotline.matrix.objects",
)
