"""The workforce app's error codes (core/errors.py); validation and permission refusals stay Django's."""
from __future__ import annotations

from civicgrid.core.errors import CONFLICT, AppError


class PatrolTaken(AppError):
    """An upload names a patrol another worker started (a reused client id)."""

    code = "workforce.patrol_taken"
    kind = CONFLICT
    default_message = "该巡查编号属于其他网格员，不能上传。"
