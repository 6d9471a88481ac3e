import datetime as dt
import zoneinfo

import pytest

from civicgrid.orgs import creditcode
from tests.factories import make_user

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 15)
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=TZ)


def code(kind="52", n=1) -> str:
    return creditcode.make("5", kind[1], "110108", f"MJ{n:06d}" + "X")


@pytest.fixture
def world(territory):
    """The test territory with registrars (district, street A, street B) and org contacts."""
    t = territory
    u = t.users
    u["reg_district"] = make_user("reg_district", "org_registrar", t.district, name="区民政局")
    for s in "AB":
        u[f"reg_{s}"] = make_user(f"reg_{s}", "org_registrar", t.streets[s], name=f"{s}街道社会事务")
    return t


def register(t, name="阳光养老服务中心", n=1, *, who="reg_district", kind="service", **kw):
    from civicgrid.orgs import services as S

    kw.setdefault("legal_rep", "张建华")
    kw.setdefault("domains", ["elderly"])
    prefix = {"group": "51", "service": "52", "foundation": "53"}[kind]
    return S.register(t.users[who], name=name, kind=kind, credit_code=code(prefix, n), region=t.district,
                      registered_on=dt.date(2020, 3, 1), now=NOW, **kw)


def make_eligible(t, org, *, who="reg_district"):
    """Grade 4A, inspections 2024 and 2025 passed, two certified social workers: in the default catalogue."""
    from civicgrid.orgs import services as S

    u = t.users[who]
    S.award_grade(u, org, level=4, awarded_on=dt.date(2024, 5, 1), now=NOW)
    for y in (2024, 2025):
        S.decide_inspection(u, org, year=y, result="pass", decided_on=dt.date(y + 1, 4, 1), now=NOW)
    for i in range(2):
        S.add_staff(u, org, name=f"社工{i}", title="社工", certificate="social_worker", certificate_no=f"SW{i}", now=NOW)
    org.refresh_from_db()
    return org
