"""The registry's vocabularies (choices), in one place so models, forms, rules and the catalogue share them."""
from __future__ import annotations

SOCIAL_GROUP, SOCIAL_SERVICE, FOUNDATION, COMMUNITY_GROUP = "group", "service", "foundation", "community"
KIND_LABELS = {
    SOCIAL_GROUP: "社会团体", SOCIAL_SERVICE: "社会服务机构（民办非企业单位）", FOUNDATION: "基金会",
    COMMUNITY_GROUP: "社区社会组织（街道备案）",
}
# The leading two characters of the credit code for each registered kind (民政 = 5; GB 32100 table).
KIND_PREFIX = {SOCIAL_GROUP: "51", SOCIAL_SERVICE: "52", FOUNDATION: "53"}

REGISTERED, FILED, REVOKED = "registered", "filed", "revoked"
STATUS_LABELS = {REGISTERED: "已登记", FILED: "已备案", REVOKED: "已注销/撤销"}

DOMAINS = {
    "elderly": "养老服务", "children": "儿童与青少年", "disability": "助残服务", "poverty": "社会救助",
    "community": "社区治理", "culture": "文体娱乐", "education": "教育培训", "health": "卫生健康",
    "environment": "环境保护", "volunteer": "志愿服务", "mediation": "矛盾调解", "legal": "法律服务",
    "charity": "慈善公益", "professional": "行业协会/专业服务",
}

PARTY_COVERAGE = {
    "own": "单独建立党组织", "joint": "联合建立党组织", "instructor": "选派党建指导员", "none": "未覆盖",
}

CERTIFICATES = {
    "": "无", "assistant": "助理社会工作师", "social_worker": "社会工作师", "senior": "高级社会工作师",
}

INSPECTION_RESULTS = {"pending": "待审", "pass": "合格", "basic": "基本合格", "fail": "不合格"}
PASSED = ("pass", "basic")

GRADES = {1: "1A", 2: "2A", 3: "3A", 4: "4A", 5: "5A"}
GRADE_VALID_YEARS = 5  # 社会组织评估等级有效期 5 年

CREDIT_KINDS = {"good": "守信（良好）", "bad": "失信（不良）"}
CREDIT_CATEGORIES = {
    "commendation": "表彰奖励", "donation": "慈善捐赠", "service": "优秀服务项目",
    "abnormal": "列入活动异常名录", "penalty": "行政处罚", "serious": "列入严重违法失信名单",
    "complaint": "经核实的投诉", "late_report": "未按时年检",
}
CREDIT_SOURCES = {"civil_affairs": "民政部门", "street": "街道", "tax": "税务", "market": "市场监管",
                  "court": "法院", "purchaser": "购买服务单位", "public": "公众举报（已核实）"}
