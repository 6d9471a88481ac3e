"""Registry pages: the catalogue with reasons and history, conditions edited by district staff only,
the public disclosure page masks personal data, refusals carry their reason."""
import datetime as dt

import pytest
from django.urls import reverse

from civicgrid.orgs import services as S

from .conftest import NOW, make_eligible, register

pytestmark = pytest.mark.django_db


def test_catalogue_page_shows_every_organisations_reasons_and_history(world, client):
    t = world
    good = make_eligible(t, register(t))
    register(t, name="新成立服务社", n=2)
    client.force_login(t.users["reg_district"])
    body = client.get(reverse("orgs:catalogue")).content.decode()
    assert "阳光养老服务中心" in body and "新成立服务社" in body
    assert "✗</span> 评估等级 3A 及以上：无有效评估等级" in body
    on = (NOW + dt.timedelta(days=1)).date().isoformat()
    body = client.get(reverse("orgs:catalogue") + f"?on={on}").content.decode()
    history = body.split('id="history"')[1].split("</section>")[0]
    assert good.name in history and "新成立服务社" not in history
    assert client.get(reverse("orgs:catalogue") + "?on=2026-13-45").status_code == 400


def test_conditions_page_refuses_street_staff_with_the_reason(world, client):
    t = world
    client.force_login(t.users["reg_A"])
    resp = client.post(reverse("orgs:conditions"), {"metric": "grade_at_least", "value": "4"})
    assert resp.status_code == 403 and "区级" in resp.content.decode()
    client.force_login(t.users["reg_district"])
    resp = client.post(reverse("orgs:conditions"), {"metric": "grade_at_least", "value": "abc"})
    assert resp.status_code == 400 and "等级" in resp.content.decode()
    resp = client.post(reverse("orgs:conditions"), {"metric": "party_covered", "value": "1"})
    assert resp.status_code == 302


def test_public_page_discloses_and_masks(world, client):
    t = world
    org = register(t)
    S.add_credit_event(t.users["reg_district"], org, kind="bad", category="abnormal", source="civil_affairs",
                       occurred_on=dt.date(2026, 5, 1), description="未按时报送年度报告", now=NOW)
    body = client.get(reverse("orgs:public", args=[org.pk])).content.decode()
    assert org.credit_code in body and "未按时报送年度报告" in body and "活动异常" in body
    assert "张建华" not in body and "张*华" in body
    assert client.get(reverse("orgs:public", args=[999999])).status_code == 404


def test_registrar_forms_and_refusals(world, client):
    t = world
    client.force_login(t.users["reg_district"])
    resp = client.post(reverse("orgs:new"), {"kind": "service", "name": "测试中心", "credit_code": "123",
                                             "district": t.district.code, "legal_rep": "李四"})
    assert resp.status_code == 400 and "18 位" in resp.content.decode()
    client.force_login(t.users["reg_A"])
    resp = client.post(reverse("orgs:new"), {"kind": "community", "name": "A1读书会", "street": t.streets["A"].code,
                                             "charter": "自愿", "place": "活动室", "leader": "王五", "members": "9"})
    assert resp.status_code == 302
    client.force_login(t.users["dispatcher_B"])
    org_a = register(t, n=3)
    from civicgrid.orgs.models import Organisation

    a1 = Organisation.objects.get(name="A1读书会")
    resp = client.get(reverse("orgs:detail", args=[a1.pk]))
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    client.force_login(t.users["worker_A1a"])
    resp = client.get(reverse("orgs:index"))
    assert resp.status_code == 403 and "需要以下角色之一" in resp.content.decode()
    assert org_a.status == "registered"
