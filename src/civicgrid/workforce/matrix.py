"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py): a staff profile, a volunteer
with pending hours, and a case with a joint lead unit, inside street A and inside street B.
Referenced from manifest.py only."""
from __future__ import annotations


def objects(territory) -> dict:
    import datetime as dt

    from django.utils import timezone

    from civicgrid.cases import joint
    from civicgrid.cases.models import Case, Category
    from civicgrid.cases import services as case_services
    from civicgrid.core.models import Role

    from . import services
    from .models import StaffType

    t = territory
    out = {}
    st, _ = StaffType.objects.get_or_create(code="grid_worker", defaults={"name": "专职网格员", "order": 1})
    category = Category.objects.filter(active=True).order_by("code").first()
    for key in ("A", "B"):
        staff = t.users[f"staff_{key}1"]
        seat = Role.objects.get(user=t.users[f"worker_{key}1a"], region=t.grids[f"{key}1a"])
        out[f"wf_profile_{key}"] = services.onboard(staff, seat, staff_type=st, employer=f"{key}街道办事处")
        v = services.register_volunteer(grid=t.grids[f"{key}1a"], name="李志愿", phone=f"1390000000{1 if key == 'A' else 2}",
                                        consent=True)
        out[f"wf_volunteer_{key}"] = v
        out[f"wf_hours_{key}"] = services.log_hours(v, day=timezone.localdate(), hours=2, note="陪同走访独居老人")
        case = case_services.intake(staff, channel="community", category=category, description=f"{key}街道联合处置案件",
                                    region=t.grids[f"{key}1a"])
        joint.add_part(t.users[f"dispatcher_{key}"], case, t.units[("police", key)], task="牵头清理", lead=True,
                       due_at=timezone.now() + dt.timedelta(days=2))
        out[f"wf_case_{key}"] = case
        out.update(_social_worker(t, key))
    out.update(operation_objects(t))
    from .models import TimeBankRule

    TimeBankRule.objects.get_or_create(district=t.district, defaults={"enabled": True})  # the bank's pages answer
    return out


def _social_worker(t, key: str) -> dict:
    """A social worker of community {key}1 with a client of the register and a case note."""
    from civicgrid.core import roles as R
    from civicgrid.core.models import Role, User
    from civicgrid.people.models import Person

    from . import socialwork

    user = User.objects.create_user(username=f"sw_matrix_{key}", password="pass-1234", display_name=f"{key}社工")
    Role.objects.create(user=user, role=R.COMMUNITY_STAFF, region=t.communities[f"{key}1"])
    sw = socialwork.register_worker(t.users[f"staff_{key}1"], user=user, region=t.communities[f"{key}1"])
    person = Person.objects.create(name=f"{key}服务对象", community=t.communities[f"{key}1"], grid=t.grids[f"{key}1a"])
    client = socialwork.open_client(user, person, need="独居老人关怀")
    socialwork.add_record(user, client, kind="intake", text="个案记录（矩阵测试）")
    return {f"sw_client_{key}": client}


def sw_client_args(objs, inside: bool) -> dict:
    return {"pk": objs["sw_client_A" if inside else "sw_client_B"].pk}


def profile_args(objs, inside: bool) -> dict:
    return {"pk": objs["wf_profile_A" if inside else "wf_profile_B"].pk}


def volunteer_args(objs, inside: bool) -> dict:
    return {"number": objs["wf_volunteer_A" if inside else "wf_volunteer_B"].number}


def case_args(objs, inside: bool) -> dict:
    return {"number": objs["wf_case_A" if inside else "wf_case_B"].number}


# -- joint enforcement operations: one in community A1 (street A's urban unit leads, its police take
# part) and one in community B1 with street B's units.
def operation_objects(t) -> dict:
    from django.utils import timezone

    from . import services

    out = {}
    for key in ("A", "B"):
        out[f"wf_operation_{key}"] = services.plan_operation(
            t.users[f"dispatcher_{key}"], title=f"{key}1社区占道经营联合整治", region=t.communities[f"{key}1"],
            starts_at=timezone.now(), ends_at=None, lead_unit=t.units[("urban", key)],
            units=[t.units[("police", key)]], targets="学院路沿街商户", briefing="八点集合")
    return out


def operation_args(objs, inside: bool) -> dict:
    return {"number": objs["wf_operation_A" if inside else "wf_operation_B"].number}
