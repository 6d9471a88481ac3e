"""Incubation (孵化) forms: the street base's staff admit with an entry assessment, record support, plan and
reach milestones, graduate or exit; each write is audited and each refusal carries its reason; street B's
staff cannot touch street A's programme."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from civicgrid.core.models import AuditEntry
from civicgrid.orgs import services as S
from civicgrid.orgs.models import Incubation, IncubationMilestone, IncubationSupport, Incubator

from .conftest import NOW, register

pytestmark = pytest.mark.django_db


def group(t, street="A", name=None):
    return S.file_group(t.users[f"reg_{street}"], name=name or f"{street}1邻里互助队", street=t.streets[street],
                        filed_on=dt.date(2025, 3, 1), charter="互助、自愿、非营利", place="社区活动室",
                        leader="陈志强", members=12, domains=["volunteer"], now=NOW)


@pytest.fixture
def bases(world):
    t = world
    return {s: Incubator.objects.create(name=f"{s}街道孵化基地", region=t.streets[s]) for s in "AB"}


def admit(t, base, org, who="reg_A", **kw):
    kw = {"cohort": "2026 年第一期", "entered_on": dt.date(2026, 3, 1), "entry_score": 82,
          "entry_assessment": "章程完备，骨干稳定", **kw}
    return S.admit(t.users[who], base, org, now=NOW, **kw)


def test_admit_support_milestones_and_graduation_each_audited(world, bases):
    t = world
    inc = admit(t, bases["A"], group(t))
    assert (inc.state, inc.entry_score, inc.cohort) == ("incubating", 82, "2026 年第一期")
    s = S.give_support(t.users["reg_A"], inc, kind="seed_fund", given_on=dt.date(2026, 4, 1), amount="5000.50",
                       note="首期种子资金", now=NOW)
    S.give_support(t.users["reg_A"], inc, kind="training", given_on=dt.date(2026, 4, 2), hours=16,
                   note="项目设计培训", now=NOW)
    assert s.amount == Decimal("5000.50")
    m = S.add_milestone(t.users["reg_A"], inc, title="完成章程修订", due_on=dt.date(2026, 9, 1), now=NOW)
    assert m.reached_on is None
    S.reach_milestone(t.users["reg_A"], m, reached_on=dt.date(2026, 6, 1), now=NOW)
    S.end_incubation(t.users["reg_A"], inc, outcome="graduated", ended_on=dt.date(2026, 6, 10), now=NOW)
    inc.refresh_from_db()
    m.refresh_from_db()
    assert inc.state == "graduated" and inc.ended_on == dt.date(2026, 6, 10)
    assert m.reached_on == dt.date(2026, 6, 1)
    actions = list(AuditEntry.objects.filter(object_type="orgs.incubation", object_id=str(inc.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["incubation.admit", "incubation.support_give", "incubation.support_give",
                       "incubation.milestone_add", "incubation.milestone_reach", "incubation.graduate"]
    with pytest.raises(ValidationError, match="已出壳"):
        S.give_support(t.users["reg_A"], inc, kind="space", given_on=dt.date(2026, 6, 12), amount=100,
                       note="工位", now=NOW)


def test_admission_refusals_carry_their_reason(world, bases):
    t = world
    b_group = group(t, "B")
    # The district registrar reaches both streets: the refusal is the rule, not the jurisdiction.
    with pytest.raises(ValidationError, match="在B街道备案，不能入驻A街道"):
        admit(t, bases["A"], b_group, who="reg_district")
    a_group = group(t)
    with pytest.raises(ValidationError, match="入驻评估得分应在 0–100"):
        admit(t, bases["A"], a_group, entry_score=120)
    with pytest.raises(ValidationError, match="入驻日期不能晚于今天"):
        admit(t, bases["A"], a_group, entered_on=dt.date(2026, 7, 1))
    with pytest.raises(ValidationError, match="入驻日期不能早于2025-03-01"):
        admit(t, bases["A"], a_group, entered_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="请填写入驻评估意见"):
        admit(t, bases["A"], a_group, entry_assessment="  ")
    admit(t, bases["A"], a_group)
    with pytest.raises(ValidationError, match="正在A街道孵化基地孵化中"):
        admit(t, bases["A"], a_group)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        admit(t, bases["A"], group(t, name="A2读书会"), who="reg_B")
    assert Incubation.objects.count() == 1


def test_support_and_milestone_validation(world, bases):
    t = world
    inc = admit(t, bases["A"], group(t))
    u = t.users["reg_A"]

    def give(**kw):
        kw = {"kind": "space", "given_on": dt.date(2026, 4, 1), "note": "办公工位", "amount": "100", **kw}
        return S.give_support(u, inc, now=NOW, **kw)

    for amount, reason in (("-1", "不能为负数"), ("12.345", "最多保留两位小数"), ("abc", "金额应为数字"),
                           ("NaN", "金额应为数字"), ("20000000", "不能超过 1000 万元")):
        with pytest.raises(ValidationError, match=reason):
            give(amount=amount)
    with pytest.raises(ValidationError, match="请填写金额（元）或时长（小时）"):
        give(amount="0", hours=0)
    with pytest.raises(ValidationError, match="种子资金须填写金额"):
        give(kind="seed_fund", amount="", hours=3)
    with pytest.raises(ValidationError, match="支持日期不能早于2026-03-01"):
        give(given_on=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError, match="未知的支持类型"):
        give(kind="cash")
    assert not IncubationSupport.objects.exists()
    assert give(amount="0.5", kind="space").amount == Decimal("0.50")
    with pytest.raises(ValidationError, match="计划日期不能早于2026-03-01"):
        S.add_milestone(u, inc, title="成立", due_on=dt.date(2026, 1, 1), now=NOW)
    with pytest.raises(ValidationError, match="不能晚于五年之后"):
        S.add_milestone(u, inc, title="成立", due_on=dt.date(2040, 1, 1), now=NOW)
    m = S.add_milestone(u, inc, title="独立执行项目", due_on=dt.date(2026, 12, 1), now=NOW)
    with pytest.raises(ValidationError, match="达成日期不能晚于今天"):
        S.reach_milestone(u, m, reached_on=dt.date(2026, 7, 1), now=NOW)
    with pytest.raises(ValidationError, match="请填写出壳/退出说明"):
        S.end_incubation(u, inc, outcome="exited", ended_on=dt.date(2026, 6, 1), now=NOW)
    S.end_incubation(u, inc, outcome="exited", ended_on=dt.date(2026, 6, 1), note="骨干流失，活动停止", now=NOW)
    assert AuditEntry.objects.filter(action="incubation.exit_incubation", object_id=str(inc.pk)).exists()


def test_admit_form_by_pick_and_by_credit_code_and_its_refusals(world, bases, client):
    t = world
    a_group = group(t)
    org = register(t)  # registered with the district: found by its credit code
    client.force_login(t.users["reg_A"])
    url = reverse("orgs:incubation_admit")
    form = {"incubator": bases["A"].pk, "cohort": "2026 年第二期", "entered_on": "2026-05-01", "entry_score": "75",
            "entry_assessment": "需求明确"}
    body = client.get(url).content.decode()
    assert "A街道孵化基地" in body and "B街道孵化基地" not in body and a_group.name in body
    resp = client.post(url, {**form, "organisation": "999999"})
    assert resp.status_code == 400 and "所选社会组织不存在或不在您的管辖范围内" in resp.content.decode()
    resp = client.post(url, {**form, "credit_code": "123"})
    assert resp.status_code == 400 and "18 位" in resp.content.decode()
    corrupted = org.credit_code[:-1] + ("0" if org.credit_code[-1] != "0" else "1")
    resp = client.post(url, {**form, "credit_code": corrupted})
    assert resp.status_code == 400 and "校验位不正确" in resp.content.decode()
    resp = client.post(url, {**form, "incubator": bases["B"].pk, "organisation": a_group.pk})
    assert resp.status_code == 400 and "请选择您所在街道的孵化基地" in resp.content.decode()
    resp = client.post(url, {**form, "organisation": a_group.pk, "entry_score": "abc"})
    assert resp.status_code == 400 and "入驻评估得分" in resp.content.decode()
    resp = client.post(url, {**form, "organisation": a_group.pk, "entered_on": "2026-02-30"})
    assert resp.status_code == 400 and "日期格式不正确" in resp.content.decode()
    assert not Incubation.objects.exists()
    resp = client.post(url, {**form, "credit_code": org.credit_code})
    inc = Incubation.objects.get(organisation=org)
    assert resp.status_code == 302 and resp["Location"] == reverse("orgs:incubation_detail", args=[inc.pk])
    resp = client.post(url, {**form, "organisation": a_group.pk})
    assert resp.status_code == 302 and Incubation.objects.filter(organisation=a_group, incubator=bases["A"]).exists()


def test_detail_forms_write_and_refuse_with_reasons(world, bases, client):
    t = world
    inc = admit(t, bases["A"], group(t))
    client.force_login(t.users["reg_A"])
    act = reverse("orgs:incubation_act", args=[inc.pk])
    detail = reverse("orgs:incubation_detail", args=[inc.pk])
    resp = client.post(act, {"action": "support", "kind": "seed_fund", "given_on": "2026-04-01", "amount": "3000.005",
                             "note": "种子资金"}, follow=True)
    assert "金额最多保留两位小数" in resp.content.decode() and not IncubationSupport.objects.exists()
    client.post(act, {"action": "support", "kind": "seed_fund", "given_on": "2026-04-01", "amount": "3000.50",
                      "note": "种子资金"})
    client.post(act, {"action": "milestone", "title": "完成章程修订", "due_on": "2026-09-01"})
    m = IncubationMilestone.objects.get(incubation=inc)
    client.post(act, {"action": "reach", "milestone": m.pk, "reached_on": "2026-08-20"})
    m.refresh_from_db()
    assert m.reached_on == dt.date(2026, 8, 20)
    body = client.get(detail).content.decode()
    assert "3000.50" in body and "2026-08-20 达成" in body and "种子资金 3000.50 元" in body
    resp = client.post(act, {"action": "end", "outcome": "exited", "ended_on": "2026-09-01", "note": ""}, follow=True)
    assert "请填写出壳/退出说明" in resp.content.decode()
    client.post(act, {"action": "end", "outcome": "graduated", "ended_on": "2026-09-01", "note": "独立登记"})
    inc.refresh_from_db()
    assert inc.state == "graduated" and inc.outcome_note == "独立登记"
    assert 'id="support-form"' not in client.get(detail).content.decode()


def test_street_b_staff_cannot_see_or_touch_street_a_programme(world, bases, client):
    t = world
    inc = admit(t, bases["A"], group(t))
    client.force_login(t.users["reg_B"])
    resp = client.get(reverse("orgs:incubation_detail", args=[inc.pk]))
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    resp = client.post(reverse("orgs:incubation_act", args=[inc.pk]),
                       {"action": "support", "kind": "space", "given_on": "2026-04-01", "amount": "10", "note": "x"})
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    resp = client.post(reverse("orgs:incubation_admit"), {"incubator": bases["A"].pk, "organisation": inc.organisation.pk,
                                                          "cohort": "x", "entry_score": "60", "entry_assessment": "x"})
    assert resp.status_code == 400 and "请选择您所在街道的孵化基地" in resp.content.decode()
    with pytest.raises(PermissionDenied, match="A街道不在您的管辖范围内"):
        S.give_support(t.users["reg_B"], inc, kind="space", given_on=dt.date(2026, 4, 1), amount=10, note="x",
                       now=NOW)
    # A dispatcher of street A reads the programme but cannot write to it.
    client.force_login(t.users["dispatcher_A"])
    assert client.get(reverse("orgs:incubation_detail", args=[inc.pk])).status_code == 200
    resp = client.post(reverse("orgs:incubation_act", args=[inc.pk]), {"action": "end", "outcome": "graduated"})
    assert resp.status_code == 403 and "需要以下角色之一" in resp.content.decode()
    assert not IncubationSupport.objects.exists() and Incubation.objects.get(pk=inc.pk).state == "incubating"


def test_a_street_registrar_opens_its_base_and_only_its_own(world, client):
    t = world
    client.force_login(t.users["reg_A"])
    url = reverse("orgs:incubation")
    r = client.post(url, {"region": t.streets["A"].pk, "name": "A街道社会组织孵化基地", "address": "学院路1号"})
    assert r.status_code == 302
    base = Incubator.objects.get(name="A街道社会组织孵化基地")
    assert base.region == t.streets["A"] and base.address == "学院路1号"
    assert AuditEntry.objects.filter(action="incubation.open_base", object_id=str(base.pk)).exists()
    assert "A街道社会组织孵化基地" in client.get(url).content.decode()
    # the same name twice in one street: refused with the reason, nothing saved
    r = client.post(url, {"region": t.streets["A"].pk, "name": "A街道社会组织孵化基地"})
    assert r.status_code == 400 and "已有名为“A街道社会组织孵化基地”的孵化基地" in r.content.decode()
    # another street's node is not among the registrar's seats
    r = client.post(url, {"region": t.streets["B"].pk, "name": "越权基地"})
    assert r.status_code == 400 and "请选择您任职的街道或区" in r.content.decode()
    for bad in ("abc", "99999999999999999999", ""):
        r = client.post(url, {"region": bad, "name": "坏参数基地"})
        assert r.status_code == 400
    r = client.post(url, {"region": t.streets["A"].pk, "name": ""})
    assert r.status_code == 400 and "请填写孵化基地名称" in r.content.decode()
    assert Incubator.objects.filter(region=t.streets["A"]).count() == 1
    assert not Incubator.objects.filter(name__in=["越权基地", "坏参数基地"]).exists()
    # the service refuses a node outside the seat whatever the form sends
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.create_incubator(t.users["reg_A"], region=t.streets["B"], name="越权基地")
