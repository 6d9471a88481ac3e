"""Every write of procurement: funds, calls (on the shared workflow engine), panels, bids from the
organisation's portal, independent scoring, the award and its contract, milestone reports,
evaluation by the call's formula, payment against an accepted evaluation, and the fund ledger.

Money rules, enforced here under row locks (the fund's row is the lock for all its money):
a call's budget and a contract fit what the fund has not yet committed; a payment needs the
milestone's accepted evaluation, and never takes a contract past its amount or a fund past its size.
"""
from __future__ import annotations

import datetime as dt
import decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core.scoping import has_role, node_in_scope, require_in_scope, sees_everything, user_roles
from civicgrid.core.workflow import Machine
from civicgrid.orgs import catalogue
from civicgrid.orgs.models import OrgAccount

from . import workflow as W
from .errors import (BiddingClosed, CallConflict, FundExceeded, IllegalAction, NotEligible, PaymentRefused,
                     ScoringRefused)
from .models import (ZERO, Bid, BidDocument, Call, CallEvent, Contract, Criterion, Evaluation, FundSource,
                     LedgerEntry, Milestone, MilestoneReport, PanelSeat, Payment, Score)

CENT = decimal.Decimal("0.01")
DOC_MAX_BYTES = 10 * 1024 * 1024
DOC_TYPES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png")
DEFAULT_PLAN = (("启动与需求评估", "服务方案细化、需求评估报告", 30, 3), ("中期服务", "中期服务记录与中期报告", 40, 6),
                ("结项", "结项报告、服务对象满意度调查", 30, 12))


class CallMachine(Machine):
    illegal_error = IllegalAction
    conflict_error = CallConflict

    def start_clock(self, obj, step, now, *, due=None):
        # Bidding runs to the call's own deadline, not a rule of thumb.
        if step == "bidding" and obj.bid_deadline:
            due = obj.bid_deadline
        super().start_clock(obj, step, now, due=due)


MACHINE = CallMachine(W.WORKFLOW, Call, CallEvent, event_parent="call",
                      effects={"award": lambda call, row, now, **kw: _award_effect(call, now, **kw),
                               "publish": lambda call, row, now, **kw: setattr(call, "published_at", now)})


def money(value, label: str) -> decimal.Decimal:
    try:
        d = decimal.Decimal(str(value).strip()).quantize(CENT)
    except (decimal.InvalidOperation, ValueError, TypeError):
        raise ValidationError(f"{label}应为金额（元）。")
    if d <= 0 or d > decimal.Decimal("9999999999"):
        raise ValidationError(f"{label}应大于 0 且不超过 99.99 亿元。")
    return d


def _text(value, label: str, limit: int, *, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"请填写{label}。")
    if len(value) > limit:
        raise ValidationError(f"{label}不能超过 {limit} 字。")
    return value


# -- who buys ---------------------------------------------------------------------------------------

def buyer_seat(user):
    """(region, unit, label) the user buys for: a purchaser's node or a department purchaser's unit."""
    for s in user_roles(user):
        if s.role == W.PURCHASER and s.region_id:
            return s.region, None, s.region.name
        if s.role == W.DEPT_PURCHASER and s.department_unit_id:
            u = s.department_unit
            return u.region, u, u.name
    if sees_everything(user):
        return None, None, ""
    raise PermissionDenied("此操作需要以下角色之一：购买服务经办、部门购买服务经办")


def require_buyer(user, obj, what: str) -> None:
    """A purchaser whose jurisdiction holds the call/fund (street, district or department unit)."""
    if not (sees_everything(user) or has_role(user, *W.BUYERS)):
        raise PermissionDenied(f"{what}需要以下角色之一：购买服务经办、部门购买服务经办")
    try:
        require_in_scope(user, obj, roles=W.BUYERS)
    except PermissionDenied:
        raise PermissionDenied(f"该项目不在您的管辖范围内，不能{what}。")


def save_fund(user, *, name, kind, year, amount, region=None, unit=None) -> FundSource:
    seat_region, seat_unit, _ = buyer_seat(user)
    region, unit = region or seat_region, unit if unit is not None else seat_unit
    if region is None:
        raise ValidationError("请选择资金所属的街道或区。")
    if unit is None and not node_in_scope(user, region, roles=(W.PURCHASER,)):
        raise PermissionDenied(f"{region.name}不在您的管辖范围内。")
    if kind not in W.FUND_KINDS:
        raise ValidationError("未知的资金来源。")
    f = FundSource.objects.create(name=_text(name, "资金名称", 80), kind=kind, year=int(year),
                                  amount=money(amount, "额度"), region=region, unit=unit)
    audit.record(user, "fund.create", f, detail={"kind": kind, "amount": str(f.amount)})
    return f


def _available(fund: FundSource) -> decimal.Decimal:
    return fund.amount - fund.committed()


# -- calls ------------------------------------------------------------------------------------------

def _next_number(now) -> str:
    prefix = f"GM{timezone.localdate(now):%Y}"
    last = Call.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    n = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def create_call(user, *, title, kind, fund: FundSource, budget, description, bid_deadline: dt.datetime,
                criteria, domain="", eligibility="catalogue", conditions=(), formula=None, now=None) -> Call:
    """A draft call of the actor's purchasing unit, with its weighted scoring criteria."""
    now = now or timezone.now()
    region, unit, label = buyer_seat(user)
    if region is None:
        region, unit, label = fund.region, fund.unit, fund.region.name
    require_buyer(user, fund, "使用该资金")
    if kind not in W.KINDS or eligibility not in W.ELIGIBILITY:
        raise ValidationError("项目类别或申报资格不正确。")
    budget = money(budget, "预算")
    if budget > _available(fund):
        raise FundExceeded(f"预算 {budget} 元超过{fund}尚未承诺的余额 {_available(fund)} 元。")
    if bid_deadline <= now:
        raise ValidationError("投标截止时间应晚于现在。")
    crit = [(_text(n, "评分项", 60), int(w)) for n, w in criteria if (n or "").strip()]
    if not crit or sum(w for _, w in crit) != 100 or any(w <= 0 for _, w in crit):
        raise ValidationError("评分标准的权重应为正数且合计 100%。")
    conds = []
    for c in conditions or ():
        try:
            catalogue.parse_value(c["metric"], c["value"])
        except (KeyError, ValueError) as exc:
            raise NotEligible(f"资格条件不正确：{exc}")
        conds.append({"metric": c["metric"], "value": str(c["value"])})
    if eligibility == "conditions" and not conds:
        raise ValidationError("自定资格条件时请至少设置一项条件。")
    formula = {**W.DEFAULT_FORMULA, **(formula or {})}
    if sum(int(formula[k]) for k in W.FORMULA_PARTS) != 100:
        raise ValidationError("绩效评估各部分权重应合计 100%。")
    call = Call(title=_text(title, "项目名称", 100), kind=kind, region=region, unit=unit, purchaser=label[:80],
                fund=fund, budget=budget, description=_text(description, "服务内容", 4000),
                domain=domain if domain else "", eligibility=eligibility, conditions=conds, formula=formula,
                bid_deadline=bid_deadline, created_by=user, created_at=now)
    for attempt in range(3):
        try:
            with transaction.atomic():
                call.number = _next_number(now)
                MACHINE.begin(user, call, action="create", role=_role(user), now=now,
                              data={"budget": str(budget), "fund": fund.pk})
                Criterion.objects.bulk_create([Criterion(call=call, name=n, weight=w, order=i)
                                               for i, (n, w) in enumerate(crit)])
            return call
        except IntegrityError:
            call.pk = None
            if attempt == 2:
                raise


def _role(user) -> str:
    return next((s.role for s in user_roles(user) if s.role in W.BUYERS), W.PURCHASER)


def appoint_panel(user, call: Call, reviewers, chair) -> list[PanelSeat]:
    require_buyer(user, call, "组建评审小组")
    if call.state not in (W.DRAFT, W.PUBLISHED):
        raise IllegalAction("评审小组须在截止投标前组建。")
    reviewers = list(dict.fromkeys(reviewers))
    if len(reviewers) < 3 or len(reviewers) % 2 == 0:
        raise ValidationError("评审小组应由 3 人以上单数专家组成。")
    if chair not in reviewers:
        raise ValidationError("评审组长须是评审小组成员。")
    for r in reviewers:
        if not any(s.role == W.REVIEWER for s in r.roles.all()):
            raise ValidationError(f"{r} 不是登记的评审专家。")
    with transaction.atomic():
        PanelSeat.objects.filter(call=call).delete()
        seats = [PanelSeat.objects.create(call=call, user=r, is_chair=(r == chair)) for r in reviewers]
        audit.record(user, "call.panel_appoint", call, detail={"members": len(seats)})
    return seats


def act(user, call: Call, action: str, *, note="", now=None, **inputs) -> Call:
    return MACHINE.act(user, call, action, note=note, now=now, inputs=inputs)


def close_due(now=None) -> int:
    """The sweep: close bidding on calls whose deadline has passed."""
    now = now or timezone.now()
    n = 0
    for call in Call.objects.filter(state=W.PUBLISHED, bid_deadline__lte=now):
        MACHINE.act(None, call, "close_bids", now=now)
        n += 1
    return n


# -- eligibility and bids ------------------------------------------------------------------------------

def eligibility(call: Call, org, today=None) -> tuple[bool, list[dict]]:
    """Whether `org` may bid, with the reasons: the catalogue standing, or the call's own conditions."""
    today = today or timezone.localdate()
    if call.eligibility == "catalogue":
        standing = getattr(org, "standing", None)
        ok = bool(standing and standing.included)
        results = [{"label": "列入推荐目录", "ok": ok, "detail": "在推荐目录内" if ok else "不在推荐目录内"}]
        if standing and not ok:
            results += [r for r in standing.results if not r["ok"]]
        return ok, results

    class Row:  # the call's own conditions evaluated like catalogue conditions
        def __init__(self, i, c):
            self.pk, self.metric, self.value = i, c["metric"], c["value"]
            m = catalogue.METRICS[c["metric"]]
            self.label = f"{m.label} {c['value']}"

    from civicgrid.orgs.models import Organisation

    org = Organisation.objects.prefetch_related("grades", "inspections", "credit_events", "staff").get(pk=org.pk)
    return catalogue.evaluate(org, [Row(i, c) for i, c in enumerate(call.conditions)], today)


def require_account(user, org) -> None:
    if not OrgAccount.objects.filter(user=user, organisation=org).exists():
        raise PermissionDenied(f"您不是{org.name}的机构账号，不能代表其操作。")


def submit_bid(user, call: Call, org, *, amount, proposal, documents=(), now=None) -> Bid:
    """From the organisation's portal: one bid per organisation, while the call is open."""
    now = now or timezone.now()
    require_account(user, org)
    if call.state != W.PUBLISHED or call.bidding_closed(now):
        raise BiddingClosed(f"项目 {call.number} 不在投标期内（截止 {timezone.localtime(call.bid_deadline):%Y-%m-%d %H:%M}）。")
    ok, results = eligibility(call, org, timezone.localdate(now))
    if not ok:
        why = "；".join(f"{r['label']}（{r['detail']}）" for r in results if not r["ok"])
        raise NotEligible(f"{org.name}不符合申报资格：{why}")
    amount = money(amount, "报价")
    if amount > call.budget:
        raise ValidationError(f"报价不能超过项目预算 {call.budget} 元。")
    docs = [d for d in documents if d]
    for d in docs:
        if not d.name.lower().endswith(DOC_TYPES) or d.size > DOC_MAX_BYTES:
            raise ValidationError("投标文件应为 PDF、Word、Excel 或图片，单个不超过 10 MB。")
    with transaction.atomic():
        try:
            with transaction.atomic():
                bid = Bid.objects.create(call=call, organisation=org, amount=amount, submitted_by=user,
                                         proposal=_text(proposal, "服务方案", 8000), eligibility=results,
                                         submitted_at=now)
        except IntegrityError:
            raise ValidationError(f"{org.name}已对本项目投标。")
        for d in docs:
            BidDocument.objects.create(bid=bid, title=d.name[:100], file=d, uploaded_at=now)
        audit.record(user, "bid.bid_submit", bid, detail={"call": call.number, "amount": str(amount),
                                                      "documents": len(docs)})
    return bid


# -- the panel ----------------------------------------------------------------------------------------

def seat_of(user, call: Call) -> PanelSeat:
    seat = PanelSeat.objects.filter(call=call, user=user).first()
    if seat is None:
        raise PermissionDenied("您不是该项目的评审专家。")
    return seat


def declare(user, call: Call, *, conflicts=(), note="", now=None) -> PanelSeat:
    """利益冲突声明: before scoring, each member names the bids they have an interest in (or none)."""
    seat = seat_of(user, call)
    if call.state != W.REVIEWING:
        raise ScoringRefused("截止投标后才能声明利益冲突并评分。")
    if seat.submitted_at:
        raise ScoringRefused("您已提交评分，不能再修改利益冲突声明。")
    ids = {b.pk for b in call.bids.filter(state="submitted")}
    chosen = sorted({int(c) for c in conflicts if str(c).isdigit() and int(c) in ids})
    seat.conflicts, seat.conflict_note = chosen, (note or "")[:300]
    seat.declared_at = now or timezone.now()
    seat.save()
    if chosen:
        Score.objects.filter(seat=seat, bid_id__in=chosen).delete()
    audit.record(user, "panel.declare_conflict", call, detail={"conflicts": len(chosen)})
    return seat


def score(user, call: Call, bid: Bid, values: dict, *, comment="", now=None) -> list[Score]:
    """A member's own scores for one bid (criterion id → 0–100). Only the member writes them: the chair
    has no power over another member's score."""
    seat = seat_of(user, call)
    if call.state != W.REVIEWING:
        raise ScoringRefused("项目不在评审阶段。")
    if seat.declared_at is None:
        raise ScoringRefused("请先声明利益冲突（无冲突也须声明）。")
    if seat.submitted_at:
        raise ScoringRefused("您已提交评分，不能再修改。")
    if bid.call_id != call.pk or bid.state != "submitted":
        raise ScoringRefused("该投标不属于本项目。")
    if bid.pk in seat.conflicts:
        raise ScoringRefused("您已声明与该投标存在利益冲突，应回避评分。")
    crit = {c.pk: c for c in call.criteria.all()}
    now = now or timezone.now()
    out = []
    with transaction.atomic():
        for cid, raw in values.items():
            c = crit.get(int(cid)) if str(cid).isdigit() else None
            if c is None:
                raise ValidationError("未知的评分项。")
            try:
                v = decimal.Decimal(str(raw)).quantize(CENT)
            except (decimal.InvalidOperation, ValueError):
                raise ValidationError(f"“{c.name}”的得分应为 0–100 的数字。")
            if not 0 <= v <= 100:
                raise ValidationError(f"“{c.name}”的得分应在 0–100 之间。")
            s, _ = Score.objects.update_or_create(seat=seat, bid=bid, criterion=c,
                                                  defaults={"value": v, "comment": (comment or "")[:300], "at": now})
            out.append(s)
        audit.record(user, "panel.score_bid", bid, detail={"criteria": len(out)})
    return out


def submit_scores(user, call: Call, *, now=None) -> PanelSeat:
    seat = seat_of(user, call)
    if seat.submitted_at:
        raise ScoringRefused("您已提交评分。")
    if call.state != W.REVIEWING:
        raise ScoringRefused("项目不在评审阶段。")
    if seat.declared_at is None:
        raise ScoringRefused("请先声明利益冲突。")
    need = {(b.pk, c.pk) for b in call.bids.filter(state="submitted") if b.pk not in seat.conflicts
            for c in call.criteria.all()}
    have = set(Score.objects.filter(seat=seat).values_list("bid_id", "criterion_id"))
    if need - have:
        raise ScoringRefused(f"还有 {len(need - have)} 项未评分，不能提交。")
    seat.submitted_at = now or timezone.now()
    seat.save(update_fields=["submitted_at"])
    audit.record(user, "panel.score_submit", call, detail={})
    return seat


def totals(call: Call) -> dict[int, decimal.Decimal]:
    """Each bid's total: the mean over the members who scored it of Σ score × weight / 100."""
    weights = {c.pk: c.weight for c in call.criteria.all()}
    per: dict[tuple[int, int], decimal.Decimal] = {}
    for s in Score.objects.filter(bid__call=call):
        per[(s.bid_id, s.seat_id)] = per.get((s.bid_id, s.seat_id), ZERO) + s.value * weights[s.criterion_id] / 100
    out: dict[int, list] = {}
    for (bid, _), v in per.items():
        out.setdefault(bid, []).append(v)
    return {b: (sum(vs) / len(vs)).quantize(CENT) for b, vs in out.items()}


def _award_effect(call: Call, now, *, actor, data, plan=None, **kw) -> None:
    """Rank the bids, make the contract with the winner, commit its amount in the fund ledger."""
    scores = totals(call)
    bids = sorted(call.bids.filter(state="submitted").select_related("organisation"),
                  key=lambda b: (-scores.get(b.pk, ZERO), b.amount, b.pk))
    if not bids:
        raise IllegalAction("没有有效投标，不能公示结果。")
    for i, b in enumerate(bids, 1):
        b.total, b.rank, b.state = scores.get(b.pk, ZERO), i, "won" if i == 1 else "lost"
        b.save(update_fields=["total", "rank", "state"])
    win = bids[0]
    fund = FundSource.objects.select_for_update().get(pk=call.fund_id)
    if win.amount > _available(fund):
        raise FundExceeded(f"中标金额 {win.amount} 元超过{fund}尚未承诺的余额 {_available(fund)} 元。")
    contract = Contract.objects.create(
        number=call.number.replace("GM", "HT"), call=call, bid=win, organisation=win.organisation, fund=fund,
        amount=win.amount, deliverables=call.description, signed_on=timezone.localdate(now))
    plan = plan or DEFAULT_PLAN
    paid_so_far = ZERO
    for seq, (title, deliverable, pct, months) in enumerate(plan, 1):
        pay = (win.amount * pct / 100).quantize(CENT) if seq < len(plan) else win.amount - paid_so_far
        paid_so_far += pay
        Milestone.objects.create(contract=contract, seq=seq, title=title, deliverable=deliverable,
                                 due_on=timezone.localdate(now) + dt.timedelta(days=30 * months), payment=pay)
    LedgerEntry.objects.create(fund=fund, contract=contract, kind="commitment", amount=win.amount, at=now, by=actor,
                               note=f"{call.number} 中标：{win.organisation.name}")
    call.awarded_at = now
    data.update({"winner": win.organisation_id, "amount": str(win.amount), "contract": contract.number})


# -- contract execution ----------------------------------------------------------------------------------

def report_milestone(user, milestone: Milestone, *, text, self_score, evidence=None, now=None) -> MilestoneReport:
    """The organisation reports a milestone with its evidence (from its portal)."""
    require_account(user, milestone.contract.organisation)
    if milestone.state not in ("planned", "rejected"):
        raise IllegalAction(f"该节点当前为“{milestone.get_state_display()}”，不能再提交报告。")
    try:
        s = decimal.Decimal(str(self_score)).quantize(CENT)
    except (decimal.InvalidOperation, ValueError):
        raise ValidationError("自评得分应为 0–100 的数字。")
    if not 0 <= s <= 100:
        raise ValidationError("自评得分应在 0–100 之间。")
    if evidence is not None and (not evidence.name.lower().endswith(DOC_TYPES) or evidence.size > DOC_MAX_BYTES):
        raise ValidationError("佐证材料应为 PDF、Word、Excel 或图片，不超过 10 MB。")
    with transaction.atomic():
        r = MilestoneReport.objects.create(milestone=milestone, text=_text(text, "完成情况", 4000), self_score=s,
                                           evidence=evidence, submitted_by=user, submitted_at=now or timezone.now())
        milestone.state = "reported"
        milestone.save(update_fields=["state"])
        audit.record(user, "milestone.milestone_report", milestone, detail={"self_score": str(s)})
    return r


def formula_total(formula: dict, self_score, satisfaction, third_party) -> decimal.Decimal:
    parts = {"self": self_score, "satisfaction": satisfaction, "third_party": third_party}
    return (sum(decimal.Decimal(str(parts[k])) * int(formula[k]) for k in W.FORMULA_PARTS) / 100).quantize(CENT)


def evaluate(user, milestone: Milestone, *, satisfaction, third_party, note="", now=None) -> Evaluation:
    """Performance evaluation by the call's published formula; accepted when the total reaches the pass mark."""
    require_buyer(user, milestone, "评估")
    if milestone.state != "reported":
        raise IllegalAction("节点报告提交后才能评估。")
    report = milestone.reports.order_by("-submitted_at").first()
    vals = []
    for raw, label in ((satisfaction, "满意度"), (third_party, "第三方评估")):
        try:
            v = decimal.Decimal(str(raw)).quantize(CENT)
        except (decimal.InvalidOperation, ValueError):
            raise ValidationError(f"{label}得分应为 0–100 的数字。")
        if not 0 <= v <= 100:
            raise ValidationError(f"{label}得分应在 0–100 之间。")
        vals.append(v)
    formula = milestone.contract.call.formula_or_default
    total = formula_total(formula, report.self_score, *vals)
    accepted = total >= decimal.Decimal(str(formula["pass_mark"]))
    with transaction.atomic():
        e = Evaluation.objects.create(milestone=milestone, report=report, self_score=report.self_score,
                                      satisfaction=vals[0], third_party=vals[1], total=total, formula=formula,
                                      accepted=accepted, note=(note or "")[:300], by=user, at=now or timezone.now())
        milestone.state = "accepted" if accepted else "rejected"
        milestone.save(update_fields=["state"])
        audit.record(user, "milestone.evaluate_milestone", milestone, detail={"total": str(total), "accepted": accepted})
    return e


def pay(user, milestone: Milestone, *, paid_on=None, now=None) -> Payment:
    """Release the milestone's instalment — only against its accepted evaluation, and within the contract
    and the fund (the fund row is locked: two payments cannot both take its last yuan)."""
    require_buyer(user, milestone, "付款")
    now = now or timezone.now()
    with transaction.atomic():
        m = Milestone.objects.select_for_update().select_related("contract").get(pk=milestone.pk)
        contract = m.contract
        fund = FundSource.objects.select_for_update().get(pk=contract.fund_id)
        if m.state == "paid" or Payment.objects.filter(milestone=m).exists():
            raise PaymentRefused("该节点已付款。")
        ev = m.evaluations.order_by("-at", "-id").first()
        if ev is None or not ev.accepted or m.state != "accepted":
            raise PaymentRefused(f"第{m.seq}期没有通过的绩效评估，不能付款（付款须以评估通过为依据）。")
        amount = m.payment
        if contract.paid() + amount > contract.amount:
            raise FundExceeded(f"付款后累计 {contract.paid() + amount} 元将超过合同金额 {contract.amount} 元。")
        if fund.paid() + amount > fund.amount:
            raise FundExceeded(f"付款后{fund}累计支出将超过额度 {fund.amount} 元。")
        p = Payment.objects.create(contract=contract, milestone=m, evaluation=ev, amount=amount,
                                   paid_on=paid_on or timezone.localdate(now), by=user)
        LedgerEntry.objects.create(fund=fund, contract=contract, kind="payment", amount=amount, at=now, by=user,
                                   note=f"第{m.seq}期 {m.title}（评估 {ev.total} 分）")
        m.state = "paid"
        m.save(update_fields=["state"])
        if not contract.milestones.exclude(state="paid").exists():
            contract.state = "completed"
            contract.save(update_fields=["state"])
        audit.record(user, "payment.release", contract, detail={"milestone": m.seq, "amount": str(amount)})
    return p


def reconcile(fund: FundSource) -> dict:
    """The ledger against the contracts and payments: per fund and per contract, and whether they agree."""
    entries = list(fund.ledger.all())
    committed = sum((e.amount for e in entries if e.kind == "commitment"), ZERO)
    paid = sum((e.amount for e in entries if e.kind == "payment"), ZERO)
    rows = []
    for c in fund.contracts.select_related("organisation").order_by("number"):
        led_paid = sum((e.amount for e in entries if e.kind == "payment" and e.contract_id == c.pk), ZERO)
        led_comm = sum((e.amount for e in entries if e.kind == "commitment" and e.contract_id == c.pk), ZERO)
        actual = c.paid()
        rows.append({"contract": c, "amount": c.amount, "committed": led_comm, "paid": led_paid,
                     "balance": c.amount - led_paid,
                     "ok": led_comm == c.amount and led_paid == actual and led_paid <= c.amount})
    return {"fund": fund, "amount": fund.amount, "committed": committed, "paid": paid,
            "uncommitted": fund.amount - committed, "unpaid": committed - paid, "contracts": rows,
            "ok": committed <= fund.amount and paid <= committed and all(r["ok"] for r in rows)
            and committed == fund.committed()}
