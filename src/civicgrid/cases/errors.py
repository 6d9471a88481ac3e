"""The cases app's error codes (see core/errors.py). Validation and permission refusals stay
Django's ValidationError / PermissionDenied; these are the refusals about the case's state."""
from __future__ import annotations

from civicgrid.core.errors import CONFLICT, AppError


class CaseActionError(AppError):
    """Base for refusals that are about the case's state, not about who is asking."""

    code = "cases.action_refused"
    kind = CONFLICT
    default_message = "案件当前状态不允许此操作。"


class IllegalAction(CaseActionError):
    """The action does not exist in the case's current state."""

    code = "cases.illegal_action"


class CaseConflict(CaseActionError):
    """Someone else changed the case first: refresh and retry."""

    code = "cases.conflict"
    default_message = "案件已被他人处理，请刷新页面后再操作。"
