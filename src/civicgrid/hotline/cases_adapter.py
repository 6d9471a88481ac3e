"""The hotline's only doorway into cases: intake, act, and the one thing cases does not offer yet.

Kept in one small file so that a change in cases.services touches the hotline in one place.
"""
from __future__ import annotations

from civicgrid.cases import services as case_services
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, Category

intake = case_services.intake
act = case_services.act
CaseActionError = case_services.CaseActionError


def can_reopen() -> bool:
    """True once cases' workflow has a `reopen` transition out of CLOSED."""
    return bool(W.rows(W.CLOSED, "reopen"))


def reopen(actor, case: Case, note: str) -> tuple[Case, Case | None]:
    """Reopen a closed case after an unsolved/unsatisfied call-back.

    Returns (case, follow_up). With a `reopen` transition in the workflow the same case goes back
    into handling (follow_up None). Until cases offers one, the problem is handed back as a new
    case linked by its description and source to the old one (重新交办), with the same category,
    place and requester, so it is handled and called back again.
    """
    if can_reopen():
        return act(actor, case, "reopen", note=note), None
    text = f"【回访不满意重新交办】原案件 {case.number}：{note}\n原诉求：{case.description}"[:2000]
    from civicgrid.core import roles as R
    from civicgrid.core.scoping import has_role

    if actor is None:
        channel, source = "resident", f"居民评价重办:{case.number}"
    else:  # a supervisor deciding a review files it as "other"; the hotline files it as hotline
        channel = "hotline" if has_role(actor, R.HOTLINE_OPERATOR) else "other"
        source = f"回访重办:{case.number}"
    follow = intake(actor, channel=channel, category=case.category, description=text, lng=case.lng, lat=case.lat,
                    grid=case.grid, region=case.region, address=case.address, urgent=case.urgent,
                    requester_name=case.requester_name, requester_phone=case.requester_phone, source=source)
    return case, follow


def categories():
    return Category.objects.filter(active=True).order_by("code")
