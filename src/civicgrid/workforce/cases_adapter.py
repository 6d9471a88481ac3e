"""The workforce's only doorway into cases: a patrol finding becomes a case (信息采集 by the grid worker).

Kept in one small file (like mediation/cases_adapter.py) so a change in cases touches the workforce here only.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError

from civicgrid.cases.models import Case, Category
from civicgrid.cases import workflow as CW
from civicgrid.core.scoping import visible_to


def categories():
    return Category.objects.filter(active=True).order_by("code")


def report_finding(actor, *, grid, category_code: str, description: str, building=None, now=None) -> Case:
    from civicgrid.cases import services

    category = Category.objects.filter(code=(category_code or "").strip(), active=True).first()
    if category is None:
        raise ValidationError("请选择有效的问题类别。")
    lng = building.lng if building is not None else None
    lat = building.lat if building is not None else None
    address = str(building)[:200] if building is not None else ""
    return services.intake(actor, channel="grid_worker", category=category, description=description,
                           lng=lng, lat=lat, region=grid if lng is None else None, address=address,
                           source="巡查发现", now=now)


def open_cases(grid_ids, *, limit: int | None = None):
    """The grids' open cases (values only: the task list needs number, category, state, due)."""
    qs = (Case.objects.filter(grid_id__in=grid_ids, state__in=CW.OPEN_STATES)
          .order_by("due_at").values("number", "grid_id", "state", "due_at", "urgent", "category__name"))
    return qs[:limit] if limit else qs


def state_label(state: str) -> str:
    return CW.STATE_LABELS.get(state, state)


def reported_open(user, reporter) -> list[str]:
    """Open cases a worker reported and the user may see (what a leaver hands over)."""
    return list(visible_to(user, Case.objects.filter(reporter=reporter, state__in=CW.OPEN_STATES))
                .values_list("number", flat=True))


# -- joint enforcement operations (cases/joint.py holds the operation and its findings' intake) -----
def plan_operation(actor, *, title: str, region, day, units, plan: str = ""):
    from civicgrid.cases import joint

    return joint.plan_operation(actor, title=title, region=region, day=day, units=units, plan=plan)


def report_operation_finding(actor, operation, *, number: str, category_code: str, description: str, region=None,
                             address: str = "") -> Case:
    """A problem found on a joint operation becomes a case (cases.joint.record_finding) carrying the
    operation's number in its description, so whoever handles the case can quote it."""
    from civicgrid.cases import joint

    category = Category.objects.filter(code=(category_code or "").strip(), active=True).first()
    if category is None:
        raise ValidationError("请选择有效的问题类别。")
    description = (description or "").strip()
    if not description:
        raise ValidationError("请填写问题描述。")
    return joint.record_finding(actor, operation, category=category, description=f"【联合执法行动 {number}】{description}",
                                region=region, address=address)

