"""Mediation's only doorway into cases: hand a dispute-category case over to mediation.

Kept in one small file (like hotline/cases_adapter.py) so a change in cases touches mediation here only.
The case keeps its own closed loop; the dispute records the case number and the requester as applicant.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.cases.models import Case
from civicgrid.core.scoping import visible_to

# Category codes (cases/data) of the dispute classes and the mediation type each becomes.
DISPUTE_CATEGORIES = {"50001": "neighbour", "50002": "family", "50003": "property", "50004": "labour"}


def find_case(user, number: str) -> Case:
    case = visible_to(user, Case.objects.select_related("category", "region")).filter(number=(number or "").strip()).first()
    if case is None:
        raise PermissionDenied("案件不存在或不在您的管辖范围内。")
    return case


def handover(actor, number: str, *, now=None):
    """Register the case as a dispute (source "case"); refused for other categories or a second time."""
    from . import services
    from .models import Dispute

    case = find_case(actor, number)
    kind = DISPUTE_CATEGORIES.get(case.category.code)
    if kind is None:
        raise ValidationError(f"案件类别“{case.category.name}”不是矛盾纠纷类，不能移交调解。")
    existing = Dispute.objects.filter(case_number=case.number).first()
    if existing is not None:
        raise ValidationError(f"该案件已移交调解（纠纷 {existing.number}）。")
    parties = [{"side": "applicant", "name": case.requester_name or "（案件诉求人）", "phone": case.requester_phone}]
    return services.register(actor, source="case", type=kind, summary=case.description, region=case.region,
                             parties=parties, address=case.address, case_number=case.number, now=now)


def dispute_cases(user, limit: int = 50):
    """Open dispute-category cases the user can see and that have not been handed over yet."""
    from civicgrid.cases import workflow as CW

    from .models import Dispute

    taken = Dispute.objects.exclude(case_number="").values("case_number")
    return (visible_to(user, Case.objects.select_related("category"))
            .filter(category__code__in=list(DISPUTE_CATEGORIES), state__in=CW.OPEN_STATES)
            .exclude(number__in=taken).order_by("-created_at")[:limit])
