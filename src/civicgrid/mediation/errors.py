"""Mediation's error codes (see core/errors.py): refusals about a dispute's state. Validation and
permission refusals stay Django's ValidationError / PermissionDenied."""
from __future__ import annotations

from civicgrid.core import workflow


class IllegalAction(workflow.IllegalAction):
    """The action does not exist in the dispute's current state."""

    code = "mediation.illegal_action"
    default_message = "纠纷当前状态不允许此操作。"


class DisputeConflict(workflow.Conflict):
    """Someone else changed the dispute first: refresh and retry."""

    code = "mediation.conflict"
    default_message = "纠纷已被他人处理，请刷新页面后再操作。"
