"""The hotline's only doorway into cases: intake, act, reopen.

Kept in one small file so that a change in cases.services touches the hotline in one place.
"""
from __future__ import annotations

from civicgrid.cases import services as case_services
from civicgrid.cases.models import Case, Category

intake = case_services.intake
act = case_services.act
CaseActionError = case_services.CaseActionError
reveal_requester = case_services.reveal_requester


def reopen(actor, case: Case, note: str) -> tuple[Case, Case | None]:
    """Reopen a closed case after an unsolved/unsatisfied call-back (回访不满意重办).

    The same case goes back into handling through the workflow's `reopen` transition; its closure
    no longer counts (the rollups subtract it). Returns (case, None): the second element is kept for
    CallBack.follow_up_case, which a district that prefers a new linked case could fill.
    `actor` None means the requester's own rating on the resident page (the system acts for them).
    """
    return act(actor, case, "reopen", note=note), None


def reviewers(case: Case) -> list:
    """Who decides a call-back review (回访复核): the case's street dispatchers, else the command centre."""
    from civicgrid.core import roles as R

    users = list(case_services._users_with_role(R.STREET_DISPATCHER, case))
    return users or list(case_services._users_with_role(R.DISTRICT_COMMANDER, case))


def categories():
    return Category.objects.filter(active=True).order_by("code")
