"""Care's error codes (see core/errors.py). The device endpoint's refusals are API errors with their
own codes (api.py: care.unsigned_request, care.unknown_device, care.stale_request, care.bad_signature,
care.replayed_nonce), since a device is not a user and 401 is not a user-facing kind."""
from __future__ import annotations

from civicgrid.core import workflow
from civicgrid.core.errors import CONFLICT, AppError


class IllegalAction(workflow.IllegalAction):
    code = "care.illegal_action"
    default_message = "求助当前状态不允许此操作。"


class AlertConflict(workflow.Conflict):
    code = "care.conflict"
    default_message = "求助已被他人处理，请刷新页面后再操作。"


class AlreadyPlanned(AppError):
    code = "care.already_planned"
    kind = CONFLICT
    default_message = "该居民已有关爱计划。"
