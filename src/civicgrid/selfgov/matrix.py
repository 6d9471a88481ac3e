"""Objects for the jurisdiction matrix: a proposal, meeting, poll and task inside street A and inside
street B, made through the services. Referenced from manifest.py only."""
from __future__ import annotations

import datetime as dt


def objects(territory) -> dict:
    from django.utils import timezone

    from civicgrid.core.models import Role, User
    from civicgrid.departments.models import DepartmentUnit
    from civicgrid.people.models import Person

    from . import evaluation, services
    from .models import AdmissionItem

    t = territory
    out = {}
    now = timezone.now()
    root = User.objects.create_superuser(username="matrix_selfgov_root", password="x-matrix-1")
    for key in ("A", "B"):
        community = t.communities[f"{key}1"]
        staff = User.objects.create_user(username=f"matrix_sg_staff_{key}", display_name=f"居委会{key}")
        Role.objects.create(user=staff, role="community_staff", region=community)
        person = Person.objects.create(name=f"{key}居民", community=community, phone=f"1391111000{'AB'.index(key)}",
                                       birth_date=dt.date(1970, 1, 1), synthetic=True)
        out[f"sg_person_{key}"] = person
        out[f"sg_community_{key}"] = community
        out[f"sg_proposal_{key}"] = services.submit_proposal(person, community, title=f"{key}社区加装电梯",
                                                             body="老楼加装电梯")
        out[f"sg_meeting_{key}"] = services.call_meeting(staff, community, kind="coordination", title="协调会",
                                                         agenda="停车", place="活动室",
                                                         starts_at=now + dt.timedelta(days=4))
        out[f"sg_poll_{key}"] = services.open_poll(staff, community, kind="vote", title="是否改造", options=["同意", "不同意"],
                                                   closes_at=now + dt.timedelta(days=3))
        unit = DepartmentUnit.objects.filter(region=t.streets[key]).first()
        dept_user = User.objects.create_user(username=f"matrix_sg_dept_{key}", display_name=f"部门{key}")
        Role.objects.create(user=dept_user, role="department_handler", department_unit=unit)
        AdmissionItem.objects.get_or_create(district=t.district, reference=f"SQ-{key}", defaults=dict(
            title="测试事项", department=unit.department, funding=1000, authority="组织实施", basis="测试"))
        out[f"sg_task_{key}"] = services.request_task(dept_user, community, title="测试事项", reference=f"SQ-{key}")
    out["sg_period"] = evaluation.set_period(root, t.district, label="矩阵", start=dt.date(2026, 1, 1),
                                             end=dt.date(2026, 6, 30), weights={"cases": 50, "visits": 50})
    return out


def _k(inside: bool) -> str:
    return "A" if inside else "B"


def proposal_args(objs, inside: bool) -> dict:
    return {"number": objs[f"sg_proposal_{_k(inside)}"].number}


def meeting_args(objs, inside: bool) -> dict:
    return {"pk": objs[f"sg_meeting_{_k(inside)}"].pk}


def poll_args(objs, inside: bool) -> dict:
    return {"pk": objs[f"sg_poll_{_k(inside)}"].pk}


def task_args(objs, inside: bool) -> dict:
    return {"pk": objs[f"sg_task_{_k(inside)}"].pk}


def period_args(objs, inside: bool) -> dict:
    return {"pk": objs["sg_period"].pk}


def community_args(objs, inside: bool) -> dict:
    return {"code": objs[f"sg_community_{_k(inside)}"].code}


def proposal_public_args(objs, inside: bool) -> dict:
    return {**community_args(objs, inside), "number": objs[f"sg_proposal_{_k(inside)}"].number}


def meeting_public_args(objs, inside: bool) -> dict:
    return {**community_args(objs, inside), "pk": objs[f"sg_meeting_{_k(inside)}"].pk}


def poll_public_args(objs, inside: bool) -> dict:
    return {**community_args(objs, inside), "pk": objs[f"sg_poll_{_k(inside)}"].pk}
