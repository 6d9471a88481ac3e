"""Registry, filing → registration, oversight, credit rules and the catalogue with reasons and history."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.orgs import catalogue, services as S
from civicgrid.orgs.errors import BadCreditCode, DuplicateOrganisation
from civicgrid.orgs.models import CatalogueSpell, Organisation

from .conftest import NOW, TZ, code, make_eligible, register

pytestmark = pytest.mark.django_db


def test_registration_validates_the_credit_code_and_its_kind(world):
    org = register(world)
    assert org.credit_code == code("52") and org.status == "registered"
    with pytest.raises(DuplicateOrganisation):
        register(world, name="另一家")
    bad = code("52", 2)[:-1] + ("0" if code("52", 2)[-1] != "0" else "1")
    with pytest.raises(BadCreditCode, match="校验位"):
        S.register(world.users["reg_district"], name="错码", kind="service", credit_code=bad, region=world.district,
                   legal_rep="李四")
    with pytest.raises(BadCreditCode, match="应以“51”开头"):
        S.register(world.users["reg_district"], name="社团", kind="group", credit_code=code("52", 3),
                   region=world.district, legal_rep="李四")


def test_legal_representative_is_encrypted_and_masked(world):
    from django.db import connection

    org = register(world)
    with connection.cursor() as cur:
        cur.execute("SELECT legal_rep FROM orgs_organisation WHERE id = %s", [org.pk])
        stored = cur.fetchone()[0]
    assert "张建华" not in stored and org.legal_rep_masked == "张*华"


def test_street_files_a_group_and_the_district_registers_it(world):
    t = world
    grp = S.file_group(t.users["reg_A"], name="A1社区夕阳红舞蹈队", street=t.streets["A"], filed_on=dt.date(2025, 3, 1),
                       charter="自愿组成、非营利", place="A1社区活动室", leader="王秀英", members=18,
                       yearly_plan="每周排练，节日演出", domains=["culture"], now=NOW)
    assert grp.status == "filed" and grp.credit_code == "" and grp.filing.members == 18
    # Street B may not file in street A, nor may street A register (that is the district's).
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.file_group(t.users["reg_B"], name="越权", street=t.streets["A"], filed_on=None, charter="x", place="x",
                     leader="x", members=5)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.promote(t.users["reg_A"], grp, kind="group", credit_code=code("51", 9), district=t.district)
    grp = S.promote(t.users["reg_district"], grp, kind="group", credit_code=code("51", 9), district=t.district,
                    now=NOW)
    assert grp.status == "registered" and grp.region == t.district and grp.filing.registered_on == NOW.date()


def test_hub_and_attached(world):
    hub = register(world, name="区社会组织联合会", n=5, kind="group", is_hub=True)
    org = register(world, n=6, hub=hub)
    assert list(hub.attached.all()) == [org]
    with pytest.raises(ValidationError, match="不是已登记的枢纽型"):
        register(world, name="X", n=7, hub=org)


def test_credit_status_follows_the_rules_as_data(world):
    from civicgrid.orgs.models import CreditRule

    org = register(world)
    u = world.users["reg_district"]
    S.add_credit_event(u, org, kind="bad", category="abnormal", source="civil_affairs",
                       occurred_on=dt.date(2026, 1, 10), description="未按规定报送年度报告", now=NOW)
    org.refresh_from_db()
    assert org.credit_status == "abnormal"
    S.add_credit_event(u, org, kind="bad", category="complaint", source="street", occurred_on=dt.date(2026, 2, 1),
                       description="经核实的服务投诉", now=NOW)
    org.refresh_from_db()
    assert org.credit_status == "dishonest"  # two bad records in three years
    # Staff switch the two-records rule off: the next derivation follows the data.
    CreditRule.objects.filter(status="dishonest", categories=[]).update(active=False)
    assert S.rederive_credit(org, now=NOW) == "abnormal"


def test_catalogue_regenerates_on_change_with_reasons_and_history(world):
    t = world
    org = make_eligible(t, register(t))
    standing = org.standing
    assert standing.included, standing.results
    assert [r["ok"] for r in standing.results] == [True, True, True, True]
    assert "4A" in standing.results[0]["detail"]
    entered = CatalogueSpell.objects.get(organisation=org)
    assert entered.left_at is None

    later = NOW + dt.timedelta(days=10)
    S.add_credit_event(t.users["reg_district"], org, kind="bad", category="penalty", source="civil_affairs",
                       occurred_on=dt.date(2026, 6, 20), description="违规开展评比活动被警告", now=later)
    org.refresh_from_db()
    standing = org.standing
    assert not standing.included
    failed = {r["label"]: r["detail"] for r in standing.results if not r["ok"]}
    assert "近三年无不良信用记录" in failed and "违规开展评比活动被警告" in failed["近三年无不良信用记录"]
    spell = CatalogueSpell.objects.get(organisation=org)
    assert spell.left_at == later and spell.left_because[0]["label"] == "近三年无不良信用记录"
    # History: in on the day after entering, out after the event.
    assert org.pk in set(catalogue.members_on(NOW + dt.timedelta(days=1)))
    assert org.pk not in set(catalogue.members_on(later + dt.timedelta(seconds=1)))
    assert org.pk not in set(catalogue.members_on(NOW - dt.timedelta(days=1)))


def test_conditions_are_data_edited_by_district_staff(world):
    t = world
    org = make_eligible(t, register(t))
    assert org.standing.included
    with pytest.raises(PermissionDenied, match="区级"):
        S.save_condition(t.users["reg_A"], metric="domain_includes", value="children")
    c = S.save_condition(t.users["reg_district"], metric="domain_includes", value="children", now=NOW)
    org.standing.refresh_from_db()
    assert not org.standing.included and c.label == "服务领域包含 儿童与青少年"
    assert org.standing.failed[0]["detail"] == "服务领域：养老服务"
    S.save_condition(t.users["reg_district"], metric="domain_includes", value="children", active=False, condition=c,
                     now=NOW + dt.timedelta(hours=1))
    org.standing.refresh_from_db()
    assert org.standing.included
    assert CatalogueSpell.objects.filter(organisation=org).count() == 2  # left and came back: two spells
    from civicgrid.orgs.errors import BadCondition

    with pytest.raises(BadCondition, match="等级应在 1–5"):
        S.save_condition(t.users["reg_district"], metric="grade_at_least", value="9")


def test_nightly_regeneration_notices_an_expired_grade(world):
    t = world
    org = make_eligible(t, register(t))
    assert org.standing.included
    after_expiry = dt.datetime(2029, 5, 2, 3, 0, tzinfo=TZ)
    catalogue.regenerate(now=after_expiry)
    org.standing.refresh_from_db()
    assert not org.standing.included
    assert "无有效评估等级" in org.standing.results[0]["detail"]


def test_reminders_for_expiring_grades_and_missing_inspections(world):
    from civicgrid.core.models import Notification

    t = world
    org = register(t)
    S.award_grade(t.users["reg_district"], org, level=3, awarded_on=dt.date(2021, 8, 1), now=NOW)
    counts = S.remind(now=NOW)
    assert counts == {"grades": 1, "inspections": 1}
    titles = set(Notification.objects.filter(recipient=t.users["reg_district"]).values_list("title", flat=True))
    assert any(x.startswith("评估等级将到期") for x in titles) and any("2025 年度年检未提交" in x for x in titles)
    assert not Notification.objects.filter(recipient=t.users["reg_B"]).exists()  # not over the district
    assert S.remind(now=NOW) == {"grades": 0, "inspections": 0}  # once


def test_lists_are_scoped_by_street(world):
    from civicgrid.orgs import selectors

    t = world
    a = S.file_group(t.users["reg_A"], name="A队", street=t.streets["A"], filed_on=None, charter="章程", place="活动室",
                     leader="甲", members=5, now=NOW)
    b = S.file_group(t.users["reg_B"], name="B队", street=t.streets["B"], filed_on=None, charter="章程", place="活动室",
                     leader="乙", members=5, now=NOW)
    assert list(selectors.organisations(t.users["reg_A"])) == [a]
    assert set(selectors.organisations(t.users["reg_district"])) == {a, b}


def test_nightly_task_rederives_credit_as_records_age(world):
    """A bad record older than the rule's window no longer marks the organisation, and the nightly
    task notices without any change to its data."""
    from unittest import mock

    from django.utils import timezone

    from civicgrid.orgs import tasks

    t = world
    org = register(t)
    S.add_credit_event(t.users["reg_district"], org, kind="bad", category="abnormal", source="civil_affairs",
                       occurred_on=dt.date(2026, 1, 10), description="未按规定报送年度报告", now=NOW)
    org.refresh_from_db()
    assert org.credit_status == "abnormal"
    later = dt.datetime(2028, 3, 1, 2, 0, tzinfo=TZ)  # two years later: outside the abnormal rule's window
    with mock.patch.object(timezone, "now", return_value=later):
        tasks.regenerate_catalogue.call()
    org.refresh_from_db()
    assert org.credit_status == "normal" and org.standing.trigger == "每日自动更新"
