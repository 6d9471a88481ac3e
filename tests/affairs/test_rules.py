"""The rules of one-stop affairs, through the services: catalogue versions, declared forms, consent,
the one-time notice, the clock that stops for 补正, supervision, jurisdiction, personal data, ratings."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.affairs import services as S
from civicgrid.affairs import workflow as W
from civicgrid.affairs.models import Application
from civicgrid.core.calendar import default_calendar
from civicgrid.core.models import AuditEntry, Notification
from civicgrid.core.sms import MemorySMSBackend

from .conftest import ELDERLY, FORM, T0, accept, at

H = dt.timedelta(hours=1)


def _through_review(t, a, now):
    a = S.act(t.users["reviewer_A"], a, "pass_review", now=now)
    assert a.state == W.DECIDE and a.unit == t.units[("civil", None)]
    return a


# -- catalogue -----------------------------------------------------------------------------------------
def test_a_new_version_leaves_applications_on_theirs(world):
    t = world
    a = accept(t, person=t.resident, consent=True)
    assert a.item_version.version == 1
    v2 = S.publish(None, department=t.departments["civil"], **{
        **ELDERLY, "materials": ELDERLY["materials"] + [{"code": "photo", "name": "近期一寸照片", "form": "original"}],
        "note": "增加照片"})
    assert v2.version == 2 and v2.item.current == v2 and v2.item == a.item
    a.refresh_from_db()
    assert a.item_version.version == 1 and "photo" not in {m.code for m in a.materials.all()}
    # The old version is kept as it was and can no longer be used for a new application.
    with pytest.raises(ValidationError, match="已不是现行版本"):
        accept(t, version=t.elderly)
    b = accept(t, version=v2, provided=("bank", "photo"), person=t.resident, consent=True)
    assert b.item_version == v2 and b.state == W.REVIEW


def test_catalogue_declarations_are_checked(world):
    t = world
    civ = t.departments["civil"]
    with pytest.raises(ValidationError, match="类型"):
        S.publish(None, department=civ, **{**ELDERLY, "fields": [{"key": "x", "label": "某项", "type": "blob"}]})
    with pytest.raises(ValidationError, match="逐级向上"):
        S.publish(None, department=civ, **{**ELDERLY, "review_level": "district", "decide_level": "street"})
    with pytest.raises(ValidationError, match="承诺时限不能短于"):
        S.publish(None, department=civ, **{**ELDERLY, "total_days": 10})
    with pytest.raises(PermissionDenied):
        S.publish(t.users["clerk_A1"], department=civ, **ELDERLY)
    assert t.elderly.item.versions.count() == 1


# -- the declared form -----------------------------------------------------------------------------------
def test_the_form_is_validated_from_its_declared_fields(world):
    t = world
    bad = {"name": "", "birth": "1960-01-01", "phone": "12345", "bank": "花旗银行", "account": "12ab"}
    with pytest.raises(ValidationError) as exc:
        accept(t, form=bad)
    errors = exc.value.message_dict
    assert set(errors) == {"name", "birth", "phone", "bank", "account"}
    assert "请填写申请人姓名" in errors["name"][0]
    assert "年满 80 周岁" in errors["birth"][0]
    assert "工商银行" in errors["bank"][0]
    assert "格式不正确" in errors["account"][0]
    assert not Application.objects.exists()
    a = accept(t, form={**FORM, "name": "  张桂兰 "})
    assert a.form["name"] == "张桂兰" and a.form["birth"] == "1940-05-01"


# -- consent and the register ----------------------------------------------------------------------------------
def test_prefill_needs_consent_and_is_audited_without_values(world):
    t = world
    clerk = t.users["clerk_A1"]
    with pytest.raises(ValidationError, match="征得申请人同意"):
        S.prefill(clerk, t.resident, t.elderly, consent=False)
    assert not AuditEntry.objects.filter(action="affairs.prefill").exists()
    values = S.prefill(clerk, t.resident, t.elderly, consent=True)
    assert values == {"name": "张桂兰", "birth": "1940-05-01", "phone": "13912345678"}
    entry = AuditEntry.objects.get(action="affairs.prefill")
    assert entry.detail["fields"] == ["birth", "name", "phone"]
    assert "13912345678" not in str(entry.detail) and "张桂兰" not in str(entry.detail)
    assert entry.object_id == str(t.resident.pk)
    # A resident of another community is not the window's to read.
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.prefill(clerk, t.resident_B, t.elderly, consent=True)


def test_without_consent_the_register_holds_nothing_for_the_application(world):
    t = world
    a = accept(t, person=t.resident, consent=False, applicant={"name": "张桂兰", "phone": "13912345678"})
    assert not a.prefill_consent
    assert {m.code: m.status for m in a.materials.all()} == {
        "id": "missing", "hukou": "missing", "bank": "provided", "agent": "waived"}
    b = accept(t, person=t.resident, consent=True, applicant={})
    assert b.prefill_consent and b.applicant_name == "张桂兰" and b.id_number == t.ident
    assert {m.code: m.status for m in b.materials.all()} == {
        "id": "register", "hukou": "register", "bank": "provided", "agent": "waived"}


# -- the one-time notice -------------------------------------------------------------------------------------------
def test_the_one_time_notice_lists_exactly_what_is_missing(world, client):
    t = world
    a = accept(t, provided=("id",))
    assert a.state == W.CORRECTION and a.due_at is None and a.total_due is None and a.started_at is None
    n = a.notices.get()
    assert [m["code"] for m in n.missing] == ["hukou", "bank"]  # not the optional 代办人身份证, not the id given
    client.force_login(t.users["clerk_A1"])
    html = client.get(f"/affairs/{a.number}/notice/1/").content.decode()
    assert "户口簿" in html and "本人社会保障卡或银行卡" in html
    assert "代办人身份证" not in html and "申请人居民身份证" not in html
    assert MemorySMSBackend.outbox[-1][0] == "13912345678" and "缺 2 项材料" in MemorySMSBackend.outbox[-1][1]
    # A supplement that still leaves something out is refused and changes nothing.
    with pytest.raises(ValidationError, match="仍缺少：户口簿"):
        S.act(t.users["clerk_A1"], a, "supplement", materials=["bank"], now=T0 + H)
    a.refresh_from_db()
    assert a.state == W.CORRECTION and a.materials.get(code="bank").status == "missing"
    a = S.act(t.users["clerk_A1"], a, "supplement", materials=["bank", "hukou"], now=at(2026, 3, 6, 9, 0))
    assert a.state == W.REVIEW and a.started_at == at(2026, 3, 6, 9, 0)
    assert a.total_due == default_calendar().add_working_days(at(2026, 3, 6, 9, 0), 15)
    assert a.notices.get().resolved_at is not None


# -- the clock -------------------------------------------------------------------------------------------------------
def test_correction_stops_the_clock_and_supplement_restarts_it_with_the_time_left(world):
    t = world
    cal = default_calendar()
    a = accept(t, person=t.resident, consent=True)
    review_due, total_due = a.due_at, a.total_due
    assert review_due == cal.add_working_days(T0, 5) and total_due == cal.add_working_days(T0, 15)
    returned = at(2026, 3, 5, 10, 0)  # one working day spent
    a = S.act(t.users["reviewer_A"], a, "return", note="银行卡复印件不清晰，请重新提供", missing=["bank"], now=returned)
    assert a.state == W.CORRECTION and a.due_at is None and a.corrections == 1
    left = cal.working_hours_between(returned, review_due)
    assert a.paused_step == "review" and a.paused_step_hours == pytest.approx(left)
    assert [m["code"] for m in a.notices.get().missing] == ["bank"]
    # Nothing is overdue while the applicant fetches the document, however long it takes.
    counts = S.sweep(at(2026, 3, 25, 10, 0))
    a.refresh_from_db()
    assert counts["overdue"] == 0 and not a.is_overdue
    back = at(2026, 3, 26, 10, 0)
    a = S.act(t.users["clerk_A1"], a, "supplement", materials=["bank"], now=back)
    assert a.state == W.REVIEW
    assert a.due_at == cal.add_working_hours(back, left)
    assert a.total_due == cal.add_working_hours(back, cal.working_hours_between(returned, total_due))
    paused = cal.working_hours_between(returned, back)
    assert a.paused_hours == pytest.approx(paused)
    a = _through_review(t, a, back + H)
    a = S.act(t.users["civil_district"], a, "approve", result_number="高龄津贴2026-001", now=back + 2 * H)
    used = cal.working_hours_between(T0, back + 2 * H) - paused
    assert float(a.working_days) == pytest.approx(used / S._hours_per_day(cal), abs=0.01)
    assert a.decision_on_time is True and a.state == W.DELIVER


def test_a_return_at_the_decision_goes_back_to_the_decision(world):
    t = world
    a = _through_review(t, accept(t, person=t.resident, consent=True), T0 + H)
    a = S.act(t.users["civil_district"], a, "return", note="请补充银行卡复印件", missing=["bank"], now=T0 + 2 * H)
    assert a.state == W.CORRECTION and a.paused_step == "decide"
    a = S.act(t.users["clerk_A1"], a, "supplement", materials=["bank"], now=T0 + 3 * H)
    assert a.state == W.DECIDE


# -- overdue and supervision --------------------------------------------------------------------------------------------
def test_a_late_step_is_flagged_and_supervised_by_the_level_above(world):
    t = world
    a = accept(t, person=t.resident, consent=True)
    counts = S.sweep(a.warn_at + H)
    a.refresh_from_db()
    assert counts["warned"] == 1 and a.is_warned and not a.is_overdue
    assert Notification.objects.filter(recipient=t.users["reviewer_A"], title__startswith="办件即将超期").exists()
    counts = S.sweep(a.due_at + H)
    a.refresh_from_db()
    assert counts["overdue"] == 1 and counts["escalated"] == 1
    assert a.is_overdue and a.escalations == 1 and a.state == W.REVIEW
    assert a.events.last().action == "supervise"
    assert Notification.objects.filter(recipient=t.users["reviewer_A"], title__startswith="办件超期").exists()
    # The level above the street's review: the district reviewers and the command centre.
    for who in ("reviewer_district", "commander"):
        assert Notification.objects.filter(recipient=t.users[who], title__startswith="超时督办").exists(), who
    assert not Notification.objects.filter(recipient=t.users["reviewer_B"], title__startswith="超时督办").exists()
    # A second sweep does not supervise the same step twice.
    assert S.sweep(a.due_at + 2 * H)["escalated"] == 0
    from civicgrid.affairs import selectors

    assert list(selectors.overdue(t.users["reviewer_A"])) == [a]
    assert list(selectors.overdue(t.users["reviewer_B"])) == []


def test_review_at_the_street_needs_a_street_seat(world):
    from tests.factories import make_user

    t = world
    community_reviewer = make_user("reviewer_A1", W.REVIEWER, t.communities["A1"])
    a = accept(t, person=t.resident, consent=True)
    with pytest.raises(PermissionDenied, match="街道社区事务受理服务中心负责"):
        S.act(community_reviewer, a, "pass_review", now=T0 + H)
    with pytest.raises(PermissionDenied, match="需要以下角色之一"):
        S.act(t.users["clerk_A1"], a, "pass_review", now=T0 + H)
    a.refresh_from_db()
    assert a.state == W.REVIEW and a.version == 1


# -- jurisdiction -----------------------------------------------------------------------------------------------
def test_a_window_sees_its_applications_and_a_department_only_what_is_routed_to_it(world):
    from civicgrid.affairs import selectors

    t = world
    a = accept(t, person=t.resident, consent=True)
    b = accept(t, who="clerk_B1", window="B1", applicant={"name": "李秀英", "phone": "13987654321"},
               form={**FORM, "name": "李秀英", "phone": "13987654321"})
    numbers = lambda who: {x.number for x in selectors.applications(t.users[who])}  # noqa: E731
    assert numbers("clerk_A1") == {a.number} and numbers("clerk_B1") == {b.number}
    assert numbers("reviewer_A") == {a.number} and numbers("staff_A1") == {a.number}
    assert numbers("worker_A1a") == set()  # a grid worker's seat is not one that handles applications
    assert numbers("civil_district") == set() and numbers("civil_A") == set()  # nothing routed yet
    a = _through_review(t, a, T0 + H)
    assert numbers("civil_district") == {a.number}
    assert numbers("civil_A") == set() and numbers("urban_A") == set()  # decided at the district, not the street
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.act(t.users["clerk_B1"], a, "deliver", method="window", signed_by="张桂兰")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        accept(t, who="clerk_B1", window="A1")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        accept(t, who="clerk_A1", person=t.resident_B, consent=True)


# -- personal data ---------------------------------------------------------------------------------------------------
def test_applicant_data_is_encrypted_masked_and_revealed_only_with_a_reason(world):
    from django.db import connection

    t = world
    a = accept(t, person=t.resident, consent=True)
    with connection.cursor() as cur:
        cur.execute("SELECT applicant_name, phone, id_number, form_data FROM affairs_application WHERE id = %s", [a.pk])
        raw = cur.fetchone()
    assert "张桂兰" not in raw[0] and "13912345678" not in raw[1] and t.ident not in raw[2]
    assert "6222020200112233445" not in raw[3]
    assert (a.name_masked, a.phone_masked) == ("张*兰", "139****5678") and t.ident not in a.id_masked
    clerk = t.users["clerk_A1"]
    with pytest.raises(ValidationError, match="事由"):
        S.reveal(clerk, a, "phone", "看")
    assert S.reveal(clerk, a, "id_number", "核对身份证件") == t.ident
    entry = AuditEntry.objects.get(action="affairs.reveal")
    assert (entry.reason, entry.detail) == ("核对身份证件", {"fields": ["id_number"]})
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.reveal(t.users["clerk_B1"], a, "phone", "越权查看申请人电话")
    with pytest.raises(PermissionDenied, match="查看完整证件号/电话"):
        S.reveal(t.users["dispatcher_A"], a, "phone", "核对申请人电话")
    with pytest.raises(ValidationError, match="不可查看"):
        S.reveal(clerk, a, "person", "查看登记居民")
    rows = dict(S.masked_form(a))
    assert rows["申请人姓名"] == "张*兰" and rows["联系电话"] == "139****5678" and rows["银行账号"].endswith("3445")
    assert "6222020200112233445" not in str(rows) and rows["开户银行"] == "工商银行"
    # No SMS or notification carries the full identity number.
    assert all(t.ident not in text for _, text in MemorySMSBackend.outbox)


# -- 好差评 ------------------------------------------------------------------------------------------------------------
def _finished(t):
    a = _through_review(t, accept(t, person=t.resident, consent=True), T0 + H)
    a = S.act(t.users["civil_district"], a, "approve", now=T0 + 2 * H)
    return S.act(t.users["clerk_A1"], a, "deliver", method="window", signed_by="张桂兰", now=T0 + 3 * H)


def test_a_poor_rating_must_be_answered_in_time(world):
    t = world
    a = accept(t, person=t.resident, consent=True)
    with pytest.raises(ValidationError, match="办结后才能评价"):
        S.rate(a, "13912345678", score=5)
    a = _finished(t)
    assert a.state == W.DELIVERED and a.signed_by == "张桂兰" and a.delivery_method == "window"
    with pytest.raises(PermissionDenied, match="手机号"):
        S.rate(a, "13900000000", score=5)
    with pytest.raises(ValidationError, match="差评请简要说明原因"):
        S.rate(a, "13912345678", score=1)
    now = at(2026, 3, 5, 9, 0)
    r = S.rate(a, "139 1234 5678", score=2, comment="窗口排队太久", now=now)
    assert r.is_poor and r.answer_due == default_calendar().add_working_days(now, W.ANSWER_DAYS)
    assert r.window == t.windows["A1"] and r.department == t.departments["civil"]
    with pytest.raises(ValidationError, match="已评价"):
        S.rate(a, "13912345678", score=5)
    # Past its time the unanswered poor rating is chased (once a day).
    assert S.chase_rating_answers(r.answer_due + H) == 1
    assert S.chase_rating_answers(r.answer_due + 2 * H) == 0
    with pytest.raises(PermissionDenied):
        S.answer_rating(t.users["clerk_B1"], r, "经核实已整改，加开一个窗口。")
    with pytest.raises(ValidationError, match="10–1000"):
        S.answer_rating(t.users["reviewer_A"], r, "已整改")
    r = S.answer_rating(t.users["reviewer_A"], r, "经核实情况属实，已在高峰时段加开窗口并致歉。")
    assert r.answered_at and AuditEntry.objects.get(action="affairs.rating_answer").detail == {"late": True}
    from civicgrid.affairs import selectors

    rates = {row["name"]: row for row in selectors.published_rates("item")}
    assert rates["高龄津贴"] == {"name": "高龄津贴", "total": 1, "poor": 1, "answered": 1, "good_rate": 0.0}


def test_rejection_carries_reasons_and_legal_basis(world):
    t = world
    a = _through_review(t, accept(t, person=t.resident, consent=True), T0 + H)
    with pytest.raises(ValidationError, match="法律依据"):
        S.act(t.users["civil_district"], a, "reject", note="户籍不在本区", now=T0 + 2 * H)
    a = S.act(t.users["civil_district"], a, "reject", note="申请人户籍不在本区，不符合发放条件",
              legal_basis="本市高龄老人津贴发放办法第三条", now=T0 + 2 * H)
    assert a.state == W.REJECTED and a.reject_basis.startswith("本市") and a.decided_at
    assert "不予批准" in MemorySMSBackend.outbox[-1][1]
