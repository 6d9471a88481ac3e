"""Every read a user triggers, through visible_to / scope_q (core scoping)."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from civicgrid.core import roles as R
from civicgrid.core.scoping import get_visible_or_404, has_role, sees_everything, unit_ids, visible_to
from civicgrid.regions.models import Region

from .models import Activity, Correction, HourEntry, Patrol, StaffProfile, StaffType, Team, Volunteer


def profiles(user, *, active: bool = True) -> QuerySet:
    qs = visible_to(user, StaffProfile.objects.select_related("user", "staff_type", "region", "seat"))
    return qs.filter(left_on__isnull=True) if active else qs


def profile(user, pk: int) -> StaffProfile:
    return get_visible_or_404(user, StaffProfile.objects.select_related("user", "staff_type", "region", "seat"), pk=pk)


def staff_types() -> QuerySet:
    return StaffType.objects.all()


def unprofiled_seats(user) -> QuerySet:
    """Roster seats in scope that have no workforce profile yet (to onboard)."""
    from civicgrid.core.models import Role

    return (Role.objects.filter(staff_profile__isnull=True, user__is_active=True)
            .filter(Q(region__in=visible_to(user, Region.objects.all())) |
                    Q(department_unit__region__in=visible_to(user, Region.objects.all())))
            .select_related("user", "region", "department_unit").order_by("region__path", "role"))


def grids(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level="grid")).order_by("code")


def areas(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level__in=["community", "street", "district"])).order_by("path")


def districts(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level="district")).order_by("code")


def patrols(user) -> QuerySet:
    return visible_to(user, Patrol.objects.select_related("worker", "grid"))


def corrections(user, *, state: str = "open") -> QuerySet:
    qs = visible_to(user, Correction.objects.select_related("grid", "building", "household", "check_row__patrol__worker"))
    return qs.filter(state=state) if state else qs


def volunteers(user) -> QuerySet:
    return visible_to(user, Volunteer.objects.select_related("grid", "team"))


def volunteer(user, number: str) -> Volunteer:
    return get_visible_or_404(user, Volunteer.objects.select_related("grid"), number=number)


def hour_entries(user, *, state: str = "pending") -> QuerySet:
    qs = visible_to(user, HourEntry.objects.select_related("volunteer__grid", "activity"))
    return qs.filter(state=state) if state else qs


def hour_entry(user, pk: int) -> HourEntry:
    return get_visible_or_404(user, HourEntry.objects.select_related("volunteer__grid"), pk=pk)


def activities(user) -> QuerySet:
    return visible_to(user, Activity.objects.select_related("grid", "team"))


def teams(user) -> QuerySet:
    return visible_to(user, Team.objects.select_related("grid", "social_worker", "grid_leader"))


def joint_case(user, number: str):
    """A case for its joint-action page: visible to the user, or one where the user's unit has a part."""
    from django.http import Http404

    from civicgrid.cases.models import Case

    qs = Case.objects.select_related("category", "region", "assigned_unit")
    case = visible_to(user, qs).filter(number=number).first()
    if case is None and unit_ids(user):
        case = qs.filter(number=number, joint_parts__unit_id__in=unit_ids(user)).first()
    if case is None:
        raise Http404("案件不存在或不在您的管辖范围内")
    return case


def joint_parts(case):
    from civicgrid.cases.joint_models import JointPart

    return JointPart.objects.filter(case=case).select_related("unit")


def units_for(case):
    from civicgrid.departments.models import DepartmentUnit

    return DepartmentUnit.objects.filter(active=True, region__path__in=[case.street.path, case.district.path]
                                         ).select_related("department").order_by("department__code", "name")


def is_worker(user) -> bool:
    return any(r.role == R.GRID_WORKER for r in user.roles.all())


# -- joint enforcement operations (联合执法行动) ------------------------------------------------------
TERRITORIAL = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.HOTLINE_OPERATOR,
               R.SYSTEM_ADMIN)
NOT_TAKING_PART = "您的单位未参加该联合执法行动，不能查看或登记。"


def operations(user) -> QuerySet:
    """Operations over the user's territory (its seats' subtrees), plus, for a department seat, those
    its unit takes part in — never every operation over a unit's service area."""
    from .models import OperationPlan

    qs = OperationPlan.objects.select_related("operation__region", "street", "lead_unit")
    territorial = [r for r in TERRITORIAL if has_role(user, r)]
    q = Q(pk__in=visible_to(user, OperationPlan.objects.all(), roles=tuple(territorial)).values("pk")) if (
        territorial or sees_everything(user)) else Q(pk__in=[])
    mine = unit_ids(user)
    if mine:
        q |= Q(pk__in=OperationPlan.objects.filter(operation__units__in=mine).values("pk"))
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    return qs.filter(q)


def operation(user, number: str):
    """One operation for its page. A department seat whose unit serves the area but does not take part
    is refused with that reason (403); anything else out of reach is absent (404)."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    plan = operations(user).filter(number=number).first()
    if plan is not None:
        return plan
    mine = unit_ids(user)
    if mine:
        from .models import OperationPlan

        other = OperationPlan.objects.select_related("operation__region").filter(number=number).first()
        if other is not None and visible_to(user, Region.objects.filter(pk=other.operation.region_id)).exists():
            raise PermissionDenied(NOT_TAKING_PART)
    raise Http404("联合执法行动不存在或不在您的管辖范围内")


def operation_findings(plan) -> QuerySet:
    return plan.findings.select_related("unit", "by")


def operation_units(region) -> QuerySet:
    """The active units that can take part in an operation in this area: the street's and the district's."""
    from civicgrid.departments.models import DepartmentUnit

    paths = [r.path for r in [region, *region.ancestors()] if r.level in ("street", "district")]
    return (DepartmentUnit.objects.filter(active=True, region__path__in=paths)
            .select_related("department", "region").order_by("region__path", "department__code", "name"))


def unit_handlers(units) -> list:
    from civicgrid.core.models import Role

    seats = Role.objects.filter(department_unit__in=units, role=R.DEPARTMENT_HANDLER, user__is_active=True).select_related("user")
    return list({s.user_id: s.user for s in seats}.values())


def operation_areas(user) -> QuerySet:
    """Where the user may plan an operation: streets, communities and grids under their organiser seats."""
    return visible_to(user, Region.objects.filter(level__in=["street", "community", "grid"]),
                      roles=(R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)).order_by("path")


def plannable_units(areas) -> list:
    """The units an organiser may pick from, over the streets of their areas and those streets' districts."""
    from civicgrid.departments.models import DepartmentUnit

    paths = set()
    for a in areas:
        if a.level == "street":
            paths.add(a.path)
            paths.update(r.path for r in a.ancestors() if r.level == "district")
    return list(DepartmentUnit.objects.filter(active=True, region__path__in=paths).select_related("region")
                .order_by("region__path", "name")[:500])


# -- the time bank (时间银行) -------------------------------------------------------------------------
def bank_entries(volunteer) -> QuerySet:
    return volunteer.bank_entries.select_related("benefit", "counterpart", "by")


def benefits(user) -> QuerySet:
    from .models import Benefit

    return visible_to(user, Benefit.objects.select_related("district"))


# -- the public roster's phone rule (regions:public_roster asks here) --------------------------------
# A seat with no workforce profile keeps what the roster showed before the rule existed (the seat is
# marked public, so its work phone is): flip this to "masked" to make such seats masked as well.
NO_PROFILE_RULE = "public"


def roster_phone_rules(seat_ids) -> dict:
    """{seat id: "public" | "masked" | "hidden"} for the roster's seats, from each active profile's
    override or its staff type's rule (default "masked"). One query."""
    rules = {pk: NO_PROFILE_RULE for pk in seat_ids}
    for p in StaffProfile.objects.filter(seat_id__in=list(rules), left_on__isnull=True).select_related("staff_type"):
        rules[p.seat_id] = p.phone_rule
    return rules


def roster_phone(phone: str, rule: str) -> str:
    """The work phone as the public roster may show it: in clear, masked, or not at all."""
    from civicgrid.core.crypto import mask_phone

    if not phone or rule == "hidden":
        return ""
    return phone if rule == "public" else mask_phone(phone)
