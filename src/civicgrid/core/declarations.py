"""Core's own manifest: the closed loop's roles, the generic audit verbs, core's pages.

(Core's AppConfig names this module, since `core/manifest.py` is the manifest contract itself.)
"""
from __future__ import annotations

import datetime as dt

from . import roles as R
from .manifest import ADMIN_SITE, PUBLIC, ROLES, STAFF, AppManifest, NavEntry, Periodic, RoleDef, Route, UrlInclude

MANIFEST = AppManifest(
    app="core",
    roles=(
        RoleDef(R.GRID_WORKER, "网格员", frozenset({"grid"})),
        RoleDef(R.COMMUNITY_STAFF, "社区工作者", frozenset({"community"})),
        RoleDef(R.STREET_DISPATCHER, "街道派遣员", frozenset({"street"})),
        RoleDef(R.DEPARTMENT_HANDLER, "部门处置人员", department=True),
        RoleDef(R.HOTLINE_OPERATOR, "热线话务员", frozenset({"district", "city"})),
        RoleDef(R.DISTRICT_COMMANDER, "区指挥中心", frozenset({"district", "city"})),
        RoleDef(R.SYSTEM_ADMIN, "系统管理员", frozenset({"street", "district", "city"})),
    ),
    audit_subjects={"auth": "登录", "user": "用户", "role": "岗位", "demo": "演示数据", "calendar": "节假日调整"},
    audit_verbs={
        "create": "新建", "update": "修改", "delete": "删除", "import": "导入", "export": "导出",
        "reveal": "查看明文", "view": "查看", "login": "登录成功", "login_failed": "登录失败",
        # locked / login_refused_locked / unlock: the per-account lock before the throttle; kept for old entries.
        "locked": "账号锁定", "login_refused_locked": "锁定期间尝试登录", "unlock": "解锁", "grant": "授予",
        "login_throttled": "限流期间尝试登录", "change": "变更",
        "revoke": "撤销", "issue": "签发", "enable": "启用", "search": "查询", "upload": "上传",
        "seed": "生成", "reset": "清除", "change": "变更", "login_throttled": "登录受限（过于频繁）",
    },
    urls=(UrlInclude("", "civicgrid.core.urls"),),
    periodic=(Periodic("civicgrid.core.tasks.prune_login_throttle", dt.timedelta(hours=1)),),
    nav=(
        NavEntry("工作台", "core:home", order=0),
        NavEntry("消息", "core:inbox", order=95),
        NavEntry("工作人员登录", "core:login", anonymous=True, order=99),
    ),
    routes=(
        Route("core:home", STAFF),
        Route("core:login", PUBLIC),
        Route("core:logout", PUBLIC, method="POST", note="ends whatever session there is"),
        Route("core:audit_log", ROLES, roles=(R.SYSTEM_ADMIN,), refusal="只有系统管理员可以查看审计日志",
              note="selectors.audit_entries_for scopes the entries; tests/core/test_audit.py"),
        Route("core:inbox", STAFF, note="only the user's own notifications"),
        Route("admin:*", ADMIN_SITE, note="every admin page: is_staff, then ScopedAdmin (tests/core/test_jurisdiction_admin.py)"),
        Route("admin/*", ADMIN_SITE, note="the admin's unnamed patterns (object pages, its catch-all)"),
        Route("media", PUBLIC, args=lambda o, inside: {"path": "cases/absent.jpg"}, note="core/media.py asks the apps' MediaRules; out-of-scope files are 404"),
    ),
)
