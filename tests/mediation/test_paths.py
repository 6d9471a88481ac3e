"""Every path of a dispute: sources, acceptance, sessions, agreement, follow-ups, referral, closure."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.core.models import AuditEntry
from civicgrid.mediation.errors import DisputeConflict as Conflict
from civicgrid.mediation.errors import IllegalAction
from civicgrid.mediation import services as S
from civicgrid.mediation import workflow as W
from civicgrid.mediation.models import Dispute, DisputeEvent, Screening

from .conftest import AGREEMENT, SESSION, T0, register

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def agreed(t, now=T0):
    d = register(t, now=now)
    m = t.users["mediator_A1"]
    d = S.act(m, d, "accept", mediators=[t.mediators["A1"]], room=t.rooms["A1"], now=now + H)
    d = S.act(m, d, "record_session", session=dict(SESSION, at=now + 2 * H), now=now + 2 * H)
    return S.act(m, d, "agree", text=AGREEMENT, confirmed=True, now=now + 3 * H)


def test_register_starts_the_acceptance_clock_and_history(world):
    d = register(world)
    assert (d.state, d.tier, d.version) == (W.REGISTERED, W.COMMUNITY, 1)
    assert (d.community, d.street) == (world.communities["A1"], world.streets["A"])
    # 2 working days from a Wednesday morning: close of office on Friday.
    assert d.accept_due.date() == dt.date(2026, 3, 6) and d.due_at == d.accept_due
    ev = d.events.get()
    assert (ev.seq, ev.action, ev.to_state, ev.actor_role) == (1, "register", W.REGISTERED, W.MEDIATOR)
    assert AuditEntry.objects.filter(action="dispute.register", object_id=str(d.pk)).exists()
    assert d.parties.count() == 2


def test_screening_with_nothing_found_is_recorded_and_counted(world):
    s = S.record_screening(world.users["worker_A1a"], region=world.grids["A1a"], found=0, now=T0)
    assert (s.found, s.nothing_found, s.week) == (0, True, dt.date(2026, 3, 2))
    assert s.note == "本周排查未发现矛盾纠纷。"
    with pytest.raises(ValidationError, match="本周.*已登记"):
        S.record_screening(world.users["worker_A1a"], region=world.grids["A1a"], found=1, now=T0 + H)
    from civicgrid.mediation import selectors

    cov = selectors.coverage(world.users["staff_A1"], dt.date(2026, 3, 2))
    assert (cov["covered"], cov["total"], cov["nothing_found"]) == (1, 2, 1)
    # A grid worker cannot screen a grid that is not theirs: refused with the reason.
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.record_screening(world.users["worker_A1a"], region=world.grids["B1a"], found=0, now=T0)


def test_screening_that_finds_a_dispute_registers_it_from_the_record(world):
    s = S.record_screening(world.users["worker_A1a"], region=world.grids["A1a"], found=1, note="楼道纠纷一起", now=T0)
    d = register(world, who="worker_A1a", source="screening", screening=s)
    assert (d.source, d.screening) == ("screening", s)
    other = S.record_screening(world.users["worker_B1a"], region=world.grids["B1a"], found=1, now=T0)
    with pytest.raises(ValidationError, match="排查记录不属于"):
        register(world, who="worker_A1a", source="screening", screening=other)


def test_hotline_and_walk_in_sources_need_the_right_seat(world):
    d = register(world, who="operator", source="hotline")
    assert d.events.get().actor_role == "hotline_operator"
    with pytest.raises(PermissionDenied, match="热线话务员"):
        register(world, who="worker_A1a", source="hotline")


def test_session_agreement_and_both_follow_ups_kept_close_as_resolved(world):
    d = agreed(world)
    m = world.users["mediator_A1"]
    assert d.state == W.AGREED and d.agreement.confirmed_by_parties and d.due_at is None
    assert d.sessions.get().outcome == "agreement"
    with pytest.raises(IllegalAction):  # not before both follow-ups are done and kept
        S.act(m, d, "close", now=T0 + 4 * H)
    d = S.act(m, d, "follow_up", kept=True, month=1, note="已赔付", now=T0 + 31 * DAY)
    with pytest.raises(ValidationError, match="已登记"):
        S.act(m, d, "follow_up", kept=True, month=1, now=T0 + 32 * DAY)
    d = S.act(m, d, "follow_up", kept=True, now=T0 + 92 * DAY)  # the next one: 3 months
    assert [(f.month, f.kept) for f in d.followups.all()] == [(1, True), (3, True)]
    assert d.followups.get(month=1).due_on == dt.date(2026, 4, 4)
    d = S.act(m, d, "close", now=T0 + 92 * DAY)
    assert d.state == W.RESOLVED and d.closed_at is not None
    assert list(d.events.values_list("action", flat=True)) == [
        "register", "accept", "record_session", "agree", "follow_up", "follow_up", "close"]


def test_broken_agreement_goes_back_to_mediation_then_referral_and_answer(world):
    d = agreed(world)
    m = world.users["mediator_A1"]
    d = S.act(m, d, "follow_up", kept=False, month=1, note="未付款", now=T0 + 31 * DAY)
    assert d.state == W.AGREED and not d.followups_complete_and_kept()
    d = S.act(m, d, "breach", note="被申请方拒不履行", now=T0 + 31 * DAY + H)
    assert d.state == W.MEDIATING and d.mediate_due == T0 + 31 * DAY + H + 30 * DAY
    with pytest.raises(ValidationError, match="转介渠道"):
        S.act(m, d, "refer", note="调解不成", channel="court_x", now=T0 + 32 * DAY)
    d = S.act(m, d, "refer", note="调解不成，引导诉讼", channel="court", receiver="区法院诉调对接中心", now=T0 + 32 * DAY)
    assert d.state == W.REFERRED and d.referrals.get().answered_at is None
    assert d.due_at == T0 + 62 * DAY  # the receiving body is chased after 30 days
    with pytest.raises(ValidationError, match="答复情况"):
        S.act(world.users["staff_A1"], d, "answer_referral", answer=" ", now=T0 + 40 * DAY)
    d = S.act(world.users["staff_A1"], d, "answer_referral", answer="法院已立案，诉前调解中", now=T0 + 40 * DAY)
    r = d.referrals.get()
    assert (d.state, r.answer, r.channel) == (W.CLOSED_REFERRED, "法院已立案，诉前调解中", "court")
    assert d.closed_at == T0 + 40 * DAY


def test_acceptance_needs_every_partys_consent(world):
    parties = [{"side": "applicant", "name": "张秀兰", "consent": True}, {"side": "respondent", "name": "刘建国"}]
    d = register(world, parties=parties)
    m = world.users["mediator_A1"]
    with pytest.raises(ValidationError, match="双方自愿"):
        S.act(m, d, "accept", now=T0 + H)
    d = S.act(m, d, "accept", consent=True, now=T0 + H)
    assert all(p.consent and p.consent_at for p in d.parties.all())
    assert d.mediate_due == T0 + H + 30 * DAY


def test_agreement_needs_a_session_and_the_parties_confirmation(world):
    d = register(world)
    m = world.users["mediator_A1"]
    d = S.act(m, d, "accept", now=T0 + H)
    with pytest.raises(ValidationError, match="调解记录"):
        S.act(m, d, "agree", text=AGREEMENT, confirmed=True, now=T0 + 2 * H)
    d = S.act(m, d, "record_session", session=SESSION, now=T0 + 2 * H)
    with pytest.raises(ValidationError, match="确认"):
        S.act(m, d, "agree", text=AGREEMENT, confirmed=False, now=T0 + 3 * H)
    with pytest.raises(ValidationError, match="协议内容"):
        S.act(m, d, "agree", confirmed=True, now=T0 + 3 * H)


def test_session_refuses_missing_statements_and_future_times(world):
    d = S.act(world.users["mediator_A1"], register(world), "accept", now=T0 + H)
    with pytest.raises(ValidationError, match="被申请方陈述"):
        S.act(world.users["mediator_A1"], d, "record_session", session=dict(SESSION, respondent_statement=""),
              now=T0 + 2 * H)
    with pytest.raises(ValidationError, match="不能晚于现在"):
        S.act(world.users["mediator_A1"], d, "record_session", session=dict(SESSION, at=T0 + 5 * H), now=T0 + 2 * H)


def test_extension_once_only(world):
    m = world.users["mediator_A1"]
    d = S.act(m, register(world), "accept", now=T0)
    d = S.act(m, d, "extend", note="当事人外出务工，需延期", now=T0 + 20 * DAY)
    assert d.extension_count == 1 and d.mediate_due == T0 + 60 * DAY and d.due_at == d.mediate_due
    with pytest.raises(IllegalAction, match="不能延长调解期限"):
        S.act(m, d, "extend", note="再延", now=T0 + 21 * DAY)


def test_stale_version_is_a_conflict(world):
    m = world.users["mediator_A1"]
    d = register(world)
    S.act(m, d, "accept", now=T0 + H)
    with pytest.raises(Conflict, match="已被他人处理") as exc:
        S.act(m, d, "decline", note="不受理", expected_version=1, now=T0 + 2 * H)
    assert exc.value.code == "mediation.conflict"


def test_handover_of_a_dispute_category_case(world):
    from civicgrid.cases import services as CS
    from civicgrid.cases.models import Category
    from civicgrid.mediation import cases_adapter
    from tests.cases.conftest import load_categories

    if not Category.objects.exists():
        load_categories()
    case = CS.intake(world.users["worker_A1a"], channel="grid_worker", category=Category.objects.get(code="50001"),
                     description="邻里因噪音多次争吵", lng=116.005, lat=39.905, requester_name="陈桂兰",
                     requester_phone="13700001234", now=T0)
    other = CS.intake(world.users["worker_A1a"], channel="grid_worker", category=Category.objects.get(code="01037"),
                      description="路灯不亮", lng=116.005, lat=39.905, now=T0)
    staff = world.users["staff_A1"]
    assert [c.number for c in cases_adapter.dispute_cases(staff)] == [case.number]
    d = cases_adapter.handover(staff, case.number, now=T0 + H)
    assert (d.source, d.case_number, d.type, d.region) == ("case", case.number, "neighbour", case.region)
    applicant = d.parties.get()
    assert (applicant.name, applicant.phone) == ("陈桂兰", "13700001234")
    assert list(cases_adapter.dispute_cases(staff)) == []
    with pytest.raises(ValidationError, match="已移交调解"):
        cases_adapter.handover(staff, case.number)
    with pytest.raises(ValidationError, match="不是矛盾纠纷类"):
        cases_adapter.handover(staff, other.number)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        cases_adapter.handover(world.users["staff_B1"], case.number)


def test_events_are_append_only(world):
    d = register(world)
    ev = d.events.get()
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        DisputeEvent.objects.filter(pk=ev.pk).update(note="改")
    assert Dispute.objects.get(pk=d.pk).version == 1 and Screening.objects.count() == 0


def test_a_step_answers_the_notices_about_the_dispute(world):
    from civicgrid.core.models import Notification

    d = register(world)
    notice = Notification.objects.get(recipient=world.users["mediator_A1"], title__startswith="新纠纷待受理")
    assert notice.done_at is None
    S.act(world.users["mediator_A1"], d, "accept", now=T0 + H)
    notice.refresh_from_db()
    assert notice.done_at == T0 + H
