"""The hotline's only doorway into cases: intake, act, reopen.

Kept in one small file so that a change in cases.services touches the hotline in one place.
"""
from __future__ import annotations

from civicgrid.cases import services as case_services
from civicgrid.cases.models import Case, Category

intake = case_services.intake
act = case_services.act
CaseActionError = case_services.CaseActionError


def reopen(actor, case: Case, note: str) -> tuple[Case, Case | None]:
    """Reopen a closed case after an unsolved/unsatisfied call-back (回访不满意重办).

    The same case goes back into handling through the workflow's `reopen` transition; its closure
    no longer counts (the rollups subtract it). Returns (case, None): the second element is kept for
    CallBack.follow_up_case, which a district that prefers a new linked case could fill.
    `actor` None means the requester's own rating on the resident page (the system acts for them).
    """
    return act(actor, case, "reopen", note=note), None


def categories():
    return Category.objects.filter(active=True).order_by("code")
