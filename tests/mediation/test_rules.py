"""Risk escalation as data, the deadline sweep, tier escalation, scope refusals, parties' personal data."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.core.models import AuditEntry, Notification
from civicgrid.mediation import services as S
from civicgrid.mediation import workflow as W
from civicgrid.mediation.models import RiskAlert

from .conftest import T0, at, register

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# -- risk ----------------------------------------------------------------------------------------------
def test_violence_risk_alerts_security_centre_and_police_once(world):
    d = register(world, risk_level="medium", risk_flags=["violence"])
    alert = RiskAlert.objects.get(dispute=d)
    assert (alert.rule, alert.targets) == ("violence", "综治中心、公安派出所")
    told = set(Notification.objects.filter(title__startswith="矛盾纠纷风险预警").values_list("recipient__username", flat=True))
    assert {"zongzhi", "commander", "police_A"} <= told and "police_B" not in told
    assert alert.notified == len(told)
    assert AuditEntry.objects.filter(action="dispute.risk_alert", object_id=str(d.pk)).exists()
    # Re-assessing with the same rule does not alert twice; a new rule (mass incident) does.
    m = world.users["mediator_A1"]
    d = S.act(m, d, "assess_risk", risk="high", flags=["violence", "mass"], now=T0 + H)
    assert sorted(d.alerts.values_list("rule", flat=True)) == ["high", "mass", "violence"]
    assert d.risk_level == "high" and d.events.last().data == {"from_level": "medium", "to_level": "high",
                                                               "flags": ["mass", "violence"]}


def test_low_risk_raises_no_alert_and_bad_risk_input_is_refused(world):
    d = register(world)
    assert not d.alerts.exists() and not d.is_risky
    with pytest.raises(ValidationError, match="未知的风险因素"):
        register(world, risk_flags=["ghosts"])
    with pytest.raises(ValidationError, match="风险等级无效"):
        S.act(world.users["mediator_A1"], d, "assess_risk", risk="extreme", now=T0 + H)


def test_high_risk_alerts_security_centre_only(world):
    d = register(world, risk_level="high")
    alert = d.alerts.get()
    assert alert.targets == "综治中心"
    assert not Notification.objects.filter(recipient=world.users["police_A"]).exists()


# -- deadlines and the sweep -----------------------------------------------------------------------------
def test_sweep_warns_then_escalates_unaccepted_dispute_to_the_street(world):
    d = register(world)  # accept by Friday 2026-03-06 close of office
    counts = S.sweep(at(2026, 3, 6, 12, 0))
    assert counts["warned"] == 1 and counts["overdue"] == 0
    assert Notification.objects.filter(recipient=world.users["mediator_A1"], title__startswith="纠纷即将超期").exists()
    counts = S.sweep(at(2026, 3, 9, 9, 0))
    assert counts["overdue"] == 1 and counts["escalated"] == 1
    d.refresh_from_db()
    assert (d.state, d.tier, d.overdue_count) == (W.REGISTERED, W.STREET, 1)
    ev = d.events.last()
    assert (ev.action, ev.actor, ev.actor_role, ev.data) == ("escalate", None, W.SYSTEM,
                                                             {"from_tier": "community", "to_tier": "street"})
    assert "系统自动上报街道调委会" in ev.note
    # The street committee has its own two working days from the escalation.
    assert d.accept_due.date() == dt.date(2026, 3, 11) and not d.is_overdue
    assert Notification.objects.filter(recipient=world.users["mediator_A"], title__startswith="纠纷提交街道").exists()
    # After tier escalation the community mediator can no longer take tier-bound steps.
    with pytest.raises(PermissionDenied, match="由街道调委会负责"):
        S.act(world.users["mediator_A1"], d, "accept", now=at(2026, 3, 9, 10, 0))
    d = S.act(world.users["mediator_A"], d, "accept", now=at(2026, 3, 9, 10, 0))
    assert d.state == W.MEDIATING


def test_mediation_overdue_escalates_to_district_from_street_and_stops_there(world):
    m = world.users["mediator_A"]
    d = register(world, who="mediator_A", region=world.streets["A"])  # no community: the street tier from the start
    assert d.tier == W.STREET
    d = S.act(m, d, "accept", now=T0)
    counts = S.sweep(T0 + 31 * DAY)
    d.refresh_from_db()
    assert counts["escalated"] == 1 and d.tier == W.DISTRICT and d.state == W.MEDIATING
    assert d.mediate_due == T0 + 61 * DAY
    counts = S.sweep(T0 + 62 * DAY)
    d.refresh_from_db()
    assert counts == {"warned": 0, "overdue": 1, "escalated": 0} and d.tier == W.DISTRICT and d.is_overdue
    # Every mediator seated over the place hears of it, the district's joint centre included.
    told = set(Notification.objects.filter(title__startswith="纠纷超期").values_list("recipient__username", flat=True))
    assert {"mediator_A", "mediator_district"} <= told and "mediator_B" not in told


def test_manual_escalation_needs_a_note_and_a_seat_at_the_tier(world):
    d = S.act(world.users["mediator_A1"], register(world), "accept", now=T0)
    with pytest.raises(ValidationError, match="须填写说明"):
        S.act(world.users["mediator_A1"], d, "escalate", now=T0 + H)
    d = S.act(world.users["mediator_A1"], d, "escalate", note="涉及多户，社区调解不了", now=T0 + H)
    assert d.tier == W.STREET


# -- scope ---------------------------------------------------------------------------------------------------
def test_out_of_scope_actions_are_refused_with_the_reason(world):
    d = register(world)
    with pytest.raises(PermissionDenied, match="该纠纷不在您的管辖范围内"):
        S.act(world.users["mediator_B1"], d, "accept", now=T0 + H)
    with pytest.raises(PermissionDenied, match="需要以下角色之一：人民调解员"):
        S.act(world.users["worker_A1a"], d, "accept", now=T0 + H)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        register(world, who="mediator_B1")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.save_mediator(world.users["staff_B1"], region=world.communities["A1"], name="越权", kind="people")
    d.refresh_from_db()
    assert (d.state, d.version) == (W.REGISTERED, 1)


def test_mediators_outside_the_area_cannot_be_assigned(world):
    d = register(world)
    with pytest.raises(PermissionDenied, match="李老伯"):
        S.act(world.users["mediator_A"], d, "accept", mediators=[world.mediators["B1"]], now=T0 + H)


# -- parties' personal data ---------------------------------------------------------------------------------
def test_party_data_is_encrypted_masked_and_revealed_only_with_a_reason(world):
    from django.db import connection

    from civicgrid.people import idnumbers

    ident = idnumbers.make("110108", dt.date(1980, 5, 17), 21)
    d = register(world, parties=[{"side": "applicant", "name": "张秀兰", "phone": "13912345678", "id_number": ident,
                                  "consent": True}])
    p = d.parties.get()
    with connection.cursor() as cur:
        cur.execute("SELECT name, phone, id_number FROM mediation_party WHERE id = %s", [p.pk])
        raw = cur.fetchone()
    assert "张秀兰" not in raw[0] and "13912345678" not in raw[1] and ident not in raw[2]
    assert (p.name_masked, p.phone_masked) == ("张*兰", "139****5678")
    assert ident not in p.id_masked
    mediator = world.users["mediator_A1"]
    with pytest.raises(ValidationError, match="事由"):
        S.reveal_party(mediator, p, "phone", "看")
    assert S.reveal_party(mediator, p, "phone", "电话联系调解时间") == "13912345678"
    entry = AuditEntry.objects.get(action="dispute.reveal_party")
    assert (entry.reason, entry.detail) == ("电话联系调解时间", {"fields": ["phone"], "party": p.pk})
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.reveal_party(world.users["mediator_B1"], p, "phone", "越权查看当事人电话")
    # A street dispatcher sees the dispute but holds no reveal capability.
    with pytest.raises(PermissionDenied, match="查看完整证件号/电话"):
        S.reveal_party(world.users["dispatcher_A"], p, "id_number", "核对当事人身份")
    with pytest.raises(ValidationError, match="不可查看"):
        S.reveal_party(mediator, p, "consent", "核对一下同意")
    assert AuditEntry.objects.filter(action="dispute.reveal_party").count() == 1


def test_bad_party_input_is_refused_in_chinese(world):
    with pytest.raises(ValidationError, match="证件号码有误"):
        register(world, parties=[{"side": "applicant", "name": "张秀兰", "id_number": "123"}])
    with pytest.raises(ValidationError, match="电话"):
        register(world, parties=[{"side": "applicant", "name": "张秀兰", "phone": "abc"}])
    with pytest.raises(ValidationError, match="申请方"):
        register(world, parties=[{"side": "respondent", "name": "刘建国"}])
    with pytest.raises(ValidationError, match="涉及金额"):
        register(world, amount="很多")


def test_a_resident_from_the_register_is_linked_only_inside_the_jurisdiction(world):
    from civicgrid.people import services as people

    from tests.people.conftest import ident

    staff = world.users["staff_B1"]
    building = people.create_building(staff, community=world.communities["B1"], name="9号楼", lng=116.025, lat=39.905)
    person_b = people.create_person(staff, {"name": "李建华", "id_number": ident(22), "phone": "13998765432"},
                                    room=people.room_at(staff, building, "1单元", "101"))
    with pytest.raises(PermissionDenied, match="所选居民不在您的管辖范围内"):
        register(world, parties=[{"side": "applicant", "person": person_b, "consent": True}])
    d = register(world, who="mediator_B1", region=world.grids["B1a"],
                 parties=[{"side": "applicant", "person": person_b, "consent": True}])
    p = d.parties.get()
    # The party takes the register's name and phone, kept encrypted in the party row too.
    assert (p.person, p.name, p.phone, p.name_masked) == (person_b, "李建华", "13998765432", "李*华")
