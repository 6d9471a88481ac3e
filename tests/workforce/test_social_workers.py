"""Social workers: certificates and CE hours, posts, subsidy by level with effective dates, the month's
quota assessment against hand-computed figures, referrals (consent, acceptance), case notes masked and
revealed with a reason, and who sees which clients."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicgrid.core.models import AuditEntry
from civicgrid.workforce import socialwork as SW
from civicgrid.workforce.models import Client, Contact, Referral, SocialQuota, SubsidyRate

pytestmark = pytest.mark.django_db


@pytest.fixture
def sw(territory):
    """Two social workers in community A1, one in B1, each with a client of the register."""
    from civicgrid.core import roles as R
    from civicgrid.people.models import Person
    from tests.factories import make_user

    t = territory
    staff = {"A": t.users["staff_A1"], "B": t.users["staff_B1"]}
    u = {k: make_user(f"sw_{k}", R.COMMUNITY_STAFF, t.communities[comm], name=name)
         for k, comm, name in [("a", "A1", "陈社工"), ("a2", "A1", "林社工"), ("b", "B1", "周社工")]}
    w = {k: SW.register_worker(staff["B" if k == "b" else "A"], user=u[k], region=t.communities["B1" if k == "b" else "A1"],
                               registration_no=f"HD-{k}") for k in u}
    people = {k: Person.objects.create(name=name, community=t.communities[c], grid=t.grids[c + "a"])
              for k, name, c in [("a", "王秀英", "A1"), ("b", "李建国", "B1")]}
    clients = {"a": SW.open_client(u["a"], people["a"], need="独居老人情绪疏导"),
               "b": SW.open_client(u["b"], people["b"], need="残疾人康复支持")}
    return {"t": t, "u": u, "w": w, "people": people, "clients": clients, "staff": staff}


def test_certificate_paths_and_continuing_education(sw):
    t, w, staff = sw["t"], sw["w"], sw["staff"]["A"]
    # Senior only through 国考 + 市评; a local certificate only by local review
    with pytest.raises(ValidationError, match="国考 \\+ 市评"):
        SW.add_certificate(staff, w["a"], level="senior", path="exam", number="S-1", issued_on="2024-06-01")
    with pytest.raises(ValidationError, match="地方认定"):
        SW.add_certificate(staff, w["a"], level="local", path="exam", number="L-1", issued_on="2024-06-01")
    SW.add_certificate(staff, w["a"], level="assistant", path="exam", number="A-1", issued_on="2022-06-01")
    SW.add_certificate(staff, w["a"], level="senior", path="exam_review", number="S-1", issued_on="2024-06-01")
    SW.add_certificate(staff, w["a2"], level="local", path="local", number="L-9", issued_on="2023-01-01",
                       valid_until="2024-12-31")  # expired: no requirement, no subsidy
    with pytest.raises(ValidationError, match="已登记"):
        SW.add_certificate(staff, w["a2"], level="senior", path="exam_review", number="S-1", issued_on="2024-06-01")
    with pytest.raises(ValidationError, match="不合理"):
        SW.add_certificate(staff, w["a2"], level="assistant", path="exam", number="X", issued_on="1899-01-01")
    commander = t.users["commander"]
    SW.save_education_rule(commander, district=t.district, level="senior", hours=72)
    SW.save_education_rule(commander, district=t.district, level="assistant", hours=24)
    year = timezone.localdate().year
    day = timezone.localdate().replace(month=1, day=5)
    SW.log_education(sw["u"]["a"], w["a"], day=day, hours="30", course="督导技巧")
    SW.log_education(staff, w["a"], day=day, hours="12.5", course="个案管理")
    st = SW.education_status([w["a"], w["a2"]], year)
    # senior level (the highest valid) needs 72 h; 30 + 12.5 = 42.5 → short
    assert st[w["a"].pk]["level"] == "senior" and st[w["a"].pk]["required"] == 72
    assert st[w["a"].pk]["done"] == Decimal("42.5") and st[w["a"].pk]["short"] is True
    assert st[w["a2"].pk]["level"] is None and st[w["a2"].pk]["short"] is False
    SW.log_education(staff, w["a"], day=day, hours="29.5", course="老年社会工作")
    assert SW.education_status([w["a"]], year)[w["a"].pk]["short"] is False  # 72.0 of 72
    # Street B's staff cannot register a certificate in street A
    with pytest.raises(PermissionDenied, match="管辖范围"):
        SW.add_certificate(sw["staff"]["B"], w["a"], level="assistant", path="exam", number="A-2", issued_on="2022-01-01")


def test_post_coverage_shows_empty_posts_and_communities(sw):
    t, w, staff = sw["t"], sw["w"], sw["staff"]["A"]
    post = SW.create_post(staff, t.communities["A1"])
    SW.create_post(t.users["staff_A2"], t.communities["A2"], name="社区专职社工")
    SW.assign_post(staff, post, w["a"])
    rows = {r["community"].name: r for r in SW.coverage(t.users["dispatcher_A"])}
    assert set(rows) == {"A1社区", "A2社区"}  # street B's communities are not in the street's list
    assert rows["A1社区"]["covered"] and rows["A1社区"]["posts"][0].holder == w["a"]
    assert not rows["A2社区"]["covered"] and rows["A2社区"]["vacant"] == 1
    SW.assign_post(staff, post, None)
    post.refresh_from_db()
    assert post.holder is None and post.since is None
    with pytest.raises(PermissionDenied):
        SW.assign_post(sw["staff"]["B"], post, w["b"])


def test_subsidy_by_level_with_effective_dates(sw):
    t, w, staff, commander = sw["t"], sw["w"], sw["staff"]["A"], sw["t"].users["commander"]
    SW.add_certificate(staff, w["a"], level="assistant", path="exam", number="A-1", issued_on="2025-03-10")
    SW.add_certificate(staff, w["a"], level="intermediate", path="exam", number="M-1", issued_on="2026-05-20")
    SW.save_rate(commander, district=t.district, level="assistant", amount="100", effective_from="2025-01-01")
    SW.save_rate(commander, district=t.district, level="assistant", amount="150", effective_from="2026-01-01")
    SW.save_rate(commander, district=t.district, level="intermediate", amount="200", effective_from="2025-01-01")
    with pytest.raises(ValidationError, match="0–10000"):
        SW.save_rate(commander, district=t.district, level="senior", amount="-5", effective_from="2025-01-01")
    with pytest.raises(PermissionDenied):
        SW.save_rate(staff, district=t.district, level="senior", amount="300", effective_from="2025-01-01")
    by_month = {m: SW.month_sheet([w["a"]], m)[0] for m in
                (dt.date(2025, 2, 1), dt.date(2025, 4, 1), dt.date(2026, 1, 1), dt.date(2026, 6, 1))}
    # Feb 2025: no certificate yet → 0; Apr 2025: assistant at the 2025 rate 100; Jan 2026: the new rate 150;
    # Jun 2026: the 社会工作师 certificate (May 20) is valid on June 1 → 200
    assert [by_month[m]["subsidy"] for m in sorted(by_month)] == [Decimal("0.00"), Decimal("100.00"),
                                                                  Decimal("150.00"), Decimal("200.00")]
    assert by_month[dt.date(2026, 6, 1)]["level_label"] == "社会工作师"


def _contacts(worker, client, month, kinds):
    for i, kind in enumerate(kinds):
        Contact.objects.create(worker=worker, client=client if kind in SW.NEEDS_CLIENT else None, kind=kind,
                               at=timezone.make_aware(dt.datetime.combine(month + dt.timedelta(days=i), dt.time(10))))


def test_month_assessment_against_hand_computed_figures(sw):
    t, w, c = sw["t"], sw["w"], sw["clients"]["a"]
    commander = t.users["commander"]
    SW.save_quota(commander, district=t.district, metric="home_visit", target=8)
    SW.save_quota(commander, district=t.district, metric="special_visit", target=4)
    SW.save_quota(commander, district=t.district, metric="group_session", target=2)
    SW.save_quota(commander, district=t.district, metric="large_event", target=1, period="quarter")
    with pytest.raises(ValidationError, match="0–1000"):
        SW.save_quota(commander, district=t.district, metric="home_visit", target=-1)
    # July 2026: 6 home visits, 5 special visits, 1 group session; a large event in August
    _contacts(w["a"], c, dt.date(2026, 7, 1), ["home_visit"] * 6 + ["special_visit"] * 5 + ["group_session"])
    _contacts(w["a"], c, dt.date(2026, 8, 3), ["large_event", "home_visit"])
    _contacts(w["a"], c, dt.date(2026, 10, 1), ["other"])  # not counted by any quota
    july = SW.month_sheet([w["a"]], dt.date(2026, 7, 1))[0]
    # by hand (July, not the quarter's last month: the large event is progress only):
    # home 6/8 = 0.75, special 5/4 → 1, group 1/2 = 0.5 → (0.75 + 1 + 0.5) / 3 = 0.75
    assert july["done"]["home_visit"] == 6 and july["done"]["special_visit"] == 5
    assert july["score"] == Decimal("0.7500")
    sept = SW.month_sheet([w["a"]], dt.date(2026, 9, 1))[0]
    # September closes the quarter: home 0/8, special 0/4, group 0/2, large event 1/1 (August) → 1/4 = 0.25
    assert sept["done"]["large_event"] == 1 and sept["score"] == Decimal("0.2500")
    large = next(p for p in sept["progress"] if p["metric"] == "large_event")
    assert large["met"] and large["period"] == "quarter"


def test_log_contact_rules(sw):
    u, c = sw["u"], sw["clients"]
    with pytest.raises(ValidationError, match="须选择服务对象"):
        SW.log_contact(u["a"], kind="home_visit")
    with pytest.raises(PermissionDenied, match="负责该个案"):
        SW.log_contact(u["a2"], kind="home_visit", client=c["a"])
    with pytest.raises(PermissionDenied, match="登记在岗的社工"):
        SW.log_contact(sw["t"].users["worker_A1a"], kind="group_session")
    with pytest.raises(ValidationError, match="晚于现在"):
        SW.log_contact(u["a"], kind="group_session", at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="补登"):
        SW.log_contact(u["a"], kind="group_session", at=timezone.now() - dt.timedelta(days=90))
    row = SW.log_contact(u["a"], kind="home_visit", client=c["a"], note="老人血压偏高，联系家属 13912345678")
    entry = AuditEntry.objects.get(action="workforce.sw_contact")
    assert "血压" not in str(entry.detail) and "13912345678" not in str(entry.detail)
    assert Contact.objects.get(pk=row.pk).note.startswith("老人血压")


def test_referral_needs_consent_and_acceptance(sw):
    u, w, c = sw["u"], sw["w"], sw["clients"]["a"]
    with pytest.raises(ValidationError, match="同意"):
        SW.refer(u["a"], c, to_worker=w["a2"], reason="需要心理专业支持", consent=False, consent_how="signed")
    with pytest.raises(ValidationError, match="同意"):
        SW.refer(u["a"], c, to_worker=w["a2"], reason="需要心理专业支持", consent=True, consent_how="")
    assert not Referral.objects.exists()
    with pytest.raises(PermissionDenied):
        SW.refer(u["a2"], c, to_worker=w["a2"], reason="抢个案", consent=True, consent_how="signed")
    r = SW.refer(u["a"], c, to_worker=w["a2"], reason="需要心理专业支持", consent=True, consent_how="signed")
    with pytest.raises(ValidationError, match="待接收"):
        SW.refer(u["a"], c, to_worker=w["a2"], reason="再次转介", consent=True, consent_how="oral")
    with pytest.raises(PermissionDenied, match="接收社工"):
        SW.decide_referral(u["a"], r, accept=True)
    with pytest.raises(ValidationError, match="拒绝原因"):
        SW.decide_referral(u["a2"], r, accept=False)
    r = SW.decide_referral(u["a2"], r, accept=False, reason="个案量已满")
    assert r.state == "declined" and Client.objects.get(pk=c.pk).worker == w["a"]
    r2 = SW.refer(u["a"], c, to_worker=w["a2"], reason="需要心理专业支持", consent=True, consent_how="guardian")
    SW.decide_referral(u["a2"], r2, accept=True)
    assert Client.objects.get(pk=c.pk).worker == w["a2"]
    # The client moved: the old worker no longer sees it, the new one does
    assert not SW.clients(u["a"]).filter(pk=c.pk).exists()
    assert SW.clients(u["a2"]).filter(pk=c.pk).exists()


def test_case_notes_masked_and_revealed_with_reason(sw, client):
    from civicgrid.core import personal_data

    t, u, w, c = sw["t"], sw["u"], sw["w"], sw["clients"]["a"]
    rec = SW.add_record(u["a"], c, kind="intake", text="老人独居，患抑郁症，女儿电话 13912345678")
    assert "workforce.CaseRecord" in {pf.model for pf in personal_data._declared_by_model().get("workforce.CaseRecord", [])} \
        or personal_data.declared(rec)["text"].encrypted
    with pytest.raises(PermissionDenied, match="负责社工及其督导"):
        SW.reveal_records(u["a2"], c, "核对服务记录")
    with pytest.raises(PermissionDenied):
        SW.reveal_records(t.users["staff_A1"], c, "核对服务记录")
    with pytest.raises(ValidationError, match="事由"):
        SW.reveal_records(u["a"], c, "看")
    # Supervisor may read them, with a reason
    SW.supervise(t.users["staff_A1"], supervisor=u["a2"], supervisee=w["a"])
    rows = SW.reveal_records(u["a2"], c, "督导个案进展")
    assert rows[0].text.startswith("老人独居")
    entry = AuditEntry.objects.filter(action="workforce.sw_reveal").latest("id")
    assert entry.reason == "督导个案进展" and "抑郁" not in str(entry.detail)
    # On the page: masked until revealed; the reveal is a logged POST
    client.force_login(u["a"])
    url = f"/workforce/sw/clients/{c.pk}/"
    body = client.get(url).content.decode()
    assert "抑郁" not in body and "13912345678" not in body and "查看需填写事由" in body
    resp = client.post(url, {"what": "reveal", "reason": "准备家访"})
    body = resp.content.decode()
    assert resp.status_code == 200 and "抑郁" in body and resp["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="workforce.sw_reveal", reason="准备家访").exists()


def test_who_sees_which_clients(sw, client):
    t, u, c = sw["t"], sw["u"], sw["clients"]
    assert set(SW.clients(u["a"])) == {c["a"]}
    assert set(SW.clients(u["a2"])) == set()                     # same community, not theirs
    assert set(SW.clients(t.users["staff_A1"])) == {c["a"]}      # community staff, not a social worker
    assert set(SW.clients(t.users["dispatcher_A"])) == {c["a"]}  # street A only
    assert set(SW.clients(t.users["dispatcher_B"])) == {c["b"]}
    client.force_login(u["a2"])
    resp = client.get(f"/workforce/sw/clients/{c['a'].pk}/")
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    client.force_login(t.users["dispatcher_B"])
    resp = client.get(f"/workforce/sw/clients/{c['a'].pk}/")
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    body = client.get("/workforce/sw/desk/").content.decode()
    assert "周社工" in body and "陈社工" not in body
    client.force_login(t.users["dispatcher_A"])
    assert client.get(f"/workforce/sw/clients/{c['a'].pk}/").status_code == 200


def _sheet_rows(content: bytes, title_part: str) -> list[list]:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    ws = next(ws for ws in wb.worksheets if title_part in ws.title)
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_subsidy_and_assessment_in_the_months_allowance_export(sw, client):
    """The pay page's Excel (the month's allowances) carries the social workers' sheet: by hand,
    陈社工 holds 社会工作师 (200 元) and 林社工 助理社会工作师 (100 元): total 300 元; 周社工 (street B) is
    not in street A's export."""
    t, w, staff, commander = sw["t"], sw["w"], sw["staff"]["A"], sw["t"].users["commander"]
    SW.add_certificate(staff, w["a"], level="intermediate", path="exam", number="M-1", issued_on="2024-01-01")
    SW.add_certificate(staff, w["a2"], level="assistant", path="exam", number="A-1", issued_on="2024-01-01")
    SW.add_certificate(sw["staff"]["B"], w["b"], level="senior", path="exam_review", number="S-9", issued_on="2024-01-01")
    for level, amount in [("assistant", 100), ("intermediate", 200), ("senior", 300)]:
        SW.save_rate(commander, district=t.district, level=level, amount=amount, effective_from="2024-01-01")
    SW.save_quota(commander, district=t.district, metric="home_visit", target=4)
    SW.save_quota(commander, district=t.district, metric="group_session", target=2)
    month = timezone.localdate().replace(day=1)
    _contacts(w["a"], sw["clients"]["a"], month, ["home_visit"] * 3 + ["group_session"] * 2)
    client.force_login(t.users["dispatcher_A"])
    resp = client.get(f"/workforce/pay/?month={month:%Y-%m}&format=xlsx")
    assert resp.status_code == 200
    rows = _sheet_rows(resp.content, "社工")
    assert rows[0][:3] == ["姓名", "社区/街道", "证书等级"] and rows[0][-2:] == ["考核得分", "职称补贴（元）"]
    by_name = {r[0]: r for r in rows[1:]}
    # 陈社工: home 3/4 = 0.75, group 2/2 = 1 → 0.875; subsidy 200
    assert by_name["陈社工"][2] == "社会工作师" and by_name["陈社工"][3] == 3
    assert by_name["陈社工"][-2:] == [0.875, 200.0]
    assert by_name["林社工"][-2:] == [0.0, 100.0]
    assert by_name["合计"][-1] == 300.0 and "周社工" not in by_name
    # The first sheet (the grid workforce's allowances) is still there
    assert _sheet_rows(resp.content, "补贴")[0][0] == "姓名"
    # The desk's own export: the same figures plus posts, certificates and CE hours
    resp = client.get(f"/workforce/sw/desk/?month={month:%Y-%m}&format=xlsx")
    assert resp.status_code == 200 and AuditEntry.objects.filter(action="workforce.sw_export").exists()
    roster = _sheet_rows(resp.content, "岗位")
    assert any(r[2] == "陈社工" and "社会工作师" in r[4] for r in roster)


def test_desk_forms_refuse_bad_input_without_500(sw, client):
    t = sw["t"]
    client.force_login(t.users["commander"])
    for data in [{"what": "rate", "district": t.district.code, "level": "senior", "amount": "abc", "effective_from": "2026-01-01"},
                 {"what": "rate", "district": t.district.code, "level": "senior", "amount": "10", "effective_from": "0001-01-01"},
                 {"what": "quota", "district": "999999", "metric": "home_visit", "target": "3"},
                 {"what": "certificate", "worker": "99999999999999999999", "level": "x"},
                 {"what": "nonsense"}]:
        resp = client.post("/workforce/sw/desk/", data, follow=True)
        assert resp.status_code in (200, 400), data
    assert not SubsidyRate.objects.exists() and not SocialQuota.objects.exists()
    resp = client.post("/workforce/sw/desk/", {"what": "rate", "district": t.district.code, "level": "senior",
                                               "amount": "300", "effective_from": "2026-01-01"}, follow=True)
    assert SubsidyRate.objects.get().amount == Decimal("300.00") and "已保存" in resp.content.decode()
    client.force_login(t.users["worker_A1a"])
    resp = client.get("/workforce/sw/desk/")
    assert resp.status_code == 403 and "社工管理需要以下角色之一" in resp.content.decode()
