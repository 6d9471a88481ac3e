"""Emergency help: routing to responders on duty, escalation by minutes (time frozen), the timeline,
acknowledgement, arrival and outcome; health and location masked and revealed with a reason."""
import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.care import services as S
from civicgrid.care import workflow as W
from civicgrid.care.models import Alert
from tests.care.conftest import at

pytestmark = pytest.mark.django_db
T0 = at(2026, 3, 4, 22, 30)  # a Wednesday night


class Clock:
    def __init__(self, monkeypatch, start):
        self.now = start
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.now)

    def advance(self, **kw):
        self.now += dt.timedelta(**kw)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, T0)


@pytest.fixture
def duty(care):
    """A1's elder: a daughter (SMS only), a neighbour volunteer on duty all night, another only by day."""
    plan = care.plan["A1"]
    staff = care.users["staff_A1"]
    S.add_responder(staff, plan, "family", name="王小红", phone="13811112222", relation="女儿")
    S.add_responder(staff, plan, "neighbour", user=care.users["volunteer_A1"], relation="邻居",
                    duty_from=dt.time(20, 0), duty_to=dt.time(8, 0))
    from tests.factories import make_user

    care.users["day_volunteer"] = make_user("day_volunteer", W.CARE_VOLUNTEER, care.communities["A1"], name="白天志愿者")
    S.add_responder(staff, plan, "neighbour", user=care.users["day_volunteer"], duty_from=dt.time(8, 0),
                    duty_to=dt.time(18, 0))
    return plan


def _notified(alert):
    return {n.recipient.username for n in __import__("civicgrid.core.models", fromlist=["Notification"])
            .Notification.objects.filter(subject_id=str(alert.pk), subject_type="care.alert")}


def test_escalates_by_minutes_along_the_chain_until_acknowledged(care, duty, clock):
    from civicgrid.core.sms import MemorySMSBackend

    a = S.raise_alert(care.users["helper_A1"], duty, source="call", kind="fall", health="摔倒后腰部疼痛，无法起身",
                      location="卫生间", note="老人来电说摔倒了")
    assert a.state == W.OPEN and a.level == 0 and a.due_at == T0 + dt.timedelta(minutes=5)
    # Level 0 at once: the helper(s) keeping her rhythms, the neighbour on night duty (not the day one),
    # the daughter by SMS (masked name in the timeline).
    assert _notified(a) == {"helper_A1", "volunteer_A1", "social_A1"}
    shown = a.events.get(seq=1).data["notified"]
    assert {"kind": "family", "who": "王*红", "via": "短信"} in shown
    assert any(phone == "13811112222" for phone, _ in MemorySMSBackend.outbox)
    assert all("王秀英" not in text for _, text in MemorySMSBackend.outbox)  # the elder's name masked

    clock.advance(minutes=4, seconds=59)
    assert S.sweep_alerts()["escalated"] == 0
    clock.advance(seconds=1)  # 5 minutes: the community
    assert S.sweep_alerts()["escalated"] == 1
    a.refresh_from_db()
    assert a.level == 1 and a.due_at == T0 + dt.timedelta(minutes=15)
    assert "staff_A1" in _notified(a)
    clock.advance(minutes=5)
    assert S.sweep_alerts()["escalated"] == 0

    clock.advance(minutes=2)  # 12 minutes: the neighbour acknowledges before the street is told
    a = S.act_alert(care.users["volunteer_A1"], a, "acknowledge", note="我马上过去")
    assert a.state == W.ACKNOWLEDGED and a.response_minutes == 12.0
    clock.advance(minutes=10)
    assert S.sweep_alerts()["escalated"] == 0
    a.refresh_from_db()
    assert a.level == 1 and "dispatcher_A" not in _notified(a)
    a = S.act_alert(care.users["volunteer_A1"], a, "arrive", lng=116.0051, lat=39.9049)
    assert a.state == W.ON_SITE and a.events.last().data["location_check"] == "ok"
    with pytest.raises(ValidationError, match="处置结果"):
        S.act_alert(care.users["helper_A1"], a, "close")
    a = S.act_alert(care.users["helper_A1"], a, "close", outcome="hospital", note="120送医，女儿陪同")
    assert a.state == W.CLOSED and a.outcome == "hospital"
    assert [e.action for e in a.events.order_by("seq")] == ["raise", "escalate", "acknowledge", "arrive", "close"]
    assert [e.at for e in a.events.order_by("seq")] == [T0, T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=12),
                                                        T0 + dt.timedelta(minutes=22), T0 + dt.timedelta(minutes=22)]


def test_a_late_sweep_climbs_every_level_that_is_due_and_then_flags_once(care, duty, clock):
    a = S.raise_alert(None, duty, source="missed", kind="no_contact")
    clock.advance(minutes=16)  # the sweep was down for a while: both levels are due now
    assert S.sweep_alerts()["escalated"] == 2
    a.refresh_from_db()
    assert a.level == 2 and "dispatcher_A" in _notified(a)
    assert [e.data["level"] for e in a.events.filter(action="escalate")] == [1, 2]
    clock.advance(minutes=10)  # the last level's grace: flagged overdue, supervisors told once
    assert S.sweep_alerts()["overdue"] == 1
    clock.advance(minutes=10)
    assert S.sweep_alerts() == {"warned": 0, "overdue": 0, "escalated": 0}
    a.refresh_from_db()
    assert a.is_overdue and a.state == W.OPEN


def test_a_community_sets_its_own_chain(care, duty, clock):
    S.set_chain(care.users["staff_A1"], care.communities["A1"],
                [{"after": 0, "kinds": ["helper"]}, {"after": 2, "kinds": ["family", "community"]}])
    a = S.raise_alert(care.users["helper_A1"], duty, source="call", kind="button")
    assert a.due_at == T0 + dt.timedelta(minutes=2)
    with pytest.raises(ValidationError, match="递增"):
        S.set_chain(care.users["staff_A1"], care.communities["A1"], [{"after": 0, "kinds": ["helper"]},
                                                                     {"after": 0, "kinds": ["street"]}])
    with pytest.raises(PermissionDenied):
        S.set_chain(care.users["staff_B1"], care.communities["A1"], [{"after": 0, "kinds": ["helper"]}])


def test_only_responders_of_the_person_act_and_escalation_is_the_systems(care, duty, clock):
    from civicgrid.care.errors import IllegalAction

    a = S.raise_alert(None, duty, source="missed", kind="no_contact")
    with pytest.raises(PermissionDenied, match="管辖范围"):
        S.act_alert(care.users["helper_A1b"], a, "acknowledge")  # a helper in A1, but not hers
    with pytest.raises(PermissionDenied):
        S.act_alert(care.users["helper_B1"], a, "acknowledge")
    with pytest.raises(IllegalAction):
        S.act_alert(care.users["staff_A1"], a, "escalate")
    with pytest.raises(ValidationError):
        S.act_alert(care.users["staff_A1"], a, "cancel")  # needs a reason
    a = S.act_alert(care.users["staff_A1"], a, "cancel", note="老人在女儿家，已电话确认安全")
    assert a.state == W.CANCELLED


def test_health_and_location_are_encrypted_masked_and_revealed_with_a_reason(care, duty, client):
    from django.db import connection

    from civicgrid.core.models import AuditEntry

    a = S.raise_alert(care.users["helper_A1"], duty, source="call", kind="health", health="心率 140，胸闷",
                      location="家中卧室")
    with connection.cursor() as cur:
        cur.execute("SELECT health, location FROM care_alert WHERE id = %s", [a.pk])
        raw = cur.fetchone()
    assert all(v.startswith("enc1:") for v in raw) and "心率" not in raw[0]
    client.force_login(care.users["staff_A1"])
    page = client.get(f"/care/alerts/{a.number}/").content.decode()
    assert "心率" not in page and "卧室" not in page and "已加密" in page
    r = client.post(f"/care/alerts/{a.number}/reveal/", {"field": "health", "reason": "看"})
    assert "心率" not in client.get(r["Location"]).content.decode()
    r = client.post(f"/care/alerts/{a.number}/reveal/", {"field": "health", "reason": "联系120需告知病情"})
    page = client.get(r["Location"])
    assert "心率 140，胸闷" in page.content.decode() and page["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="care_alert.reveal")
    assert entry.reason == "联系120需告知病情" and entry.detail == {"fields": ["health"]}
    # A volunteer responder acknowledges but may not reveal health data.
    with pytest.raises(PermissionDenied):
        S.reveal_alert(care.users["volunteer_A1"], a, "health", "想了解情况")
    # The API never carries them in clear either.
    from civicgrid.api import services as api_services

    _, raw_token = api_services.issue_token(care.users["admin"], user=care.users["staff_A1"], name="t")
    body = client.get(f"/api/v1/care/alerts/{a.number}", HTTP_AUTHORIZATION=f"Bearer {raw_token}").json()
    assert body["health_masked"] == "已加密" and "心率" not in json.dumps(body, ensure_ascii=False)
