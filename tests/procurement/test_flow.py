"""Calls, eligibility, secret independent scoring, award, evaluation-gated payment and the fund ledger."""
import datetime as dt
import decimal

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.procurement import selectors as Q
from civicgrid.procurement import services as P
from civicgrid.procurement.errors import (BiddingClosed, FundExceeded, NotEligible, PaymentRefused,
                                          ScoringRefused)
from civicgrid.procurement.models import Score

from .conftest import AFTER, NOW, bid_and_close, new_call, score_all

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def test_call_needs_weights_of_100_and_a_panel_before_publishing(world):
    from django.core.exceptions import ValidationError

    t = world
    with pytest.raises(ValidationError, match="合计 100%"):
        new_call(t, criteria=[("服务方案", 50), ("团队", 30)])
    call = new_call(t)
    assert call.state == "published" and call.due_at == call.bid_deadline
    assert call.events.count() == 2


def test_eligibility_by_catalogue_with_reasons(world):
    t = world
    call = new_call(t)
    with pytest.raises(NotEligible, match="不在推荐目录内"):
        P.submit_bid(t.users["org_weak"], call, t.orgs["weak"], amount="80000", proposal="方案", now=NOW)
    # An organisation user cannot bid for another organisation.
    with pytest.raises(PermissionDenied, match="不是阳光社工服务中心的机构账号"):
        P.submit_bid(t.users["org_moon"], call, t.orgs["sun"], amount="80000", proposal="方案", now=NOW)
    with pytest.raises(BiddingClosed):
        P.submit_bid(t.users["org_sun"], call, t.orgs["sun"], amount="80000", proposal="方案", now=AFTER)


def test_own_conditions_instead_of_the_catalogue(world):
    t = world
    call = new_call(t, eligibility="conditions", conditions=[{"metric": "domain_includes", "value": "elderly"}])
    bid = P.submit_bid(t.users["org_weak"], call, t.orgs["weak"], amount="80000", proposal="方案", now=NOW)
    assert bid.eligibility[0]["ok"]


def test_scores_are_secret_until_every_member_has_submitted(world):
    t = world
    call, bids = bid_and_close(t, new_call(t))
    crit = list(call.criteria.all())
    for i in (1, 2):
        u = t.users[f"rev{i}"]
        P.declare(u, call, now=AFTER)
        for b in bids.values():
            P.score(u, call, b, {c.pk: 80 + i for c in crit}, now=AFTER)
        P.submit_scores(u, call, now=AFTER)
    # The chair (rev1) sees only their own scores while rev3 has not submitted, and so does the buyer.
    mine = Q.scores(t.users["rev1"], call)
    assert mine.count() == 6 and {s.seat.user for s in mine} == {t.users["rev1"]}
    assert not Q.scores(t.users["buyer_A"], call).exists()
    assert Q.panel_progress(call)["submitted"] == 2
    # Award refused while scoring is incomplete.
    from civicgrid.procurement.errors import IllegalAction

    with pytest.raises(IllegalAction):
        P.act(t.users["buyer_A"], call, "award", now=AFTER)
    # The chair cannot change another member's score: scores are written through one's own seat only.
    with pytest.raises(ScoringRefused, match="已提交评分"):
        P.score(t.users["rev2"], call, bids["sun"], {crit[0].pk: 10}, now=AFTER)
    before = Score.objects.filter(seat__user=t.users["rev2"]).values_list("value", flat=True)
    P.declare(t.users["rev3"], call, now=AFTER)
    for b in bids.values():
        P.score(t.users["rev3"], call, b, {c.pk: 60 for c in crit}, now=AFTER)
    P.submit_scores(t.users["rev3"], call, now=AFTER)
    assert Q.scores(t.users["rev1"], call).count() == 18
    assert list(Score.objects.filter(seat__user=t.users["rev2"]).values_list("value", flat=True)) == list(before)


def test_api_withholds_other_members_scores(world, client):
    from civicgrid.api import services as api_services

    t = world
    call, bids = bid_and_close(t, new_call(t))
    P.declare(t.users["rev2"], call, now=AFTER)
    P.score(t.users["rev2"], call, bids["sun"], {c.pk: 77 for c in call.criteria.all()}, now=AFTER)
    t.users["admin"].is_superuser = False
    _, raw = api_services.issue_token(t.users["admin"], user=t.users["rev1"], name="测试")
    resp = client.get(f"/api/v1/procurement/panel/{call.number}/scores", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert resp.status_code == 200, resp.content
    assert resp.json()["complete"] is False and resp.json()["items"] == []


def test_conflict_of_interest_excludes_the_member_from_that_bid(world):
    t = world
    call, bids = bid_and_close(t, new_call(t))
    crit = list(call.criteria.all())
    with pytest.raises(ScoringRefused, match="先声明利益冲突"):
        P.score(t.users["rev1"], call, bids["sun"], {crit[0].pk: 90}, now=AFTER)
    P.declare(t.users["rev1"], call, conflicts=[bids["sun"].pk], note="曾任该机构理事", now=AFTER)
    with pytest.raises(ScoringRefused, match="回避"):
        P.score(t.users["rev1"], call, bids["sun"], {crit[0].pk: 90}, now=AFTER)
    P.score(t.users["rev1"], call, bids["moon"], {c.pk: 70 for c in crit}, now=AFTER)
    P.submit_scores(t.users["rev1"], call, now=AFTER)  # complete without the conflicted bid
    with pytest.raises(PermissionDenied, match="不是该项目的评审专家"):
        P.score(t.users["buyer_A"], call, bids["moon"], {crit[0].pk: 90}, now=AFTER)


def _awarded(t):
    call, bids = bid_and_close(t, new_call(t))
    score_all(t, call, bids)
    call = P.act(t.users["buyer_A"], call, "award", now=AFTER)
    return call, bids


def test_award_ranks_by_weighted_mean_and_commits_the_fund(world):
    t = world
    call, bids = _awarded(t)
    sun, moon = (b.__class__.objects.get(pk=b.pk) for b in bids.values())
    assert sun.total == D("86.50") and moon.total == D("75.50")  # 90·.5+85·.3+80·.2 ; 70·.5+75·.3+90·.2
    assert (sun.rank, sun.state, moon.state) == (1, "won", "lost")
    c = call.contract
    assert c.organisation == t.orgs["sun"] and c.amount == D("90000")
    assert sum(m.payment for m in c.milestones.all()) == c.amount
    rows = Q.award_table(call)
    assert rows[0]["bid"] == sun and len(rows[0]["members"]) == 3  # published with scores


def test_payment_only_against_an_accepted_evaluation(world):
    t = world
    call, _ = _awarded(t)
    m1 = call.contract.milestones.get(seq=1)
    with pytest.raises(PaymentRefused, match="没有通过的绩效评估"):
        P.pay(t.users["buyer_A"], m1, now=AFTER)
    P.report_milestone(t.users["org_sun"], m1, text="完成需求评估 120 户", self_score=90, now=AFTER)
    with pytest.raises(PermissionDenied, match="不是"):
        P.report_milestone(t.users["org_moon"], m1, text="x", self_score=90, now=AFTER)
    ev = P.evaluate(t.users["buyer_A"], m1, satisfaction=40, third_party=50, now=AFTER)
    assert ev.total == D("55.00") and not ev.accepted  # 90·.2 + 40·.3 + 50·.5 < 60
    with pytest.raises(PaymentRefused):
        P.pay(t.users["buyer_A"], m1, now=AFTER)
    P.report_milestone(t.users["org_sun"], m1, text="补充材料后重新报告", self_score=90, now=AFTER)
    ev = P.evaluate(t.users["buyer_A"], m1, satisfaction=92, third_party=85, now=AFTER)
    assert ev.accepted and ev.total == D("88.10")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        P.pay(t.users["buyer_B"], m1, now=AFTER)
    p = P.pay(t.users["buyer_A"], m1, now=AFTER)
    assert p.amount == D("27000.00") and p.evaluation == ev
    with pytest.raises(PaymentRefused, match="已付款"):
        P.pay(t.users["buyer_A"], m1, now=AFTER)


def test_fund_reconciles_and_refuses_money_beyond_contract_or_fund(world):
    t = world
    call, _ = _awarded(t)
    fund = t.funds["A"]
    # A second call larger than what the fund has left is refused.
    with pytest.raises(FundExceeded, match="尚未承诺的余额 210000.00"):
        new_call(t, budget="250000")
    contract = call.contract
    for m in contract.milestones.all():
        P.report_milestone(t.users["org_sun"], m, text="按期完成", self_score=95, now=AFTER)
        P.evaluate(t.users["buyer_A"], m, satisfaction=90, third_party=90, now=AFTER)
        P.pay(t.users["buyer_A"], m, now=AFTER)
    contract.refresh_from_db()
    assert contract.state == "completed" and contract.paid() == contract.amount
    r = P.reconcile(fund)
    assert r["ok"] and r["committed"] == D("90000") and r["paid"] == D("90000") and r["uncommitted"] == D("210000")
    assert r["contracts"][0]["balance"] == 0
    # A schedule that would pay beyond the contract is refused (a tampered instalment).
    from civicgrid.procurement.models import Evaluation, Milestone, MilestoneReport

    last = contract.milestones.get(seq=3)
    extra = Milestone.objects.create(contract=contract, seq=4, title="追加", deliverable="x", due_on=last.due_on,
                                     payment=D("1.00"), state="accepted")
    rep = MilestoneReport.objects.create(milestone=extra, text="x", self_score=90, submitted_by=t.users["org_sun"],
                                         submitted_at=AFTER)
    Evaluation.objects.create(milestone=extra, report=rep, self_score=90, satisfaction=90, third_party=90, total=90,
                              formula={}, accepted=True, by=t.users["buyer_A"], at=AFTER)
    with pytest.raises(FundExceeded, match="超过合同金额"):
        P.pay(t.users["buyer_A"], extra, now=AFTER)
    assert P.reconcile(fund)["ok"]


def test_fund_cannot_be_overpaid(world):
    t = world
    call, _ = _awarded(t)
    fund = t.funds["A"]
    fund.amount = D("20000")  # the fund was cut after the commitment
    fund.save()
    m1 = call.contract.milestones.get(seq=1)
    P.report_milestone(t.users["org_sun"], m1, text="完成", self_score=95, now=AFTER)
    P.evaluate(t.users["buyer_A"], m1, satisfaction=90, third_party=90, now=AFTER)
    with pytest.raises(FundExceeded, match="超过额度"):
        P.pay(t.users["buyer_A"], m1, now=AFTER)
    assert not P.reconcile(fund)["ok"]  # committed beyond the fund: the reconciliation says so


def test_an_organisation_sees_only_its_own_bids_and_contracts(world):
    t = world
    call, bids = _awarded(t)
    assert list(Q.my_bids(t.users["org_moon"])) == [bids["moon"]]
    assert list(Q.my_contracts(t.users["org_moon"])) == []
    assert list(Q.my_contracts(t.users["org_sun"])) == [call.contract]
    from django.http import Http404

    with pytest.raises(Http404):
        Q.contract(t.users["org_moon"], call.contract.number)
    assert Q.contract_for_account(t.users["org_moon"], call.contract.number) is None
    assert Q.contract_for_account(t.users["org_sun"], call.contract.number) == call.contract


def test_jurisdiction_street_and_department(world):
    t = world
    a = new_call(t, "A")
    b = new_call(t, "B")
    dept_fund = P.save_fund(t.users["buyer_dept"], name="城管委预算", kind="budget", year=2026, amount="200000")
    assert dept_fund.unit == t.units[("urban", None)] and dept_fund.region == t.district
    d = P.create_call(t.users["buyer_dept"], title="街面秩序志愿服务", kind="service", fund=dept_fund, budget="50000",
                      description="志愿服务", bid_deadline=NOW + dt.timedelta(days=10), criteria=[("方案", 100)], now=NOW)
    assert list(Q.calls(t.users["buyer_A"])) == [a]
    assert list(Q.calls(t.users["buyer_dept"])) == [d]
    assert set(Q.calls(t.users["commander"])) == {a, b, d}
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        P.create_call(t.users["buyer_A"], title="x", kind="service", fund=t.funds["B"], budget="1000", description="x",
                      bid_deadline=NOW + dt.timedelta(days=3), criteria=[("方案", 100)], now=NOW)
    with pytest.raises(PermissionDenied):
        P.act(t.users["buyer_A"], b, "cancel", note="越权撤销", now=NOW)
