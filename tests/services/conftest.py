import datetime as dt
import decimal
import zoneinfo

import pytest

from civicgrid.services import workflow as W
from tests.factories import make_user

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


T0 = at(2026, 3, 4, 10, 0)  # a Wednesday away from holidays


@pytest.fixture
def world(territory):
    """The test territory plus the supermarket: a meal item, providers in street A (two, one rated higher)
    and street B, their portal accounts, a service centre seat in A1, and an older resident living alone."""
    from civicgrid.people.models import Person, PersonTag
    from civicgrid.services import matrix as MX

    t = territory
    u = t.users
    u["centre_A1"] = make_user("centre_A1", W.SERVICE_CENTRE, t.communities["A1"], name="A1服务站")
    cat = MX.catalogue()
    t.items = cat
    t.providers = {
        "good": MX.provider("乐龄助餐社", t.communities["A1"], [cat["meal"], cat["repair"]], area=t.streets["A"],
                            username="prov_good", rating=5),
        "ok": MX.provider("颐家厨房", t.communities["A2"], [cat["meal"]], area=t.streets["A"], username="prov_ok",
                          rating=4),
        "B": MX.provider("B街道助餐社", t.communities["B1"], [cat["meal"]], area=t.streets["B"], username="prov_B"),
    }
    from civicgrid.core.models import User

    for k in ("good", "ok", "B"):
        u[f"prov_{k}"] = User.objects.get(username=f"prov_{k}")
    p = Person.objects.create(name="王秀英", phone="13912345678", community=t.communities["A1"], grid=t.grids["A1a"],
                              birth_date=dt.date(1940, 5, 1), synthetic=True)
    PersonTag.objects.create(person=p, kind="elderly_alone", start=dt.date(2025, 1, 1))
    t.person = p
    return t


def place(t, who="centre_A1", now=T0, **kw):
    from civicgrid.services import services as S

    kw.setdefault("item", t.items["meal"])
    kw.setdefault("name", "王秀英")
    kw.setdefault("phone", "13912345678")
    kw.setdefault("address", "幸福小区3号楼2单元501")
    kw.setdefault("region", t.grids["A1a"])
    kw.setdefault("scheduled_for", now + dt.timedelta(hours=1))
    return S.place_order(t.users[who], now=now, **kw)


def fund(t, *, monthly="12", budget="100000", year=2026):
    from civicgrid.services.models import Entitlement, Fund

    f = Fund.objects.create(name="养老服务补贴资金", region=t.district, year=year, budget=decimal.Decimal(budget))
    Entitlement.objects.create(fund=f, kind="elderly_alone", period="month", amount=decimal.Decimal(monthly))
    return f
