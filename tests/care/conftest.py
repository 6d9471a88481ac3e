import datetime as dt
import zoneinfo

import pytest

from civicgrid.care import workflow as W
from tests.factories import make_user
from tests.people.conftest import ident

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
# The test territory's grid A1a lies at lng 116.00–116.01, lat 39.90–39.91.
HOME = (116.005, 39.905)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def make_elder(t, key="A1", seq=1, name="王秀英", phone="13912345678", tag="elderly_alone"):
    """A resident of grid <key>a living alone, in a building with a point, tagged by community staff."""
    from civicgrid.people import services as people

    staff = t.users[f"staff_{key}"]
    community = t.communities[key]
    from civicgrid.people.models import Building

    b = Building.objects.filter(community=community).first() or people.create_building(
        staff, community=community, name="3号楼", address=f"{key}路12号院",
        lng=HOME[0] + (0.02 if key.startswith("B") else 0) + (0.0 if key.endswith("1") else 0),
        lat=HOME[1] + (0.01 if key.endswith("2") else 0))
    room = people.room_at(staff, b, "1单元", f"{100 + seq}")
    p = people.create_person(staff, {"name": name, "id_number": ident(seq, dt.date(1940, 3, 2)), "phone": phone,
                                     "birth_date": dt.date(1940, 3, 2)}, room=room)
    people.add_tag(staff, p, tag, reason="独居高龄")
    return p


@pytest.fixture
def care(territory):
    """Helpers in A1 and B1, a social worker in A1, a neighbour volunteer, a plan for an elder in A1 and B1."""
    from civicgrid.care import services as S

    t = territory
    u = t.users
    for key in ("A1", "B1"):
        u[f"helper_{key}"] = make_user(f"helper_{key}", W.CARE_HELPER, t.communities[key], name=f"助老员{key}",
                                       phone=f"1360000{'AB'.index(key[0])}{key[1]}11")
        u[f"social_{key}"] = make_user(f"social_{key}", W.SOCIAL_WORKER, t.communities[key], name=f"社工{key}")
    u["helper_A1b"] = make_user("helper_A1b", W.CARE_HELPER, t.communities["A1"], name="助老员乙")
    u["volunteer_A1"] = make_user("volunteer_A1", W.CARE_VOLUNTEER, t.communities["A1"], name="邻居老刘")
    t.elder = {"A1": make_elder(t, "A1"), "B1": make_elder(t, "B1", seq=2, name="赵桂兰", phone="13987654321")}
    t.plan = {k: S.create_plan(u[f"staff_{k}"], p, today=dt.date(2025, 9, 22)) for k, p in t.elder.items()}
    return t
