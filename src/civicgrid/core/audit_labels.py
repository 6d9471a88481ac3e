"""Chinese labels for audit-log codes, so an administrator reads "查看明文（居民）" rather than "person.reveal".

The codes stay what the log stores and what the filter matches; labels are only for display.
Unknown codes are shown as they are.
"""
from __future__ import annotations

from django.apps import apps

SUBJECTS = {
    "auth": "登录", "user": "用户", "role": "岗位", "region": "区域", "case": "案件", "person": "居民",
    "building": "楼栋", "room": "房间", "household": "户", "place": "单位场所", "people": "基础数据",
    "hotline": "热线", "api_token": "接口令牌", "client_app": "接入应用", "dashboard": "指挥中心", "demo": "演示数据",
    "department": "部门", "departmentunit": "部门单位", "category": "案件类别", "calendar": "节假日调整",
}
VERBS = {
    "create": "新建", "update": "修改", "delete": "删除", "import": "导入", "export": "导出", "reveal": "查看明文",
    "reveal_requester": "查看诉求人明文", "view": "查看", "login": "登录成功", "login_failed": "登录失败",
    "locked": "账号锁定", "login_refused_locked": "锁定期间尝试登录", "unlock": "解锁", "grant": "授予",
    "revoke": "撤销", "issue": "签发", "enable": "启用", "anonymise": "匿名化", "subject_access": "调取个人全部信息",
    "intake": "受理上报", "take": "社区受理", "file": "立案", "not_file": "不予立案", "dispatch": "派遣",
    "reroute": "改派", "return": "退回", "request_extension": "申请延期", "approve_extension": "批准延期",
    "refuse_extension": "驳回延期", "handle": "处置反馈", "verify_pass": "核查通过", "verify_fail": "核查不通过",
    "close": "结案", "suspend": "挂账", "resume": "恢复办理", "escalate": "上报上级", "merge": "合并",
    "overdue": "超期", "review_due": "挂账到期", "category_save": "类别维护", "answer": "直接答复",
    "contact": "来电登记", "forward": "转办", "invalid": "无效来电", "to_case": "转为案件", "callback": "回访",
    "callback_review": "回访复核", "callback_unreached": "回访未接通", "resident_rating": "居民评价",
    "article_create": "新建知识", "report_download": "下载月报", "report_request": "生成月报", "seed_load": "生成压测数据",
    "weights": "修改排名权重", "seed": "生成", "reset": "清除", "demo_seed": "生成演示居民", "rotate_key": "密钥轮换",
    "member": "户成员变更", "search": "查询", "visit": "走访", "inspect": "安全检查", "upload": "上传",
    "tag.add": "添加标签", "tag.change": "修改标签", "tag.end": "结束标签", "import.upload": "上传导入文件",
    "reopen": "重新办理", "article_update": "修改知识", "disable": "停用", "login_failed": "登录失败",
}

# Every code the application writes (tests walk the sources and keep this complete). The audit log's
# 操作 filter offers these by their labels, grouped by subject, instead of asking for codes.
KNOWN_ACTIONS = (
    "auth.login", "auth.login_failed", "auth.locked", "auth.login_refused_locked", "auth.unlock",
    "user.create", "user.update", "role.grant", "role.revoke", "calendar.create", "calendar.update",
    "calendar.delete", "api_token.issue", "api_token.revoke", "client_app.create", "client_app.enable",
    "client_app.disable", "region.create", "region.update", "region.delete", "region.import",
    "department.create", "department.update", "department.delete", "departmentunit.create",
    "departmentunit.update", "departmentunit.delete",
    "case.intake", "case.take", "case.file", "case.not_file", "case.dispatch", "case.reroute", "case.return",
    "case.request_extension", "case.approve_extension", "case.refuse_extension", "case.handle",
    "case.verify_pass", "case.verify_fail", "case.close", "case.reopen", "case.suspend", "case.resume",
    "case.escalate", "case.merge", "case.overdue", "case.review_due", "case.reveal_requester", "case.export",
    "case.category_save",
    "hotline.contact", "hotline.answer", "hotline.to_case", "hotline.forward", "hotline.invalid",
    "hotline.article_create", "hotline.article_update", "hotline.callback", "hotline.callback_unreached",
    "hotline.callback_review", "hotline.resident_rating",
    "person.create", "person.update", "person.view", "person.search", "person.reveal", "person.export",
    "person.subject_access", "person.anonymise", "person.visit", "person.tag.add", "person.tag.change",
    "person.tag.end", "household.create", "household.member", "building.create", "room.create",
    "place.create", "place.inspect", "people.import", "people.import.upload", "people.grant", "people.revoke",
    "people.rotate_key", "people.demo_seed",
    "dashboard.report_request", "dashboard.report_download", "dashboard.weights", "dashboard.seed_load",
    "demo.seed", "demo.reset",
)


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(subject label, [(code, label), …]), …] for the audit log's 操作 filter; each group starts with
    "全部（居民）" = the subject's prefix ("person."), which the filter matches as a prefix."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in KNOWN_ACTIONS:
        subject = code.partition(".")[0]
        if subject not in groups:
            groups[subject] = [(f"{subject}.", f"全部（{SUBJECTS.get(subject, subject)}）")]
        groups[subject].append((code, action_label(code)))
    return [(SUBJECTS.get(k, k), v) for k, v in groups.items()]


def action_label(code: str) -> str:
    subject, _, verb = (code or "").partition(".")
    if not verb:
        return code
    s, v = SUBJECTS.get(subject), VERBS.get(verb)
    return f"{v}（{s}）" if s and v else code


def object_type_label(code: str) -> str:
    try:
        return str(apps.get_model(code)._meta.verbose_name)
    except (LookupError, ValueError):
        return code
