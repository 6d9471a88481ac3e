"""Social workers (社工): every write (services) and every scoped read (selectors) of that half of the app.

Rules kept here, all driven by data the district edits:
- Level: the highest certificate valid on a date (local < 助理社会工作师 < 社会工作师 < 高级社会工作师).
  A senior certificate is obtained only through "国考 + 市评"; a local certificate only by local review.
- Continuing education: EducationRule gives the hours a year for the worker's level; a worker whose
  hours in the year are fewer is flagged short (a worker without a certificate has no requirement).
- Subsidy: the SubsidyRate for the worker's level in effect on the month's first day (latest
  effective_from on or before it); no certificate → no subsidy.
- Assessment: each SocialQuota gives min(1, done ÷ target) and the score is their mean (assessment.score,
  the grid workers' rule). A quarterly quota (one large event a quarter) counts the quarter to date and
  enters the score in the quarter's last month only; before that it is shown as progress.
- Who sees a client: the worker in charge and their supervisor; community staff who are not social
  workers, the street and the district see their area's clients (visible_to). Case notes are shown in
  clear only to the worker in charge and their supervisor, with a reason, audited.
- Referral: only with the client's consent recorded; the receiving worker accepts (the client moves to
  them) or declines with a reason.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from civicgrid.core import audit, reveal
from civicgrid.core import roles as R
from civicgrid.core.scoping import get_visible_or_404, has_role, node_in_scope, sees_everything, visible_to

from . import assessment
from .services import MANAGERS, _require, _text
from .socialwork_models import (CONTACT_CHOICES, LEVEL_CHOICES, LEVEL_RANK, PATH_CHOICES, QUOTA_PERIODS, RECORD_KINDS,
                                CaseRecord, Certificate, Client, Contact, EducationRecord, EducationRule, Expert, Post,
                                Referral, SocialQuota, SocialWorker, SubsidyRate, Supervision, SupervisionSession)
from .tasklist import district_code

LEVELS = dict(LEVEL_CHOICES)
METRICS = dict(CONTACT_CHOICES[:4])
AREA_MANAGERS = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
NEEDS_CLIENT = ("home_visit", "special_visit")
LATE_LOG_DAYS = 40  # a contact may be logged late, but not into a month long paid


# -- selectors ------------------------------------------------------------------------------------
def me(user) -> SocialWorker | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return SocialWorker.objects.filter(user=user, active=True).select_related("region").first()


def supervisee_ids(user) -> list[int]:
    today = timezone.localdate()
    return list(Supervision.objects.filter(supervisor=user, started_on__lte=today)
                .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today)).values_list("supervisee_id", flat=True))


def workers(user) -> QuerySet:
    return visible_to(user, SocialWorker.objects.filter(active=True).select_related("user", "region"))


def clients(user) -> QuerySet:
    """A social worker (or supervisor) sees their own (and their supervisees') clients only; community
    staff who are not social workers, the street and the district see their area's."""
    qs = Client.objects.select_related("person", "worker__user", "region", "expert")
    if sees_everything(user) or has_role(user, *AREA_MANAGERS):
        return visible_to(user, qs)
    sw, supervised = me(user), supervisee_ids(user)
    if sw is None and not supervised:
        return visible_to(user, qs)
    return qs.filter(Q(worker=sw) | Q(worker_id__in=supervised)) if sw else qs.filter(worker_id__in=supervised)


def client(user, pk: int) -> Client:
    return get_visible_or_404(user, clients(user), pk=pk)


def may_reveal(user, c: Client) -> bool:
    """The worker in charge and the worker's current supervisor; nobody else reads case notes."""
    return c.worker.user_id == user.pk or c.worker_id in supervisee_ids(user)


def posts(user) -> QuerySet:
    return visible_to(user, Post.objects.select_related("community", "holder__user"))


def communities(user) -> QuerySet:
    from civicgrid.regions.models import Region

    return visible_to(user, Region.objects.filter(level="community")).order_by("path")


def supervisions(user) -> QuerySet:
    today = timezone.localdate()
    return (Supervision.objects.filter(supervisor=user).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
            .select_related("supervisee__user", "supervisee__region"))


def experts(user) -> QuerySet:
    """The expert pool of the districts the user works in."""
    qs = Expert.objects.filter(active=True)
    if sees_everything(user):
        return qs
    codes = {district_code(r.region.path) for r in user.roles.select_related("region") if r.region_id}
    return qs.filter(district__code__in=codes - {None})


def pending_referrals(user) -> QuerySet:
    return Referral.objects.filter(to_worker__user=user, state="pending").select_related(
        "client__person", "from_worker__user")


def _district_prefix(path: str) -> str:
    code = district_code(path) or ""
    i = path.find(f"/{code}/")
    return path[:i + len(code) + 2] if code and i >= 0 else path


def referral_targets(c: Client) -> QuerySet:
    """Social workers of the client's district other than the one in charge."""
    return (SocialWorker.objects.filter(active=True, region__path__startswith=_district_prefix(c.worker.region.path))
            .exclude(pk=c.worker_id).select_related("user", "region").order_by("region__path", "id"))


def districts(user) -> QuerySet:
    from civicgrid.regions.models import Region

    return visible_to(user, Region.objects.filter(level="district")).order_by("code")


def district_data(user) -> dict:
    """The district's rules (rates, quotas, CE hours, experts) the desk shows and the district edits."""
    codes = [d.code for d in districts(user)]
    if not codes:
        codes = list({district_code(r.region.path) for r in user.roles.select_related("region") if r.region_id} - {None})
    return {"districts": districts(user), "rates": SubsidyRate.objects.filter(district__code__in=codes),
            "quotas": SocialQuota.objects.filter(district__code__in=codes),
            "ce_rules": EducationRule.objects.filter(district__code__in=codes).order_by("level"),
            "experts": Expert.objects.filter(district__code__in=codes, active=True)}


def unregistered_staff(user) -> QuerySet:
    """Community and street staff seats in scope whose holder is not a registered social worker yet."""
    from civicgrid.core.models import Role
    from civicgrid.regions.models import Region

    return (Role.objects.filter(role=R.COMMUNITY_STAFF, user__is_active=True, user__social_worker__isnull=True,
                                region__in=visible_to(user, Region.objects.filter(level__in=["community", "street"])))
            .select_related("user", "region").order_by("region__path", "user__username"))


def sessions(user) -> QuerySet:
    return (SupervisionSession.objects.filter(supervision__supervisor=user)
            .select_related("supervision__supervisee__user", "expert"))


# -- levels, continuing education, subsidy --------------------------------------------------------
def level_on(certs, day: dt.date) -> str | None:
    """The highest level among certificates valid on `day`."""
    valid = [c.level for c in certs if c.issued_on <= day and (c.valid_until is None or c.valid_until >= day)]
    return max(valid, key=LEVEL_RANK.__getitem__) if valid else None


def _certs_by_worker(ids) -> dict[int, list[Certificate]]:
    out: dict[int, list] = defaultdict(list)
    for c in Certificate.objects.filter(worker_id__in=ids):
        out[c.worker_id].append(c)
    return out


def _district_of(worker: SocialWorker) -> str | None:
    return district_code(worker.region.path)


def education_status(worker_list, year: int) -> dict[int, dict]:
    """{worker id: {level, required, done, short}} for the calendar year."""
    ids = [w.pk for w in worker_list]
    certs = _certs_by_worker(ids)
    rules = {(r.district.code, r.level): r.hours for r in EducationRule.objects.select_related("district")}
    done = dict(EducationRecord.objects.filter(worker_id__in=ids, day__year=year).values("worker_id")
                .annotate(h=Sum("hours")).values_list("worker_id", "h"))
    day = min(timezone.localdate(), dt.date(year, 12, 31))
    out = {}
    for w in worker_list:
        level = level_on(certs[w.pk], day)
        required = rules.get((_district_of(w), level), 0) if level else 0
        hours = Decimal(done.get(w.pk) or 0).quantize(Decimal("0.1"))
        out[w.pk] = {"level": level, "level_label": LEVELS.get(level, "无证"), "required": required, "done": hours,
                     "short": hours < required, "certificates": certs[w.pk]}
    return out


def rate_for(district: str | None, level: str | None, month: dt.date) -> Decimal:
    if not (district and level):
        return Decimal("0.00")
    r = (SubsidyRate.objects.filter(district__code=district, level=level, effective_from__lte=month.replace(day=1))
         .order_by("-effective_from").first())
    return r.amount if r else Decimal("0.00")


# -- the month's assessment -----------------------------------------------------------------------
def contact_counts(ids, start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    for r in (Contact.objects.filter(worker_id__in=ids, at__gte=start, at__lt=end, kind__in=list(METRICS))
              .values("worker_id", "kind").annotate(n=Count("id"))):
        out[r["worker_id"]][r["kind"]] = r["n"]
    return out


def month_sheet(worker_list, month: dt.date) -> list[dict]:
    """One row per worker: the month's figures against the quotas, score, level and subsidy."""
    month = month.replace(day=1)
    worker_list = list(worker_list)
    ids = [w.pk for w in worker_list]
    start, end = assessment.month_bounds(month)
    qms = assessment.quarter_months(month)
    q_start = assessment.month_bounds(qms[0])[0]
    monthly = contact_counts(ids, start, end)
    quarterly = contact_counts(ids, q_start, end)
    quotas: dict[str, list[SocialQuota]] = defaultdict(list)
    for q in SocialQuota.objects.select_related("district").order_by("metric"):
        quotas[q.district.code].append(q)
    certs = _certs_by_worker(ids)
    last_of_quarter = month == qms[-1]
    rows = []
    for w in worker_list:
        district = _district_of(w)
        mine = quotas.get(district, [])
        done = dict(monthly[w.pk])
        progress = []
        scored = []
        for q in mine:
            if q.period == "quarter":
                n = quarterly[w.pk][q.metric]
                done[q.metric] = n
                if last_of_quarter:
                    scored.append(q)
            else:
                n = monthly[w.pk][q.metric]
                scored.append(q)
            progress.append({"metric": q.metric, "label": METRICS[q.metric], "done": n, "target": q.target,
                             "period": q.period, "met": n >= q.target,
                             "percent": min(100, int(100 * n / q.target)) if q.target else 100})
        level = level_on(certs[w.pk], month)
        score = assessment.score(done, scored)
        rows.append({"worker": w, "name": w.user.name, "region": w.region.name, "level": level,
                     "level_label": LEVELS.get(level, "无证"), "done": done, "progress": progress, "score": score,
                     "subsidy": rate_for(district, level, month)})
    rows.sort(key=lambda r: (r["region"], r["name"]))
    return rows


def add_pay_sheet(x, rows: list[dict], month: dt.date) -> None:
    """The social workers' sheet of the month's allowance workbook (assessment.workbook)."""
    labels = list(METRICS.items())
    x.sheet(f"{month:%Y-%m}社工", ["姓名", "社区/街道", "证书等级", *[label for _k, label in labels], "考核得分",
                                  "职称补贴（元）"], widths=[10, 16, 14, *[12] * len(labels), 10, 14])
    for r in rows:
        x.append([r["name"], r["region"], r["level_label"], *[r["done"].get(k, 0) for k, _l in labels], float(r["score"]),
                  float(r["subsidy"])])
    x.append(["合计", "", "", *[""] * len(labels), "", float(sum((r["subsidy"] for r in rows), Decimal(0)))], bold=True)


def add_roster_sheet(x, user, month: dt.date) -> None:
    """Posts, certificates and continuing-education hours, for the desk's export."""
    ws = list(workers(user))
    ce = education_status(ws, month.year)
    x.sheet("社工岗位与证书", ["社区/街道", "岗位", "姓名", "登记注册号", "证书", "取得方式", f"{month.year}年继续教育学时",
                              "应修学时", "学时不足"], widths=[16, 14, 10, 14, 30, 20, 12, 10, 8])
    held = {}
    for row in coverage(user):
        for p in row["posts"] or [None]:
            x.append([row["community"].name, p.name if p else "（未设岗位）",
                      p.holder.user.name if p and p.holder_id else "（空缺）", *[""] * 6])
            if p and p.holder_id:
                held[p.holder_id] = True
    for w in ws:
        st = ce[w.pk]
        x.append([w.region.name, "", w.user.name, w.registration_no,
                  "；".join(f"{c.get_level_display()} {c.number}" for c in st["certificates"]) or "无证",
                  "；".join(sorted({c.get_path_display() for c in st["certificates"]})), float(st["done"]), st["required"],
                  "是" if st["short"] else ""])


def pay_rows(user, month: dt.date) -> list[dict]:
    return month_sheet(workers(user), month)


def coverage(user) -> list[dict]:
    """Per community in scope: its posts and holders; a community without a post, or a post without a
    holder, is a gap in "一村一社区一社工"."""
    by_comm: dict[int, list[Post]] = defaultdict(list)
    for p in posts(user):
        by_comm[p.community_id].append(p)
    rows = []
    for c in communities(user)[:500]:
        ps = by_comm.get(c.pk, [])
        rows.append({"community": c, "posts": ps, "covered": any(p.holder_id for p in ps),
                     "vacant": sum(1 for p in ps if not p.holder_id)})
    return rows


# -- services: registration, certificates, education ----------------------------------------------
def _date(value, label: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"请填写{label}。")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(f"{label}格式不正确（年-月-日）。") from None
    if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValidationError(f"{label}不合理。")
    return value


def register_worker(actor, *, user, region, registration_no: str = "", registered_on=None, employer: str = "") -> SocialWorker:
    _require(actor, MANAGERS, region, "登记社工")
    if user is None or not user.is_active:
        raise ValidationError("请选择在岗人员。")
    if region.level not in ("community", "street"):
        raise ValidationError("社工登记在社区或街道。")
    with transaction.atomic():
        sw, created = SocialWorker.objects.update_or_create(user=user, defaults=dict(
            region=region, registration_no=_text(registration_no, "登记注册号", max_length=30),
            registered_on=_date(registered_on, "登记日期", required=False), employer=_text(employer, "用人机构", max_length=80),
            active=True))
        audit.record(actor, "workforce.sw_register", sw, detail={"region": region.code, "created": created})
    return sw


# The path a level may be obtained by: senior only by "国考 + 市评", local only by local review.
LEVEL_PATHS = {"local": {"local"}, "assistant": {"exam"}, "intermediate": {"exam"}, "senior": {"exam_review"}}


def add_certificate(actor, worker: SocialWorker, *, level: str, path: str, number: str, issued_on,
                    valid_until=None) -> Certificate:
    _require(actor, MANAGERS, worker.region, "登记社工证书")
    if level not in LEVELS:
        raise ValidationError("证书等级无效。")
    if path not in dict(PATH_CHOICES):
        raise ValidationError("取得方式无效。")
    if path not in LEVEL_PATHS[level]:
        need = "、".join(dict(PATH_CHOICES)[p] for p in sorted(LEVEL_PATHS[level]))
        raise ValidationError(f"{LEVELS[level]}的取得方式须为：{need}。")
    issued = _date(issued_on, "取得日期")
    until = _date(valid_until, "有效期", required=False)
    if issued > timezone.localdate():
        raise ValidationError("取得日期不能晚于今天。")
    if until and until < issued:
        raise ValidationError("有效期早于取得日期。")
    try:
        with transaction.atomic():
            c = Certificate.objects.create(worker=worker, level=level, path=path, issued_on=issued, valid_until=until,
                                           number=_text(number, "证书编号", max_length=40, required=True))
            audit.record(actor, "workforce.sw_certificate", c, detail={"level": level, "path": path})
    except IntegrityError:
        raise ValidationError("该证书编号已登记。") from None
    return c


def _hours(value, label: str, hi: Decimal) -> Decimal:
    try:
        h = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}须为数字。") from None
    if not Decimal("0.5") <= h <= hi:
        raise ValidationError(f"{label}须在 0.5–{hi} 之间。")
    return h


def log_education(actor, worker: SocialWorker, *, day, hours, course: str, provider: str = "") -> EducationRecord:
    if worker.user_id != actor.pk:
        _require(actor, MANAGERS, worker.region, "登记继续教育")
    day = _date(day, "日期")
    if day > timezone.localdate():
        raise ValidationError("日期不能晚于今天。")
    rec = EducationRecord.objects.create(worker=worker, day=day, hours=_hours(hours, "学时", Decimal("40")),
                                         course=_text(course, "课程", max_length=100, required=True),
                                         provider=_text(provider, "举办单位", max_length=80))
    audit.record(actor, "workforce.sw_education", rec, detail={"hours": str(rec.hours)})
    return rec


# -- district data: rates, quotas, education rules, experts ---------------------------------------
def save_rate(actor, *, district, level: str, amount, effective_from) -> SubsidyRate:
    _require(actor, (R.DISTRICT_COMMANDER,), district, "编辑社工补贴标准")
    if level not in LEVELS:
        raise ValidationError("证书等级无效。")
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError("补贴须为金额（元）。") from None
    if not Decimal(0) <= amount <= Decimal(10000):
        raise ValidationError("补贴须在 0–10000 元之间。")
    start = _date(effective_from, "起始日期").replace(day=1)
    with transaction.atomic():
        r, _ = SubsidyRate.objects.update_or_create(district=district, level=level, effective_from=start,
                                                    defaults={"amount": amount})
        audit.record(actor, "workforce.sw_rate", r, detail={"level": level, "amount": str(amount), "from": f"{start}"})
    return r


def save_quota(actor, *, district, metric: str, target, period: str = "month") -> SocialQuota:
    _require(actor, (R.DISTRICT_COMMANDER,), district, "编辑社工考核定额")
    if metric not in METRICS:
        raise ValidationError("指标无效。")
    if period not in dict(QUOTA_PERIODS):
        raise ValidationError("周期无效。")
    try:
        target = int(target)
    except (TypeError, ValueError):
        raise ValidationError("目标须为整数。") from None
    if not 0 <= target <= 1000:
        raise ValidationError("目标须在 0–1000 之间。")
    with transaction.atomic():
        q, _ = SocialQuota.objects.update_or_create(district=district, metric=metric,
                                                    defaults={"target": target, "period": period})
        audit.record(actor, "workforce.sw_quota", q, detail={"metric": metric, "target": target, "period": period})
    return q


def save_education_rule(actor, *, district, level: str, hours) -> EducationRule:
    _require(actor, (R.DISTRICT_COMMANDER,), district, "编辑继续教育要求")
    if level not in LEVELS:
        raise ValidationError("证书等级无效。")
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        raise ValidationError("学时须为整数。") from None
    if not 0 <= hours <= 500:
        raise ValidationError("学时须在 0–500 之间。")
    r, _ = EducationRule.objects.update_or_create(district=district, level=level, defaults={"hours": hours})
    audit.record(actor, "workforce.sw_education_rule", r, detail={"level": level, "hours": hours})
    return r


def add_expert(actor, *, district, name: str, fields: str, organisation: str = "") -> Expert:
    _require(actor, (R.DISTRICT_COMMANDER,), district, "管理社工专家库")
    e = Expert.objects.create(district=district, name=_text(name, "姓名", max_length=30, required=True),
                              fields=_text(fields, "专业领域", max_length=100, required=True),
                              organisation=_text(organisation, "单位", max_length=80))
    audit.record(actor, "workforce.sw_expert", e)
    return e


# -- posts ----------------------------------------------------------------------------------------
def create_post(actor, community, *, name: str = "社区专职社工") -> Post:
    _require(actor, MANAGERS, community, "设置社工岗位")
    if community.level != "community":
        raise ValidationError("社工岗位设在社区。")
    p = Post.objects.create(community=community, name=_text(name, "岗位名称", max_length=40, required=True))
    audit.record(actor, "workforce.sw_post", p, detail={"community": community.code})
    return p


def assign_post(actor, post: Post, holder: SocialWorker | None, *, since=None) -> Post:
    """Put a social worker on the post (or vacate it with holder=None)."""
    _require(actor, MANAGERS, post.community, "安排社工岗位")
    if holder is not None:
        if not holder.active:
            raise ValidationError("该社工已不在岗。")
        if district_code(holder.region.path) != district_code(post.community.path):
            raise ValidationError("只能安排本区登记的社工。")
    with transaction.atomic():
        post.holder = holder
        post.since = (_date(since, "到岗日期", required=False) or timezone.localdate()) if holder else None
        post.save()
        audit.record(actor, "workforce.sw_post", post, detail={"holder": holder.pk if holder else None})
    return post


# -- clients, contacts, casework ------------------------------------------------------------------
def _own(actor) -> SocialWorker:
    sw = me(actor)
    if sw is None:
        raise PermissionDenied("只有登记在岗的社工可以办理个案和登记服务。")
    return sw


def open_client(actor, person, *, need: str, worker: SocialWorker | None = None) -> Client:
    """A social worker takes on a person of the register (or a manager assigns one to a worker)."""
    if worker is None or worker.user_id == actor.pk:
        worker = _own(actor)
        if not node_in_scope(actor, person.region):
            raise PermissionDenied("该居民不在您的管辖范围内。")
    else:
        _require(actor, MANAGERS, person.region, "指派个案")
    if person.moved_out:
        raise ValidationError("该居民已迁出。")
    with transaction.atomic():
        c = Client.objects.create(person=person, worker=worker, region=person.region,
                                  need=_text(need, "服务需求", max_length=60, required=True), opened_on=timezone.localdate())
        audit.record(actor, "workforce.sw_client", c, detail={"worker": worker.pk})
    return c


def _require_in_charge(actor, c: Client) -> SocialWorker:
    sw = _own(actor)
    if c.worker_id != sw.pk:
        raise PermissionDenied("只有负责该个案的社工可以办理。")
    if c.closed_on:
        raise ValidationError("该个案已结案。")
    return sw


def log_contact(actor, *, kind: str, at=None, client: Client | None = None, participants=1, note: str = "") -> Contact:
    """A home visit, special-group visit, group session or large event, counted by the quotas."""
    sw = _own(actor)
    if kind not in dict(CONTACT_CHOICES):
        raise ValidationError("服务类型无效。")
    if kind in NEEDS_CLIENT and client is None:
        raise ValidationError("家庭访视和特殊人群上门服务须选择服务对象。")
    if client is not None:
        _require_in_charge(actor, client)
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=10):
        raise ValidationError("服务时间不能晚于现在。")
    if at < now - dt.timedelta(days=LATE_LOG_DAYS):
        raise ValidationError(f"只能补登 {LATE_LOG_DAYS} 天内的服务。")
    try:
        participants = int(participants or 1)
    except (TypeError, ValueError):
        raise ValidationError("参与人次须为整数。") from None
    if not 1 <= participants <= 5000:
        raise ValidationError("参与人次须在 1–5000 之间。")
    with transaction.atomic():
        row = Contact.objects.create(worker=sw, client=client, kind=kind, at=at, participants=participants,
                                     note=_text(note, "情况记录"))
        audit.record(actor, "workforce.sw_contact", row, detail={"kind": kind})  # never the note
    return row


def add_record(actor, c: Client, *, kind: str, text: str) -> CaseRecord:
    _require_in_charge(actor, c)
    if kind not in dict(RECORD_KINDS):
        raise ValidationError("记录类型无效。")
    with transaction.atomic():
        r = CaseRecord.objects.create(client=c, author=actor, kind=kind, at=timezone.now(),
                                      text=_text(text, "记录内容", max_length=5000, required=True))
        if kind == "closing":
            c.closed_on = timezone.localdate()
            c.save(update_fields=["closed_on"])
        audit.record(actor, "workforce.sw_record", r, detail={"kind": kind})
    return r


def reveal_records(actor, c: Client, reason: str) -> list[CaseRecord]:
    """The case notes in clear: for the worker in charge and their supervisor, with a reason, audited."""
    if not may_reveal(actor, c):
        raise PermissionDenied("个案记录仅负责社工及其督导可以查看。")
    reason = reveal.require_reason(reason)
    rows = list(c.records.select_related("author"))
    reveal.record(actor, "workforce.sw_reveal", c, ["text"], reason)
    return rows


def assign_expert(actor, expert: Expert, *, client: Client | None = None,
                  session: SupervisionSession | None = None):
    if client is not None:
        if not (may_reveal(actor, client) or sees_everything(actor)):
            _require(actor, MANAGERS, client.region, "为个案指派专家")
        client.expert = expert
        client.save(update_fields=["expert"])
        audit.record(actor, "workforce.sw_expert_assign", client, detail={"expert": expert.pk})
        return client
    if session is not None:
        if session.supervision.supervisor_id != actor.pk:
            raise PermissionDenied("只有督导本人可以为督导指派专家。")
        session.expert = expert
        session.save(update_fields=["expert"])
        audit.record(actor, "workforce.sw_expert_assign", session, detail={"expert": expert.pk})
        return session
    raise ValidationError("请选择个案或督导记录。")


# -- referrals ------------------------------------------------------------------------------------
CONSENT_HOW = {"signed", "oral", "guardian"}


def refer(actor, c: Client, *, to_worker: SocialWorker | None, reason: str, consent: bool,
          consent_how: str = "") -> Referral:
    """Refer a client to another social worker: never without the client's consent, recorded."""
    sw = _require_in_charge(actor, c)
    if not consent or consent_how not in CONSENT_HOW:
        raise ValidationError("转介须先取得服务对象同意，并登记同意方式。")
    if to_worker is None or not to_worker.active or to_worker.pk == sw.pk:
        raise ValidationError("请选择另一位在岗社工。")
    if district_code(to_worker.region.path) != district_code(sw.region.path):
        raise ValidationError("只能转介给本区登记的社工。")
    now = timezone.now()
    try:
        with transaction.atomic():
            r = Referral.objects.create(client=c, from_worker=sw, to_worker=to_worker, consent_at=now,
                                        consent_how=consent_how, created_at=now,
                                        reason=_text(reason, "转介原因", max_length=200, required=True))
            audit.record(actor, "workforce.sw_refer", r, detail={"to": to_worker.pk, "consent": consent_how})
    except IntegrityError:
        raise ValidationError("该个案已有待接收的转介。") from None
    from civicgrid.core.notifications import notify

    notify(to_worker.user, "个案转介待接收", f"{sw.user.name} 转介个案 #{c.pk}", "/workforce/sw/")
    return r


def decide_referral(actor, referral: Referral, *, accept: bool, reason: str = "") -> Referral:
    with transaction.atomic():
        r = Referral.objects.select_for_update().select_related("client", "to_worker").get(pk=referral.pk)
        if r.to_worker.user_id != actor.pk:
            raise PermissionDenied("只有接收社工可以处理该转介。")
        if r.state != "pending":
            raise ValidationError("该转介已处理。")
        if not accept:
            r.decline_reason = _text(reason, "拒绝原因", max_length=200, required=True)
        r.state, r.decided_at = ("accepted" if accept else "declined"), timezone.now()
        r.save()
        if accept:
            Client.objects.filter(pk=r.client_id).update(worker=r.to_worker)
        audit.record(actor, "workforce.sw_referral_decide", r, detail={"state": r.state})
    return r


# -- supervision ----------------------------------------------------------------------------------
def supervise(actor, *, supervisor, supervisee: SocialWorker, started_on=None) -> Supervision:
    _require(actor, MANAGERS, supervisee.region, "安排督导")
    if supervisor is None or not supervisor.is_active or supervisor.pk == supervisee.user_id:
        raise ValidationError("请选择另一位在岗人员作为督导。")
    s = Supervision.objects.create(supervisor=supervisor, supervisee=supervisee,
                                   started_on=_date(started_on, "开始日期", required=False) or timezone.localdate())
    audit.record(actor, "workforce.sw_supervision", s, detail={"supervisee": supervisee.pk})
    return s


def log_session(actor, supervision: Supervision, *, topic: str, at=None, minutes=60,
                expert: Expert | None = None) -> SupervisionSession:
    if supervision.supervisor_id != actor.pk:
        raise PermissionDenied("只有督导本人可以登记督导记录。")
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError("督导时间不能晚于现在。")
    try:
        minutes = int(minutes or 60)
    except (TypeError, ValueError):
        raise ValidationError("时长须为分钟数。") from None
    if not 10 <= minutes <= 600:
        raise ValidationError("时长须在 10–600 分钟之间。")
    s = SupervisionSession.objects.create(supervision=supervision, at=at, minutes=minutes, expert=expert,
                                          topic=_text(topic, "督导主题", max_length=100, required=True))
    audit.record(actor, "workforce.sw_session", s, detail={"minutes": minutes})
    return s
