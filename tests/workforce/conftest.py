import datetime as dt

import pytest
from django.utils import timezone


def at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def wf(territory):
    """Staff types, a duty checklist for the test district, buildings and households in grid A1a."""
    from civicgrid.people.models import Building, Entrance, Household, Room
    from civicgrid.workforce.models import DutyItem, StaffType

    t = territory
    types = {code: StaffType.objects.create(code=code, name=name, order=i, contact_rule=rule)
             for i, (code, name, rule) in enumerate([("grid_worker", "专职网格员", "public"), ("grid_leader", "网格长", "public"),
                                                     ("police", "社区民警", "public"), ("assistant", "协管员", "hidden")])}
    g = t.grids["A1a"]
    buildings = [Building.objects.create(community=t.communities["A1"], grid=g, name=f"{i}号楼", address="学院路12号院",
                                         lng=None, lat=None) for i in (1, 2, 3)]
    households = []
    for i, b in enumerate(buildings):
        e = Entrance.objects.create(building=b, name="1单元")
        r = Room.objects.create(building=b, entrance=e, number=f"10{i + 1}")
        households.append(Household.objects.create(room=r, number=f"H{i + 1}", community=t.communities["A1"]))
    items = {
        "walk": DutyItem.objects.create(district=t.district, list="visit9", name="楼栋巡查", target="building", interval_days=7),
        "home": DutyItem.objects.create(district=t.district, list="visit9", name="入户走访", target="household", interval_days=30),
        "report": DutyItem.objects.create(district=t.district, list="report9", name="安全隐患周报", target="occasion",
                                          interval_days=7),
    }
    return {"t": t, "types": types, "grid": g, "buildings": buildings, "households": households, "items": items}
