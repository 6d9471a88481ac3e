"""Providers linked to the social-organisation registry (issue 16): by credit code or by picking from the
registry in the desk's jurisdiction; a malformed code is refused with its GB 32100 reason; the provider page
shows the organisation's grade, credit and catalogue standing and warns on bad credit (without suspending);
the organisation page lists the services it provides."""
import datetime as dt

import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEntry
from civicgrid.services.models import Provider
from tests.factories import make_user
from tests.orgs.conftest import NOW, code, make_eligible, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(world):
    world.users["reg_district"] = make_user("reg_district", "org_registrar", world.district, name="区民政局")
    world.users["reg_A"] = make_user("reg_A", "org_registrar", world.streets["A"], name="A街道社会事务")
    return world


def _link(client, p, **data):
    return client.post(reverse("services:provider", args=[p.pk]), {"what": "organisation", **data}, follow=True)


def test_link_by_credit_code_fills_the_code_and_shows_grade_credit_and_catalogue(reg, client):
    t = reg
    org = make_eligible(t, register(t, name="乐龄助餐服务中心"))
    p = t.providers["good"]
    client.force_login(t.users["centre_A1"])
    body = _link(client, p, credit_code=f" {org.credit_code.lower()} ").content.decode()
    p.refresh_from_db()
    assert p.organisation == org and p.credit_code == org.credit_code
    assert AuditEntry.objects.filter(action="provider.org_link", object_id=str(p.pk),
                                     detail__organisation=org.pk).exists()
    assert "4A（至 2029-04-30）" in body and "信用良好" in body and "在推荐目录内" in body
    assert 'id="org-credit-warning"' not in body
    # The organisation's page lists what it provides as a service provider.
    client.force_login(t.users["reg_district"])
    section = client.get(reverse("orgs:detail", args=[org.pk])).content.decode().split('id="provided-services"')[1]
    assert "乐龄助餐社" in section.split("</section>")[0] and "助餐送餐上门" in section.split("</section>")[0]


@pytest.mark.parametrize("raw, reason", [
    ("123", "统一社会信用代码应为 18 位，现为 3 位"),
    ("52110108MJ0000O1XA", "不使用 I、O、Z、S、V"),
])
def test_a_malformed_code_is_refused_with_the_gb32100_reason(reg, client, raw, reason):
    client.force_login(reg.users["centre_A1"])
    body = _link(client, reg.providers["good"], credit_code=raw).content.decode()
    assert reason in body
    assert Provider.objects.get(pk=reg.providers["good"].pk).organisation is None


def test_a_corrupted_check_character_or_an_unknown_code_is_refused(reg, client):
    t = reg
    org = register(t)
    good = org.credit_code
    corrupted = good[:-1] + ("0" if good[-1] != "0" else "1")
    client.force_login(t.users["centre_A1"])
    body = _link(client, t.providers["good"], credit_code=corrupted).content.decode()
    assert f"校验位不正确（第 18 位应为“{good[-1]}”）" in body
    unknown = code("52", 77)
    body = _link(client, t.providers["good"], credit_code=unknown).content.decode()
    assert f"没有统一社会信用代码为 {unknown} 的已登记组织" in body
    assert not Provider.objects.filter(organisation__isnull=False).exists()


def test_pick_from_the_registry_is_scoped_and_rules_hold(reg, client):
    from civicgrid.orgs import services as OS

    t = reg
    groups = {s: OS.file_group(t.users["reg_district"], name=f"{s}街道助老志愿队", street=t.streets[s], filed_on=None,
                               charter="互助", place="活动室", leader="陈志强", members=10, now=NOW) for s in "AB"}
    p = t.providers["ok"]
    client.force_login(t.users["dispatcher_A"])
    page = client.get(reverse("services:provider", args=[p.pk])).content.decode()
    assert "A街道助老志愿队" in page and "B街道助老志愿队" not in page
    body = _link(client, p, organisation=groups["B"].pk).content.decode()
    assert "所选社会组织不存在或不在您的管辖范围内" in body
    assert Provider.objects.get(pk=p.pk).organisation is None
    _link(client, p, organisation=groups["A"].pk)
    assert Provider.objects.get(pk=p.pk).organisation == groups["A"]
    # One registry record is one provider.
    body = _link(client, t.providers["good"], organisation=groups["A"].pk).content.decode()
    assert "已关联服务商“颐家厨房”" in body
    # Unlinking is audited too.
    _link(client, p, unlink="1")
    assert Provider.objects.get(pk=p.pk).organisation is None
    assert AuditEntry.objects.filter(action="provider.org_unlink", object_id=str(p.pk)).exists()


def test_enterprise_mismatched_code_and_other_streets_desk_are_refused(reg, client):
    t = reg
    org = register(t)
    p = t.providers["good"]
    Provider.objects.filter(pk=p.pk).update(kind="enterprise")
    client.force_login(t.users["centre_A1"])
    assert "企业类服务商不是社会组织" in _link(client, p, credit_code=org.credit_code).content.decode()
    Provider.objects.filter(pk=p.pk).update(kind="social_org", credit_code=code("52", 9))
    assert "与阳光养老服务中心的" in _link(client, p, credit_code=org.credit_code).content.decode()
    client.force_login(t.users["dispatcher_B"])
    resp = client.post(reverse("services:provider", args=[p.pk]), {"what": "organisation", "credit_code": org.credit_code})
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    assert Provider.objects.get(pk=p.pk).organisation is None


def test_bad_credit_is_a_warning_on_the_provider_page_not_a_suspension(reg, client):
    from civicgrid.orgs import services as OS

    t = reg
    org = make_eligible(t, register(t))
    p = t.providers["good"]
    client.force_login(t.users["centre_A1"])
    _link(client, p, credit_code=org.credit_code)
    OS.add_credit_event(t.users["reg_district"], org, kind="bad", category="serious", source="civil_affairs",
                        occurred_on=dt.date(2026, 5, 1), description="弄虚作假骗取补贴", now=NOW)
    body = client.get(reverse("services:provider", args=[p.pk])).content.decode()
    warning = body.split('id="org-credit-warning"')[1].split("</p>")[0]
    assert "严重失信" in warning
    assert "不在推荐目录内" in body and "近三年无不良信用记录" in body
    p.refresh_from_db()
    assert p.status == "active"


def test_demo_seeder_links_the_demo_providers_to_their_organisations():
    from civicgrid.orgs import demo as orgs_demo
    from civicgrid.regions import demo as regions_demo
    from civicgrid.services import demo

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    demo.run(orders=4)
    assert demo.link_organisations() == 0  # before the registry's seeder: nothing to link yet
    orgs_demo.run()
    assert demo.link_organisations() == len(demo.DEMO_ORG_LINKS)
    linked = Provider.objects.filter(organisation__isnull=False).select_related("organisation")
    assert {p.name for p in linked} == set(demo.DEMO_ORG_LINKS)
    assert all(p.credit_code == p.organisation.credit_code and p.kind != "enterprise" for p in linked)
    assert demo.link_organisations() == 0  # once
