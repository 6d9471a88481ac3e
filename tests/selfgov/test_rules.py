"""Who may take part, once each; thresholds; quorum; meetings; the board; the admission list and funds."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.selfgov import rules
from civicgrid.selfgov import services as S
from civicgrid.selfgov import workflow as W
from civicgrid.selfgov.errors import AlreadyDone, IllegalAction, NotEligible, NotOnAdmissionList
from civicgrid.selfgov.models import MeetingRegistration, ProposalSupport, TaskRequest

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_share_rules_are_exact():
    assert rules.meets("half", 6, 12) is False and rules.meets("half", 7, 12) is True
    assert rules.meets("two_thirds", 7, 12) is False and rules.meets("two_thirds", 8, 12) is True
    assert rules.meets("half", 0, 0) is False and rules.meets("none", 0, 0) is True
    assert rules.support_threshold(12, by_representative=False) == 10
    assert rules.support_threshold(2345, by_representative=False) == 24  # ceil(1% of 2345)
    assert rules.support_threshold(2345, by_representative=True) == rules.REPRESENTATIVE_SUPPORT


def test_only_registered_residents_of_the_community_propose(world):
    a1 = world.communities["A1"]
    for who in (world.outsider, world.gone):
        with pytest.raises(NotEligible, match="登记在册"):
            S.submit_proposal(who, a1, title="修路", body="路面坑洼", now=T0)
    p = S.submit_proposal(world.people[0], a1, title="修路", body="路面坑洼", now=T0)
    assert p.state == W.COLLECTING and p.support_count == 1 and p.support_threshold == 10
    with pytest.raises(NotEligible, match="居民代表"):
        S.submit_proposal(world.people[3], a1, title="代表议题", body="x", as_representative=True, now=T0)


def test_support_once_each_and_threshold_moves_to_committee(world):
    a1 = world.communities["A1"]
    p = S.submit_proposal(world.people[0], a1, title="加装电梯", body="6 层老楼", now=T0)
    with pytest.raises(AlreadyDone):
        S.support(world.people[0], p, now=T0)  # the proposer already counts
    with pytest.raises(NotEligible):
        S.support(world.outsider, p, now=T0)
    for who in world.people[1:9]:
        p = S.support(who, p, now=T0)
    assert p.support_count == 9 and p.state == W.COLLECTING
    with pytest.raises(AlreadyDone):
        S.support(world.people[5], p, now=T0)
    p = S.support(world.people[9], p, now=T0)
    assert p.support_count == 10 and p.state == W.COMMITTEE
    assert ProposalSupport.objects.filter(proposal=p).count() == 10
    assert [e.action for e in p.events.all()] == ["submit", "qualify"]
    with pytest.raises(IllegalAction):
        S.support(world.people[10], p, now=T0)


def test_representative_proposal_needs_five(world):
    p = S.submit_proposal(world.people[1], world.communities["A1"], title="停车", body="x", as_representative=True,
                          now=T0)
    assert p.by_representative and p.support_threshold == 5 and p.proposer_masked == "居民代表"


def test_decision_execution_overdue_and_report_back(world):
    a1, staff = world.communities["A1"], world.users["staff_A1"]
    p = S.submit_proposal(world.people[1], a1, title="停车", body="x", as_representative=True, now=T0)
    for who in world.people[2:6]:
        p = S.support(who, p, now=T0)
    assert p.state == W.COMMITTEE
    with pytest.raises(PermissionDenied):
        S.act(world.users["staff_B1"], p, "decide", decision="划线", responsible="王主任", due="2026-04-01", now=T0)
    with pytest.raises(ValidationError, match="责任人"):
        S.act(staff, p, "decide", decision="划线", responsible="", due="2026-04-01", now=T0)
    p = S.act(staff, p, "decide", decision="在东侧空地划 20 个车位", responsible="王主任", due="2026-03-20", now=T0)
    assert p.state == W.EXECUTING and p.execute_due == dt.date(2026, 3, 20) and p.due_at.date() == dt.date(2026, 3, 20)
    counts = S.sweep(now=T0 + dt.timedelta(days=20))
    p.refresh_from_db()
    assert p.is_overdue and counts["overdue"] >= 1
    p = S.act(staff, p, "report_back", result="已划线 20 个车位", now=T0 + dt.timedelta(days=21))
    assert p.state == W.REPORTED and p.events.last().data["on_time"] is False


def test_collection_lapses_after_30_days(world):
    p = S.submit_proposal(world.people[0], world.communities["A1"], title="绿化", body="x", now=T0)
    S.sweep(now=T0 + dt.timedelta(days=31))
    p.refresh_from_db()
    assert p.state == W.LAPSED


def _meeting(world, kind="representatives", starts=None):
    return S.call_meeting(world.users["staff_A1"], world.communities["A1"], kind=kind, title="第三次居民代表会议",
                          agenda="审议加装电梯", place="社区活动室", starts_at=starts or T0 + dt.timedelta(days=6), now=T0)


def test_meeting_notice_registration_quorum_and_resolution(world):
    with pytest.raises(ValidationError, match="提前 5 天"):
        _meeting(world, starts=T0 + dt.timedelta(days=3))
    m = _meeting(world)
    assert m.electorate == 3 and m.quorum_rule == "two_thirds"  # only the 3 in mandate
    with pytest.raises(NotEligible, match="居民代表"):
        S.register_for_meeting(world.people[3], m, now=T0)  # mandate ended
    with pytest.raises(NotEligible):
        S.register_for_meeting(world.outsider, m, now=T0)
    regs = [S.register_for_meeting(p, m, now=T0) for p in world.people[:3]]
    with pytest.raises(AlreadyDone):
        S.register_for_meeting(world.people[0], m, now=T0)
    staff, later = world.users["staff_A1"], T0 + dt.timedelta(days=6, hours=1)
    S.hold_meeting(staff, m, attended_ids=[regs[0].pk], minutes="只到一人", now=later)
    assert m.attended == 1 and not m.quorate
    with pytest.raises(ValidationError, match="未达"):
        S.record_resolution(staff, m, text="同意", votes_for=1, votes_against=0, votes_abstain=0, now=later)
    m2 = _meeting(world)
    regs = [S.register_for_meeting(p, m2, now=T0) for p in world.people[:3]]
    S.hold_meeting(staff, m2, attended_ids=[r.pk for r in regs[:2]], minutes="两人到会", now=later)
    assert m2.quorate  # 2 of 3 is two thirds
    with pytest.raises(ValidationError, match="超过到会人数"):
        S.record_resolution(staff, m2, text="同意", votes_for=2, votes_against=1, votes_abstain=0, now=later)
    # the representatives' meeting passes with more than half of ALL representatives: 1 of 3 is not enough
    r = S.record_resolution(staff, m2, text="同意加装", votes_for=1, votes_against=0, votes_abstain=1, now=later)
    assert r.passed is False
    r = S.record_resolution(staff, m2, text="同意加装", votes_for=2, votes_against=0, votes_abstain=0, now=later)
    assert r.passed is True


def test_resident_assembly_counts_adults_only_and_hearing_statements(world):
    m = _meeting(world, kind="assembly", starts=T0 + dt.timedelta(days=8))
    assert m.electorate == 12  # the child and the one who moved out are not counted
    with pytest.raises(NotEligible, match="18"):
        S.register_for_meeting(world.child, m, now=T0)
    h = _meeting(world, kind="hearing")
    S.register_for_meeting(world.people[5], h, now=T0)
    S.hold_meeting(world.users["staff_A1"], h, attended_ids=list(h.registrations.values_list("id", flat=True)),
                   minutes="听证", now=T0 + dt.timedelta(days=7))
    s1 = S.record_statement(world.users["staff_A1"], h, speaker="3 号楼居民", stance="oppose", view="担心噪音")
    s2 = S.record_statement(world.users["staff_A1"], h, speaker="物业公司", stance="support", view="可以施工")
    assert (s1.seq, s2.seq) == (1, 2)
    with pytest.raises(ValidationError, match="听证会"):
        S.record_statement(world.users["staff_A1"], m, speaker="x", stance="support", view="y")
    assert MeetingRegistration.objects.filter(meeting=h).count() == 1


def test_board_masks_subsidy_recipients_and_monthly_once(world):
    staff, a1 = world.users["staff_A1"], world.communities["A1"]
    d = S.publish(staff, a1, kind="subsidy", title="高龄津贴发放", body="3 月高龄津贴", amount="900",
                  recipients=["王秀英", "李建国"], now=T0)
    assert d.recipients == ["王*英", "李*国"] and d.publisher_name and d.published_on == dt.date(2026, 3, 4)
    with pytest.raises(PermissionDenied):
        S.publish(world.users["staff_B1"], a1, kind="finance", title="x", body="y", now=T0)
    missing, month = S.missing_monthly(dt.date(2026, 4, 11))
    assert a1 in missing and month == dt.date(2026, 3, 1)
    assert S.remind_monthly(now=T0.replace(month=4, day=11)) >= 1
    m = S.publish_monthly(staff, a1, dt.date(2026, 3, 1), now=T0.replace(month=4, day=2))
    assert "补贴发放 1 项" in m.body and "900.00" in m.body
    with pytest.raises(AlreadyDone):
        S.publish_monthly(staff, a1, dt.date(2026, 3, 1), now=T0.replace(month=4, day=3))
    assert a1 not in S.missing_monthly(dt.date(2026, 4, 11))[0]


@pytest.fixture
def admission(world):
    from civicgrid.selfgov.models import AdmissionItem

    unit = world.units[("urban", "A")]
    item = AdmissionItem.objects.create(district=world.district, reference="SQ-07", title="门前三包宣传与巡查",
                                        department=unit.department, funding=Decimal("6000"),
                                        authority="对门前三包责任单位督促整改", basis="区委办〔2025〕12号")
    return item


def test_out_of_list_task_refused_with_the_lists_reference(world, admission):
    dept, a1 = world.users["urban_A"], world.communities["A1"]
    with pytest.raises(NotOnAdmissionList) as exc:
        S.request_task(dept, a1, title="代收城管罚款", reference="", now=T0)
    assert "准入清单》共 1 项" in exc.value.message and "SQ-07" in exc.value.message
    refused = TaskRequest.objects.get(title="代收城管罚款")
    assert refused.state == "refused" and refused.item is None
    with pytest.raises(PermissionDenied, match="服务区域"):
        S.request_task(world.users["urban_B"], a1, title="门前三包宣传与巡查", reference="SQ-07", now=T0)
    with pytest.raises(PermissionDenied, match="职能部门"):
        S.request_task(world.users["staff_A1"], a1, title="x", reference="SQ-07", now=T0)
    t = S.request_task(dept, a1, title="门前三包宣传与巡查", reference="SQ-07", now=T0)
    assert t.state == "accepted" and t.item == admission


def test_fund_transfers_reconcile(world, admission):
    dept, staff, a1 = world.users["urban_A"], world.users["staff_A1"], world.communities["A1"]
    t = S.request_task(dept, a1, title="门前三包宣传与巡查", reference="SQ-07", now=T0)
    S.record_fund(dept, t, kind="transfer", amount="4000", on=dt.date(2026, 3, 5), purpose="上半年经费")
    S.record_fund(staff, t, kind="use", amount="1250.50", on=dt.date(2026, 3, 9), purpose="宣传海报")
    with pytest.raises(ValidationError, match="超过结余"):
        S.record_fund(staff, t, kind="use", amount="2750", on=dt.date(2026, 3, 10), purpose="超支")
    with pytest.raises(PermissionDenied):
        S.record_fund(world.users["staff_B1"], t, kind="use", amount="1", on=dt.date(2026, 3, 10), purpose="x")
    with pytest.raises(PermissionDenied):
        S.record_fund(staff, t, kind="transfer", amount="1", on=dt.date(2026, 3, 10), purpose="x")
    S.record_fund(staff, t, kind="use", amount="2749.50", on=dt.date(2026, 3, 10), purpose="巡查补贴")
    assert S.reconcile(t) == {"promised": Decimal("6000.00"), "transferred": Decimal("4000.00"),
                              "spent": Decimal("4000.00"), "balance": Decimal("0.00"),
                              "shortfall": Decimal("2000.00")}


def test_charter_versions_need_a_passing_meeting(world):
    staff = world.users["staff_A1"]
    m = _meeting(world)
    regs = [S.register_for_meeting(p, m, now=T0) for p in world.people[:3]]
    later = T0 + dt.timedelta(days=6, hours=1)
    S.hold_meeting(staff, m, attended_ids=[r.pk for r in regs], minutes="审议公约", now=later)
    with pytest.raises(ValidationError, match="表决通过"):
        S.adopt_charter(staff, world.communities["A1"], kind="convention", text="公约", meeting=m, now=later)
    S.record_resolution(staff, m, text="通过居民公约", votes_for=3, votes_against=0, votes_abstain=0, now=later)
    v1 = S.adopt_charter(staff, world.communities["A1"], kind="convention", text="第一版", meeting=m, now=later)
    v2 = S.adopt_charter(staff, world.communities["A1"], kind="convention", text="第二版", meeting=m, now=later)
    assert (v1.version, v2.version, v2.adopted_by) == (1, 2, m)


def test_seal_register(world):
    s = S.record_seal_use(world.users["staff_A1"], world.communities["A1"], on=dt.date(2026, 3, 4),
                          matter="居住证明", basis="SQ-02", approved_by="张书记")
    assert str(s).startswith("2026-03-04 用印")
    with pytest.raises(PermissionDenied):
        S.record_seal_use(world.users["staff_B1"], world.communities["A1"], on=dt.date(2026, 3, 4),
                          matter="x", basis="y", approved_by="z")
