"""Affairs' error codes (see core/errors.py): refusals about an application's state."""
from __future__ import annotations

from civicgrid.core import workflow
from civicgrid.core.errors import INVALID, AppError


class IllegalAction(workflow.IllegalAction):
    code = "affairs.illegal_action"
    default_message = "申请当前状态不允许此操作。"


class ApplicationConflict(workflow.Conflict):
    code = "affairs.conflict"
    default_message = "申请已被他人处理，请刷新页面后再操作。"


class BadScan(AppError):
    """An uploaded scan that is not an image or PDF we accept (type, size, active content)."""

    code = "affairs.bad_scan"
    kind = INVALID
    default_message = "扫描件无效。"
