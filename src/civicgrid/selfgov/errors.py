"""Selfgov's error codes (see core/errors.py): refusals about a proposal's state."""
from __future__ import annotations

from civicgrid.core import workflow


class IllegalAction(workflow.IllegalAction):
    code = "selfgov.illegal_action"
    default_message = "议题当前状态不允许此操作。"


class ProposalConflict(workflow.Conflict):
    code = "selfgov.conflict"
    default_message = "议题已被他人处理，请刷新页面后再操作。"


class NotOnAdmissionList(workflow.WorkflowError):
    """A department asked the residents' committee to take on a task the admission list does not hold."""

    code = "selfgov.not_on_admission_list"
    kind = "forbidden"
    default_message = "该事项不在社区工作事项准入清单内，居委会依法不予承接。"


class NotEligible(workflow.WorkflowError):
    """The verified person is not a registered resident (or representative) of this community."""

    code = "selfgov.not_eligible"
    kind = "forbidden"
    default_message = "只有本社区登记在册的居民（或居民代表）才能参与。"


class AlreadyDone(workflow.WorkflowError):
    """Once per person: a second registration, support or ballot is refused."""

    code = "selfgov.already_done"
    default_message = "您已经参与过，每人只能一次。"
