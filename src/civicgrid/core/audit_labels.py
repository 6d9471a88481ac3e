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
    "id_conflict": "证件号码冲突（已拒绝）", "import_report": "下载导入错误报告", "template": "下载模板",
}


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
