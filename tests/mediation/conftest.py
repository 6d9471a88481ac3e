import datetime as dt
import zoneinfo

import pytest

from civicgrid.core import roles as R
from civicgrid.mediation import workflow as W
from tests.factories import make_user

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


T0 = at(2026, 3, 4, 10, 0)  # a Wednesday away from holidays


@pytest.fixture
def world(territory):
    """The test territory plus mediation seats: community and street mediators on both sides, 综治, police."""
    from civicgrid.mediation import services as S

    t = territory
    u = t.users
    for key in ("A1", "A2", "B1"):
        u[f"mediator_{key}"] = make_user(f"mediator_{key}", W.MEDIATOR, t.communities[key], name=f"调解员{key}")
    for key in "AB":
        u[f"mediator_{key}"] = make_user(f"mediator_{key}", W.MEDIATOR, t.streets[key], name=f"街道调解员{key}")
    u["mediator_district"] = make_user("mediator_district", W.MEDIATOR, t.district, name="区联调中心")
    u["zongzhi"] = make_user("zongzhi", W.SECURITY_LIAISON, t.district, name="综治中心")
    u["police_A"] = make_user("police_A", R.DEPARTMENT_HANDLER, unit=t.units[("police", "A")])
    t.mediators = {
        "A1": S.save_mediator(u["staff_A1"], region=t.communities["A1"], name="王阿姨", kind="volunteer",
                              phone="13900001111", specialities=["neighbour", "family"], user=u["mediator_A1"]),
        "B1": S.save_mediator(u["staff_B1"], region=t.communities["B1"], name="李老伯", kind="people",
                              specialities=["neighbour"], user=u["mediator_B1"]),
    }
    t.rooms = {"A1": S.save_room(u["staff_A1"], region=t.communities["A1"], name="王阿姨调解工作室",
                                 specialities=["neighbour"], lead=t.mediators["A1"])}
    return t


PARTIES = [
    {"side": "applicant", "name": "张秀兰", "phone": "13912345678", "id_number": "", "consent": True},
    {"side": "respondent", "name": "刘建国", "phone": "13887654321", "consent": True},
]


def register(t, who="mediator_A1", region=None, now=T0, **kw):
    from civicgrid.mediation import services as S

    kw.setdefault("source", "walk_in")
    kw.setdefault("type", "neighbour")
    kw.setdefault("summary", "楼上卫生间漏水渗到楼下")
    kw.setdefault("parties", [dict(p) for p in PARTIES])
    return S.register(t.users[who], region=region or t.grids["A1a"], now=now, **kw)


SESSION = {"attendees": "双方当事人、调解员", "applicant_statement": "要求赔偿维修费 2000 元",
           "respondent_statement": "同意维修，赔偿金额可以商量", "outcome": "agreement"}
AGREEMENT = "一、刘建国于十五日内赔偿张秀兰维修费一千五百元；二、双方不再因此事发生争执。"
