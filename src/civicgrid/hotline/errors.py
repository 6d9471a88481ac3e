"""The hotline's error codes (see core/errors.py): the status comes from the code, never the text."""
from __future__ import annotations

from civicgrid.core.errors import THROTTLED, AppError


class RateLimited(AppError):
    """Too many codes, reports or look-ups from one phone or network in the window."""

    code = "hotline.rate_limited"
    kind = THROTTLED
    default_message = "操作过于频繁，请稍后再试。"
