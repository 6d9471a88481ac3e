"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py): an elder with a care plan and
an open alert in street A (kept by the app-role users the matrix seats there: care_helper_A,
social_worker_A, care_volunteer_A) and the same in street B. Referenced from manifest.py only."""
from __future__ import annotations

import datetime as dt


def objects(territory) -> dict:
    from civicgrid.core.models import Role, User
    from civicgrid.people import services as people

    from . import rhythms as RH
    from . import services
    from . import workflow as W

    t = territory
    out = {}
    for key, grid in (("A", "A1a"), ("B", "B1a")):
        community = t.communities[f"{key}1"]
        staff = t.users[f"staff_{key}1"]
        helpers = {}
        for role in (W.CARE_HELPER, W.SOCIAL_WORKER, W.CARE_VOLUNTEER):
            name = f"{role}_{key}"
            u = t.users.get(name) or User.objects.filter(username=name).first()
            if u is None:
                u = User.objects.create_user(username=name, display_name=f"{key}街道{role}")
                Role.objects.create(user=u, role=role, region=community)
            helpers[role] = u
        b = people.create_building(staff, community=community, name="矩阵楼", address=f"{key}路1号",
                                   lng=116.005 + (0.02 if key == "B" else 0), lat=39.905)
        room = people.room_at(staff, b, "1单元", "101")
        p = people.create_person(staff, {"name": f"{key}关爱老人", "phone": "13900001111"}, room=room)
        people.add_tag(staff, p, "elderly_alone", reason="独居")
        plan = services.create_plan(staff, p, workers={
            "daily_call": (helpers[W.CARE_HELPER], RH.HELPER), "weekly_home": (helpers[W.CARE_HELPER], RH.HELPER),
            "monthly_visit": (helpers[W.SOCIAL_WORKER], RH.SOCIAL_WORKER)})
        services.add_responder(staff, plan, "neighbour", user=helpers[W.CARE_VOLUNTEER])
        out[f"care_plan_{key}"] = plan
        out[f"care_rhythm_{key}"] = plan.rhythms.get(kind="daily_call")
        out[f"care_alert_{key}"] = services.raise_alert(staff, plan, source="call", kind="fall", health="腿疼",
                                                        location="客厅")
    return out


def plan_args(objs, inside: bool) -> dict:
    return {"pk": objs["care_plan_A" if inside else "care_plan_B"].pk}


def rhythm_args(objs, inside: bool) -> dict:
    return {"pk": objs["care_rhythm_A" if inside else "care_rhythm_B"].pk}


def alert_args(objs, inside: bool) -> dict:
    return {"number": objs["care_alert_A" if inside else "care_alert_B"].number}


def community_args(objs, inside: bool) -> dict:
    return {"code": objs["care_plan_A" if inside else "care_plan_B"].community.code}
