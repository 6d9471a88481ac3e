"""The services app's error codes (see core/errors.py): refusals about an order's state. Validation and
permission refusals stay Django's ValidationError / PermissionDenied."""
from __future__ import annotations

from civicgrid.core import workflow


class IllegalAction(workflow.IllegalAction):
    """The action does not exist in the order's current state."""

    code = "services.illegal_action"
    default_message = "订单当前状态不允许此操作。"


class OrderConflict(workflow.Conflict):
    """Someone else changed the order first: refresh and retry."""

    code = "services.conflict"
    default_message = "订单已被他人处理，请刷新页面后再操作。"
