"""Every write to self-governance. Views, the API, the demo seeder and the sweep call these.

Residents act as a `Person` of the register (identity.py proves who they are by SMS); staff act as
users with a seat over the community. Refusals: ValidationError (bad input), PermissionDenied (role or
jurisdiction, with the reason), errors.* (state, eligibility, once-only, admission list).
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.crypto import mask_name
from civicgrid.core.notifications import notify
from civicgrid.core.scoping import node_in_scope, sees_everything, user_roles
from civicgrid.core.workflow import SYSTEM, Machine

from . import rules
from . import workflow as W
from .errors import AlreadyDone, IllegalAction, NotEligible, NotOnAdmissionList, ProposalConflict
from .models import (AdmissionItem, CharterVersion, Disclosure, FundEntry, HearingStatement, Meeting,
                     MeetingRegistration, OpenBallot, Poll, PollOption, PollVoter, Proposal, ProposalEvent,
                     ProposalSupport, Representative, Resolution, SealUse, SecretTally, TaskRequest)

STAFF = (R.COMMUNITY_STAFF,)
MAX_AMOUNT = Decimal("9999999999")


# -- small helpers ---------------------------------------------------------------------------------
def _text(value, label: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    if required and not value:
        raise ValidationError(f"请填写{label}。")
    if len(value) > max_length:
        raise ValidationError(f"{label}不能超过 {max_length} 字。")
    return value


def _int(value, label: str, *, minimum: int = 0, maximum: int = 100000) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{label}须为整数。")
    if not minimum <= n <= maximum:
        raise ValidationError(f"{label}须在 {minimum}–{maximum} 之间。")
    return n


def _amount(value, label: str = "金额") -> Decimal:
    try:
        a = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(f"{label}须为数字（元）。")
    if not a.is_finite() or a <= 0 or a > MAX_AMOUNT:
        raise ValidationError(f"{label}须大于 0 且不超过 {MAX_AMOUNT} 元。")
    return a


def seat(actor, roles, community) -> str:
    """The role the actor holds over `community` among `roles`; else PermissionDenied with the reason."""
    if sees_everything(actor):
        return roles[0]
    held = [s for s in user_roles(actor) if s.role in roles]
    if not held:
        raise PermissionDenied(f"此操作需要以下角色之一：{'、'.join(R.label(r) for r in roles)}")
    if not node_in_scope(actor, community, roles=tuple(roles)):
        raise PermissionDenied(f"“{community.name}”不在您的管辖范围内。")
    return held[0].role


def adults(community, on: dt.date | None = None):
    from civicgrid.people.models import Person

    on = on or timezone.localdate()
    born_by = on.replace(year=on.year - rules.ADULT_AGE) if not (on.month == 2 and on.day == 29) \
        else on.replace(year=on.year - rules.ADULT_AGE, day=28)
    return Person.objects.current().filter(community=community, birth_date__lte=born_by)


def mandates(community, on: dt.date, kinds=("resident_rep",)):
    return Representative.objects.filter(community=community, kind__in=kinds, mandate_from__lte=on,
                                         mandate_to__gte=on, person__moved_out__isnull=True)


def check_resident(person, community, *, adult: bool = False) -> None:
    """A current resident of `community` in the register (an adult, if asked); else NotEligible."""
    if person is None or person.community_id != community.pk or person.moved_out or person.anonymised_at:
        raise NotEligible(f"只有{community.name}登记在册的居民才能参与。")
    if adult and not adults(community).filter(pk=person.pk).exists():
        raise NotEligible(f"只有{community.name}年满 {rules.ADULT_AGE} 周岁的登记居民才能投票。")


def is_representative(person, community, on: dt.date, kinds=("resident_rep",)) -> bool:
    return mandates(community, on, kinds).filter(person=person).exists()


# -- proposals on the workflow engine -----------------------------------------------------------------
class ProposalMachine(Machine):
    keeps_clock = frozenset({"decide"})
    input_labels = {"decision": "决定内容", "responsible": "责任人", "due": "执行期限", "result": "执行结果"}
    illegal_error = IllegalAction
    conflict_error = ProposalConflict

    def on_overdue(self, obj, now, counts):
        super().on_overdue(obj, now, counts)
        if obj.state == W.COLLECTING:
            obj.refresh_from_db()
            self.act(None, obj, "lapse", note=f"联署期 {rules.COLLECT_DAYS} 天已满，联署 {obj.support_count} 人，"
                                                 f"未达门槛 {obj.support_threshold} 人", now=now)

    def notify_overdue(self, obj, now):
        if obj.state in (W.COMMITTEE, W.EXECUTING):
            what = "研究答复" if obj.state == W.COMMITTEE else f"执行（责任人：{obj.responsible}）"
            for u in staff_of(obj.community):
                notify(u, f"议题{what}已超期", f"{obj.number} {obj.title}", f"/selfgov/proposals/{obj.number}/",
                       subject=obj)


def _decide(p, row, now, *, data, decision, responsible, due, **kw):
    p.decision = _text(decision, "决定内容", 2000)
    p.responsible = _text(responsible, "责任人", 60)
    if isinstance(due, str):
        try:
            due = dt.date.fromisoformat(due.strip())
        except ValueError:
            raise ValidationError("执行期限须为日期（年-月-日）。")
    if not isinstance(due, dt.date) or due < timezone.localtime(now).date():
        raise ValidationError("执行期限须为今天或以后的日期。")
    p.execute_due, p.decided_at = due, now
    end = timezone.make_aware(dt.datetime.combine(due, dt.time(23, 59)))
    MACHINE.start_clock(p, "execute", now, due=end)
    data.update(responsible=p.responsible, due=due.isoformat())


def _report(p, row, now, *, data, result, **kw):
    p.result = _text(result, "执行结果", 2000)
    p.done_at = now
    data["on_time"] = bool(p.execute_due and timezone.localtime(now).date() <= p.execute_due)


MACHINE = ProposalMachine(W.WORKFLOW, Proposal, ProposalEvent, event_parent="proposal",
                          effects={"decide": _decide, "report_back": _report})


def staff_of(community):
    from civicgrid.core.models import User

    prefix = community.path
    paths = [prefix[:i + 1] for i, c in enumerate(prefix) if c == "/"]
    return User.objects.filter(is_active=True, roles__role=R.COMMUNITY_STAFF, roles__region__path__in=paths).distinct()


def _next_number(community, now) -> str:
    day = timezone.localtime(now).date()
    n = Proposal.objects.filter(number__startswith=f"YS{day:%Y%m%d}").count() + 1
    while Proposal.objects.filter(number=f"YS{day:%Y%m%d}{n:04d}").exists():
        n += 1
    return f"YS{day:%Y%m%d}{n:04d}"


def submit_proposal(person, community, *, title, body, as_representative: bool = False, now=None) -> Proposal:
    """A registered resident (or a representative in mandate) proposes; the proposer's support counts."""
    now = now or timezone.now()
    check_resident(person, community)
    title, body = _text(title, "议题", 60), _text(body, "内容与理由", 2000)
    if as_representative and not is_representative(person, community, timezone.localtime(now).date()):
        raise NotEligible("您不是任期内的居民代表，请以居民身份提出。")
    threshold = rules.support_threshold(adults(community, timezone.localtime(now).date()).count(),
                                        by_representative=as_representative)
    with transaction.atomic():
        p = Proposal(community=community, number=_next_number(community, now), title=title, body=body,
                     proposer=person, by_representative=as_representative, support_threshold=threshold,
                     support_count=1, created_at=now)
        MACHINE.begin(None, p, action="submit", role=SYSTEM, now=now, source="居民（短信验证）",
                      data={"threshold": threshold, "by_representative": as_representative})
        ProposalSupport.objects.create(proposal=p, person=person, at=now)
    return _qualify_if_met(p, now)


def support(person, proposal: Proposal, *, now=None) -> Proposal:
    """One registered resident of the proposal's community supports it, once."""
    now = now or timezone.now()
    check_resident(person, proposal.community)
    if proposal.state != W.COLLECTING:
        raise IllegalAction(f"议题当前状态为“{proposal.state_label}”，不再征集联署。")
    try:
        with transaction.atomic():
            ProposalSupport.objects.create(proposal=proposal, person=person, at=now)
            Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        raise AlreadyDone("您已联署过该议题，每人只能联署一次。")
    proposal.refresh_from_db()
    return _qualify_if_met(proposal, now)


def _qualify_if_met(p: Proposal, now) -> Proposal:
    if p.state == W.COLLECTING and p.support_count >= p.support_threshold:
        p = MACHINE.act(None, p, "qualify", note=f"联署 {p.support_count} 人，达到门槛 {p.support_threshold} 人",
                        now=now)
    return p


def act(actor, proposal: Proposal, action: str, *, note: str = "", expected_version=None, now=None,
        **inputs) -> Proposal:
    return MACHINE.act(actor, proposal, action, note=note, expected_version=expected_version, inputs=inputs,
                       now=now)


def sweep(now=None) -> dict:
    counts = MACHINE.sweep(now)
    counts["monthly_reminders"] = remind_monthly(now)
    return counts


# -- meetings ---------------------------------------------------------------------------------------
def electorate_size(community, kind: str, on: dt.date) -> int:
    who = rules.MEETING_TYPES[kind].attendees
    if who == "residents":
        return adults(community, on).count()
    if who == "representatives":
        return mandates(community, on).count()
    if who == "committee":
        return mandates(community, on, ("committee",)).count()
    return 0  # open meetings: no fixed electorate, no quorum


def call_meeting(actor, community, *, kind, title, agenda, place, starts_at, proposal=None, now=None) -> Meeting:
    """Send the notice. The notice period of the type must be kept."""
    now = now or timezone.now()
    seat(actor, STAFF, community)
    if kind not in rules.MEETING_TYPES:
        raise ValidationError("请选择会议类型。")
    rule = rules.MEETING_TYPES[kind]
    if not isinstance(starts_at, dt.datetime):
        raise ValidationError("请填写召开时间。")
    if starts_at - now < dt.timedelta(days=rule.notice_days):
        raise ValidationError(f"{rule.label}须提前 {rule.notice_days} 天通知，召开时间不能早于 "
                              f"{timezone.localtime(now + dt.timedelta(days=rule.notice_days)):%Y-%m-%d %H:%M}。")
    if proposal is not None and proposal.community_id != community.pk:
        raise ValidationError("议题不属于本社区。")
    m = Meeting.objects.create(
        community=community, kind=kind, title=_text(title, "会议名称", 100), agenda=_text(agenda, "议程", 4000),
        place=_text(place, "地点", 100), starts_at=starts_at, notice_at=now,
        electorate=electorate_size(community, kind, timezone.localtime(starts_at).date()),
        quorum_rule=rule.quorum, pass_rule=rule.passing, pass_base=rule.pass_base, proposal=proposal,
        called_by=actor)
    audit.record(actor, "selfgov.meeting_call", m, detail={"kind": kind, "electorate": m.electorate})
    return m


def register_for_meeting(person, meeting: Meeting, *, now=None) -> MeetingRegistration:
    """A resident (or a representative by mandate) puts their name on the roll, once, before it starts."""
    now = now or timezone.now()
    if meeting.state != "called" or now >= meeting.starts_at:
        raise IllegalAction("会议已召开或已取消，不能再报名。")
    who = meeting.rule.attendees
    day = timezone.localtime(meeting.starts_at).date()
    check_resident(person, meeting.community, adult=who == "residents")
    as_rep = False
    if who in ("representatives", "committee"):
        kinds = ("committee",) if who == "committee" else ("resident_rep",)
        if not is_representative(person, meeting.community, day, kinds):
            raise NotEligible(f"{meeting.get_kind_display()}只由任期内的"
                              f"{'居委会委员' if who == 'committee' else '居民代表'}参加。")
        as_rep = True
    try:
        with transaction.atomic():
            return MeetingRegistration.objects.create(meeting=meeting, person=person, as_representative=as_rep,
                                                      registered_at=now)
    except IntegrityError:
        raise AlreadyDone("您已报名该会议。")


def hold_meeting(actor, meeting: Meeting, *, attended_ids, minutes, now=None) -> Meeting:
    """Record that the meeting took place: who attended (from the roll) and the minutes."""
    now = now or timezone.now()
    seat(actor, STAFF, meeting.community)
    if meeting.state != "called":
        raise IllegalAction("会议已记录或已取消。")
    if now < meeting.starts_at:
        raise ValidationError("会议尚未到召开时间。")
    ids = {int(i) for i in attended_ids if str(i).isdigit()}
    roll = set(meeting.registrations.values_list("id", flat=True))
    if ids - roll:
        raise ValidationError("到会人员须在报名名单中。")
    with transaction.atomic():
        meeting.registrations.filter(id__in=ids).update(attended=True)
        meeting.minutes = _text(minutes, "会议纪要", 8000)
        meeting.state, meeting.held_at = "held", now
        if meeting.rule.attendees == "open":
            meeting.electorate = len(ids)
        meeting.save()
        audit.record(actor, "selfgov.meeting_hold", meeting, detail={"attended": len(ids),
                                                                      "electorate": meeting.electorate})
    return meeting


def record_resolution(actor, meeting: Meeting, *, text, votes_for, votes_against, votes_abstain,
                      now=None) -> Resolution:
    """A motion's count of hands; passing follows the meeting's rule. Needs a quorate, held meeting."""
    now = now or timezone.now()
    seat(actor, STAFF, meeting.community)
    if meeting.state != "held":
        raise IllegalAction("会议召开后才能记录决议。")
    present = meeting.attended
    if not meeting.quorate:
        raise ValidationError(f"到会 {present} 人，未达{meeting.get_quorum_rule_display()}"
                              f"（应到 {meeting.electorate} 人），不能形成决议。")
    f_, a_, ab = (_int(v, label, maximum=present) for v, label in
                  ((votes_for, "赞成票"), (votes_against, "反对票"), (votes_abstain, "弃权票")))
    if f_ + a_ + ab > present:
        raise ValidationError(f"赞成、反对、弃权合计 {f_ + a_ + ab} 票，超过到会人数 {present} 人。")
    base = present if meeting.pass_base == "present" else meeting.electorate
    r = Resolution.objects.create(meeting=meeting, text=_text(text, "决议内容", 4000), votes_for=f_,
                                  votes_against=a_, votes_abstain=ab, passed=rules.meets(meeting.pass_rule, f_, base),
                                  recorded_at=now)
    audit.record(actor, "selfgov.resolution", r, detail={"for": f_, "against": a_, "abstain": ab,
                                                          "passed": r.passed})
    return r


def record_statement(actor, meeting: Meeting, *, speaker, stance, view) -> HearingStatement:
    seat(actor, STAFF, meeting.community)
    if not meeting.rule.hearing:
        raise ValidationError("只有听证会记录发言人观点。")
    if stance not in dict(HearingStatement.STANCES):
        raise ValidationError("请选择发言人的观点。")
    seq = (meeting.statements.count() or 0) + 1
    return HearingStatement.objects.create(meeting=meeting, seq=seq, speaker=_text(speaker, "发言人身份", 60),
                                           stance=stance, view=_text(view, "发言要点", 2000))


# -- votes, surveys, elections ---------------------------------------------------------------------
def open_poll(actor, community, *, kind, title, options, electorate="residents", secret=True, max_choices=1,
              seats=0, opens_at=None, closes_at=None, question="", meeting=None, now=None) -> Poll:
    now = now or timezone.now()
    seat(actor, STAFF, community)
    if kind not in dict(Poll.KINDS) or electorate not in dict(Poll.ELECTORATES):
        raise ValidationError("请选择投票类型和投票人范围。")
    labels = [_text(o, "选项", 60) for o in options if (o or "").strip()]
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise ValidationError("至少需要两个互不相同的选项/候选人。")
    if kind == "election":
        seats = _int(seats, "应选名额", minimum=1, maximum=len(labels))
        max_choices = seats
    max_choices = _int(max_choices, "每人最多可选", minimum=1, maximum=len(labels))
    opens_at, closes_at = opens_at or now, closes_at
    if not closes_at or closes_at <= opens_at:
        raise ValidationError("截止时间须晚于开始时间。")
    day = timezone.localtime(opens_at).date()
    size = adults(community, day).count() if electorate == "residents" else mandates(community, day).count()
    with transaction.atomic():
        poll = Poll.objects.create(community=community, kind=kind, title=_text(title, "事项", 100),
                                   question=_text(question, "说明", 2000, required=False), electorate=electorate,
                                   secret=bool(secret), max_choices=max_choices, seats=seats, opens_at=opens_at,
                                   closes_at=closes_at, electorate_size=size, meeting=meeting)
        opts = PollOption.objects.bulk_create([PollOption(poll=poll, label=l, order=i) for i, l in enumerate(labels)])
        if poll.secret:
            SecretTally.objects.bulk_create([SecretTally(poll=poll, option=o) for o in opts])
        audit.record(actor, "selfgov.poll_open", poll, detail={"kind": kind, "secret": poll.secret,
                                                                "electorate": size})
    return poll


def check_voter(person, poll: Poll, now) -> None:
    day = timezone.localtime(now).date()
    if poll.electorate == "representatives":
        check_resident(person, poll.community)
        if not is_representative(person, poll.community, day):
            raise NotEligible("本次投票只由任期内的居民代表参加。")
    else:
        check_resident(person, poll.community, adult=True)


def cast(person, poll: Poll, option_ids, *, now=None) -> None:
    """One ballot per person. A secret ballot adds to the counters only; the roll records that they voted."""
    now = now or timezone.now()
    check_voter(person, poll, now)
    if poll.state != "open" or not (poll.opens_at <= now < poll.closes_at):
        raise IllegalAction("不在投票时间内。")
    try:
        ids = {int(i) for i in option_ids}
    except (TypeError, ValueError):
        raise ValidationError("选项无效。")
    valid = set(poll.options.values_list("id", flat=True))
    if not ids or ids - valid:
        raise ValidationError("请选择有效的选项。")
    if len(ids) > poll.max_choices:
        raise ValidationError(f"每人最多可选 {poll.max_choices} 项。")
    try:
        with transaction.atomic():
            # A random key: the roll's own order says nothing either (no autoincrement id, no time).
            PollVoter.objects.create(id=uuid.uuid4(), poll=poll, person=person)
            if poll.secret:
                SecretTally.objects.filter(poll=poll, option_id__in=ids).update(count=F("count") + 1)
            else:
                OpenBallot.objects.bulk_create([OpenBallot(poll=poll, person=person, option_id=i) for i in ids])
    except IntegrityError:
        raise AlreadyDone("您已投过票，每人只能投一次。")
    # No audit entry names the voter of a secret poll: the audit log would be a second roll with times.
    if not poll.secret:
        audit.record("居民（短信验证）", "selfgov.open_ballot", poll, detail={"options": sorted(ids)})


def tally(poll: Poll) -> dict:
    """Counts per option, turnout and (elections) who is elected."""
    if poll.secret:
        counts = dict(poll.tallies.values_list("option_id", "count"))
    else:
        counts = {}
        for oid in poll.open_ballots.values_list("option_id", flat=True):
            counts[oid] = counts.get(oid, 0) + 1
    voters = poll.voters.count()
    rows = [{"option": o.label, "id": o.pk, "votes": counts.get(o.pk, 0)} for o in poll.options.all()]
    out = {"voters": voters, "electorate": poll.electorate_size, "rows": rows,
           "turnout": round(100 * voters / poll.electorate_size, 2) if poll.electorate_size else None}
    if poll.kind == "election":
        # 居民委员会组织法: a candidate is elected with more than half of the votes of those who voted.
        ranked = sorted(rows, key=lambda r: (-r["votes"], r["id"]))
        out["elected"] = [r["option"] for r in ranked if 2 * r["votes"] > voters][:poll.seats]
        # The election itself is valid only when more than half of the electorate voted.
        out["valid"] = rules.meets("half", voters, poll.electorate_size)
    return out


def publish_poll(actor, poll: Poll, *, now=None) -> Poll:
    now = now or timezone.now()
    seat(actor, STAFF, poll.community)
    if poll.state == "published":
        raise IllegalAction("结果已公布。")
    if now < poll.closes_at:
        raise IllegalAction("投票尚未截止，不能公布结果。")
    with transaction.atomic():
        poll.results = tally(poll)
        poll.state = "published"
        poll.save(update_fields=["results", "state"])
        lines = [f"{r['option']}：{r['votes']} 票" for r in poll.results["rows"]]
        turnout = poll.results["turnout"]
        lines.append(f"参加投票 {poll.results['voters']} 人，有投票资格 {poll.results['electorate']} 人"
                     + (f"，参与率 {turnout}%" if turnout is not None else ""))
        if poll.kind == "election":
            lines.append("当选：" + ("、".join(poll.results["elected"]) or "无人过半数，另行选举"))
        publish(actor, poll.community, kind="decision", title=f"{poll.get_kind_display()}结果：{poll.title}",
                body="\n".join(lines), now=now)
    return poll


# -- disclosure board --------------------------------------------------------------------------------
def publish(actor, community, *, kind, title, body, amount=None, recipients=(), month=None, proposal=None,
            meeting=None, now=None) -> Disclosure:
    """一事一公开. Recipients' names are masked here, before anything is stored."""
    now = now or timezone.now()
    seat(actor, STAFF, community)
    if kind not in rules.DISCLOSURE_KINDS:
        raise ValidationError("请选择公开类别。")
    if kind == "monthly" and month is None:
        raise ValidationError("月度公开须注明月份。")
    masked = [mask_name(_text(n, "受益对象姓名", 30)) for n in recipients if (n or "").strip()]
    if kind == "subsidy" and not masked:
        raise ValidationError("补贴公开须列出受益对象（系统自动遮蔽姓名）。")
    amt = _amount(amount) if amount not in (None, "") else None
    try:
        with transaction.atomic():
            d = Disclosure.objects.create(
                community=community, kind=kind, title=_text(title, "标题", 100), body=_text(body, "内容", 8000),
                amount=amt, recipients=masked, month=month, published_on=timezone.localtime(now).date(),
                publisher=actor, publisher_name=getattr(actor, "name", "") or str(actor), proposal=proposal,
                meeting=meeting)
    except IntegrityError:
        raise AlreadyDone(f"{month:%Y年%m月}的月度公开已发布。")
    audit.record(actor, "selfgov.publish", d, detail={"kind": kind})
    return d


def publish_monthly(actor, community, month: dt.date, *, now=None) -> Disclosure:
    """一月一公开: the month's summary, built from the month's items and proposals."""
    month = month.replace(day=1)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    items = Disclosure.objects.filter(community=community, published_on__gte=month, published_on__lt=nxt) \
        .exclude(kind="monthly")
    lines = [f"本月公开事项 {items.count()} 项："]
    for kind, label in rules.DISCLOSURE_KINDS.items():
        n = items.filter(kind=kind).count()
        if n:
            lines.append(f"· {label} {n} 项")
    money = items.aggregate(s=Sum("amount"))["s"]
    if money:
        lines.append(f"涉及金额合计 {Decimal(money).quantize(Decimal('0.01'))} 元")
    props = Proposal.objects.filter(community=community)
    lines.append(f"议题：本月提出 {props.filter(created_at__date__gte=month, created_at__date__lt=nxt).count()} 项，"
                 f"执行中 {props.filter(state=W.EXECUTING).count()} 项，"
                 f"本月反馈 {props.filter(done_at__date__gte=month, done_at__date__lt=nxt).count()} 项")
    return publish(actor, community, kind="monthly", title=f"{month:%Y年%m月}居务公开汇总", body="\n".join(lines),
                   month=month, now=now)


def missing_monthly(today: dt.date):
    """Communities whose last month's summary is missing after the due day."""
    from civicgrid.regions.models import Region

    if today.day <= rules.MONTHLY_DUE_DAY:
        return Region.objects.none(), None
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    done = Disclosure.objects.filter(kind="monthly", month=last).values("community_id")
    return Region.objects.filter(level="community").exclude(pk__in=done), last


def remind_monthly(now=None) -> int:
    """Tell each community's staff once that last month's summary is missing (one unread reminder at a time)."""
    from civicgrid.core.models import Notification

    now = now or timezone.now()
    communities, month = missing_monthly(timezone.localtime(now).date())
    n = 0
    for c in communities:
        title = f"{month:%Y年%m月}居务公开汇总未发布"
        for u in staff_of(c):
            if Notification.objects.filter(recipient=u, title=title).exists():
                continue
            notify(u, title, f"{c.name}：一月一公开应在次月 {rules.MONTHLY_DUE_DAY} 日前发布。", "/selfgov/board/")
            n += 1
    return n


def adopt_charter(actor, community, *, kind, text, meeting: Meeting, now=None) -> CharterVersion:
    """A new version of the charter or convention, adopted by a resolution of a held, quorate meeting."""
    now = now or timezone.now()
    seat(actor, STAFF, community)
    if kind not in dict(CharterVersion.KINDS):
        raise ValidationError("请选择章程或公约。")
    if meeting.community_id != community.pk or meeting.kind not in ("assembly", "representatives") \
            or meeting.state != "held" or not meeting.resolutions.filter(passed=True).exists():
        raise ValidationError("章程、公约须由本社区居民会议或居民代表会议表决通过。")
    with transaction.atomic():
        last = CharterVersion.objects.filter(community=community, kind=kind).order_by("-version").first()
        v = CharterVersion.objects.create(community=community, kind=kind, version=(last.version + 1) if last else 1,
                                          text=_text(text, "正文", 20000), adopted_by=meeting,
                                          adopted_on=timezone.localtime(meeting.held_at).date())
        publish(actor, community, kind="charter", title=f"{v}（{meeting.title}通过）", body=v.text, meeting=meeting,
                now=now)
    return v


# -- admission list, funds, seal ------------------------------------------------------------------
def _department_of(actor):
    for s in user_roles(actor):
        if s.role == R.DEPARTMENT_HANDLER and s.department_unit_id:
            return s.department_unit
    raise PermissionDenied("只有职能部门工作人员可以向居委会下派事项。")


def request_task(actor, community, *, title, reference="", now=None) -> TaskRequest:
    """A department asks the committee to take on a task. Off the list (or not the department's): refused,
    recorded, and the refusal names the list. Returns the accepted request; raises NotOnAdmissionList."""
    now = now or timezone.now()
    unit = _department_of(actor)
    if community.level != "community" or not community.path.startswith(unit.region.path):
        raise PermissionDenied(f"“{community.name}”不在{unit.name}的服务区域内。")
    title = _text(title, "事项", 100)
    district = unit.department.district
    listed = AdmissionItem.objects.filter(district=district, active=True)
    item = listed.filter(reference=(reference or "").strip()[:20], department=unit.department).first()
    t = TaskRequest(community=community, department=unit.department, item=item, title=title,
                    requested_by=actor, requested_at=now)
    if item is None:
        refs = list(listed.filter(department=unit.department).values_list("reference", flat=True))
        t.state = "refused"
        t.refusal = (f"《{district.name}社区工作事项准入清单》共 {listed.count()} 项，"
                     f"{unit.department.name}名下为 {'、'.join(refs) or '无'}；“{title}”不在清单内，居委会不予承接。")[:300]
        t.save()
        audit.record(actor, "selfgov.task_refused", t, detail={"reference": (reference or "")[:20]})
        raise NotOnAdmissionList(t.refusal)
    t.state = "accepted"
    t.save()
    audit.record(actor, "selfgov.task_accepted", t, detail={"reference": item.reference})
    return t


def record_fund(actor, task: TaskRequest, *, kind, amount, on, purpose) -> FundEntry:
    """费随事转: a department records money transferred; the committee records each use, never beyond it."""
    if task.state == "refused":
        raise ValidationError("清单外事项没有随事经费。")
    if kind == "transfer":
        unit = _department_of(actor)
        if unit.department_id != task.department_id:
            raise PermissionDenied("只有提出该事项的部门可以登记拨付。")
    elif kind == "use":
        seat(actor, STAFF, task.community)
    else:
        raise ValidationError("请选择拨付或使用。")
    amount = _amount(amount)
    if not isinstance(on, dt.date):
        raise ValidationError("请填写日期。")
    with transaction.atomic():
        TaskRequest.objects.select_for_update().filter(pk=task.pk).first()
        if kind == "use" and amount > task.transferred - task.spent:
            raise ValidationError(f"使用金额超过结余（已拨付 {task.transferred} 元，已使用 {task.spent} 元）。")
        f = FundEntry.objects.create(task=task, kind=kind, amount=amount, on=on, purpose=_text(purpose, "说明", 200),
                                     by=actor)
        audit.record(actor, "selfgov.fund", f, detail={"kind": kind, "amount": str(amount)})
    return f


def reconcile(task: TaskRequest) -> dict:
    """What was promised by the list, transferred, used and is left: the figures must add up."""
    transferred, spent = task.transferred, task.spent
    promised = task.item.funding if task.item_id else Decimal("0")
    return {"promised": promised, "transferred": transferred, "spent": spent, "balance": transferred - spent,
            "shortfall": max(promised - transferred, Decimal("0"))}


def record_seal_use(actor, community, *, on, matter, basis, approved_by) -> SealUse:
    seat(actor, STAFF, community)
    basis = _text(basis, "依据", 40)
    if not isinstance(on, dt.date):
        raise ValidationError("请填写用印日期。")
    s = SealUse.objects.create(community=community, on=on, matter=_text(matter, "用印事项", 100), basis=basis,
                               approved_by=_text(approved_by, "批准人", 30), by=actor)
    audit.record(actor, "selfgov.seal", s)
    return s
