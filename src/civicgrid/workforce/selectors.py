"""Every read a user triggers, through visible_to / scope_q (core scoping)."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from civicgrid.core import roles as R
from civicgrid.core.scoping import get_visible_or_404, unit_ids, visible_to
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
