import datetime as dt
import zoneinfo

import pytest

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


T0 = at(2026, 3, 4, 10, 0)
NAMES = ["王秀英", "李建国", "张桂兰", "刘志强", "陈海燕", "杨国华", "赵玉梅", "黄德明", "周春生", "吴丽娟", "徐文杰", "孙凤英"]


def person(community, name, phone="", *, born=dt.date(1980, 5, 1), grid=None, moved_out=None):
    from civicgrid.people.models import Person

    return Person.objects.create(name=name, community=community, grid=grid, phone=phone, birth_date=born,
                                 moved_out=moved_out, synthetic=True)


@pytest.fixture
def world(territory):
    """Community A1 with 12 adult residents (phones 1390000000x), a child, one who moved out,
    3 representatives in mandate and one whose mandate ended; community B1 with one resident."""
    from civicgrid.selfgov.models import Representative

    t = territory
    a1, b1 = t.communities["A1"], t.communities["B1"]
    t.people = [person(a1, NAMES[i], f"139000000{i:02d}", grid=t.grids["A1a"]) for i in range(12)]
    t.child = person(a1, "小明", "13900000099", born=dt.date(2015, 1, 1))
    t.gone = person(a1, "迁出者", "13900000098", moved_out=dt.date(2025, 1, 1))
    t.outsider = person(b1, "外社区", "13900000097")
    for p in t.people[:3]:
        Representative.objects.create(community=a1, person=p, kind="resident_rep", mandate_from=dt.date(2024, 1, 1),
                                      mandate_to=dt.date(2028, 12, 31))
    Representative.objects.create(community=a1, person=t.people[3], kind="resident_rep",
                                  mandate_from=dt.date(2020, 1, 1), mandate_to=dt.date(2023, 12, 31))
    return t
