"""Procurement's error codes (core/errors.py)."""
from __future__ import annotations

from civicgrid.core import workflow
from civicgrid.core.errors import CONFLICT, FORBIDDEN, INVALID, AppError


class IllegalAction(workflow.IllegalAction):
    code = "procurement.illegal_action"
    default_message = "项目当前状态不允许此操作。"


class CallConflict(workflow.Conflict):
    code = "procurement.conflict"
    default_message = "项目已被他人处理，请刷新页面后再操作。"


class NotEligible(AppError):
    code = "procurement.not_eligible"
    kind = INVALID
    default_message = "不符合本项目的申报资格。"


class BiddingClosed(AppError):
    code = "procurement.bidding_closed"
    kind = CONFLICT
    default_message = "本项目不在投标期内。"


class ScoringRefused(AppError):
    code = "procurement.scoring_refused"
    kind = FORBIDDEN
    default_message = "不能提交该评分。"


class PaymentRefused(AppError):
    code = "procurement.payment_refused"
    kind = CONFLICT
    default_message = "不能付款。"


class FundExceeded(AppError):
    code = "procurement.fund_exceeded"
    kind = CONFLICT
    default_message = "超出资金额度或合同金额。"
