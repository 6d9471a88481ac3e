import datetime as dt
import zoneinfo

import pytest

from civicgrid.affairs import workflow as W
from civicgrid.core import roles as R
from tests.factories import make_user

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


T0 = at(2026, 3, 4, 10, 0)  # a Wednesday away from holidays

ELDERLY = dict(
    code="MZ-GLJT", name="高龄津贴", category="养老服务",
    legal_basis="《中华人民共和国老年人权益保障法》第三十三条；本市高龄老人津贴发放办法",
    review_level="street", decide_level="district",
    materials=[{"code": "id", "name": "申请人居民身份证", "form": "both", "register": True},
               {"code": "hukou", "name": "户口簿", "form": "both", "register": True},
               {"code": "bank", "name": "本人社会保障卡或银行卡", "form": "copy"},
               {"code": "agent", "name": "代办人身份证", "form": "copy", "required": False}],
    fields=[{"key": "name", "label": "申请人姓名", "type": "text", "required": True, "prefill": "name",
             "rules": {"max_length": 20}},
            {"key": "birth", "label": "出生日期", "type": "date", "required": True, "prefill": "birth_date",
             "rules": {"min_age": 80, "not_future": True}},
            {"key": "phone", "label": "联系电话", "type": "phone", "required": True, "prefill": "phone"},
            {"key": "bank", "label": "开户银行", "type": "choice", "required": True,
             "rules": {"choices": ["工商银行", "农业银行", "农商银行"]}},
            {"key": "account", "label": "银行账号", "type": "text", "required": True,
             "rules": {"pattern": r"\d{12,19}"}}],
    limits={"review": 5, "decide": 10, "deliver": 3}, total_days=15, result_kind="payment",
    result_name="高龄津贴按月发放")

FORM = {"name": "张桂兰", "birth": "1940-05-01", "phone": "13912345678", "bank": "工商银行",
        "account": "6222020200112233445"}


@pytest.fixture
def world(territory):
    return build_world(territory)


def build_world(territory):
    from civicgrid.affairs import services as S
    from civicgrid.departments.models import Department, DepartmentUnit
    from civicgrid.people import idnumbers
    from civicgrid.people.models import Person

    t = territory
    u = t.users
    civ = Department.objects.create(code="CIV", name="测试区民政局", short_name="民政", district=t.district)
    t.departments["civil"] = civ
    t.units[("civil", None)] = DepartmentUnit.objects.create(department=civ, name="测试区民政局", region=t.district)
    for key in "AB":
        t.units[("civil", key)] = DepartmentUnit.objects.create(department=civ, name=f"{key}街道民政科",
                                                                region=t.streets[key])
    for key in ("A1", "B1"):
        u[f"clerk_{key}"] = make_user(f"clerk_{key}", W.CLERK, t.communities[key], name=f"窗口{key}")
    for key in "AB":
        u[f"reviewer_{key}"] = make_user(f"reviewer_{key}", W.REVIEWER, t.streets[key], name=f"街道审核{key}")
    u["reviewer_district"] = make_user("reviewer_district", W.REVIEWER, t.district, name="区审核")
    u["civil_district"] = make_user("civil_district", R.DEPARTMENT_HANDLER, unit=t.units[("civil", None)],
                                    name="民政局经办")
    u["civil_A"] = make_user("civil_A", R.DEPARTMENT_HANDLER, unit=t.units[("civil", "A")], name="A民政科")
    t.windows = {key: S.save_window(None, region=t.communities[key], name=f"{key}社区综合受理窗口")
                 for key in ("A1", "B1")}
    t.elderly = S.publish(None, department=civ, **ELDERLY, now=T0 - dt.timedelta(days=30))
    t.ident = idnumbers.make("110108", dt.date(1940, 5, 1), 21)
    t.resident = Person.objects.create(name="张桂兰", sex="F", birth_date=dt.date(1940, 5, 1), id_number=t.ident,
                                       phone="13912345678", community=t.communities["A1"], grid=t.grids["A1a"],
                                       synthetic=True)
    t.resident_B = Person.objects.create(name="李秀英", sex="F", birth_date=dt.date(1938, 2, 1),
                                         id_number=idnumbers.make("110108", dt.date(1938, 2, 1), 33),
                                         phone="13987654321", community=t.communities["B1"], synthetic=True)
    return t


def accept(t, *, who="clerk_A1", window="A1", provided=("bank",), now=T0, person=None, consent=False, form=None,
           applicant=None, version=None, **kw):
    from civicgrid.affairs import services as S

    return S.accept(t.users[who], window=t.windows[window], version=version or t.elderly,
                    applicant=applicant or {"name": "张桂兰", "phone": "13912345678"}, form=dict(form or FORM),
                    provided=provided, person=person, consent=consent, now=now, **kw)
