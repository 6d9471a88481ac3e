"""The registry's error codes (core/errors.py)."""
from __future__ import annotations

from civicgrid.core.errors import CONFLICT, INVALID, AppError


class BadCreditCode(AppError):
    code = "orgs.bad_credit_code"
    kind = INVALID
    default_message = "统一社会信用代码不正确。"


class DuplicateOrganisation(AppError):
    code = "orgs.duplicate"
    kind = CONFLICT
    default_message = "该统一社会信用代码已登记。"


class BadCondition(AppError):
    code = "orgs.bad_condition"
    kind = INVALID
    default_message = "推荐目录条件不正确。"
