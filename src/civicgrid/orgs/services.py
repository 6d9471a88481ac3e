"""Every write of the registry: registration, filing and its way to registration, staff, hubs, oversight
(inspections, grades, credit), catalogue conditions, portal accounts and incubation.

Each write checks the actor's role and jurisdiction, validates, saves, audits, and refreshes the
catalogue standing of the organisation it touched (the catalogue is "dynamically updated").
"""
from __future__ import annotations

import datetime as dt
import decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.scoping import node_in_scope, require_in_scope, require_role, sees_everything

from . import catalogue, creditcode, rules
from . import vocab as V
from .errors import BadCondition, BadCreditCode, DuplicateOrganisation
from .models import (CatalogueCondition, CreditEvent, Filing, Grade, Incubation, IncubationMilestone,
                     IncubationSupport, Incubator, Inspection, OrgAccount, Organisation, StaffMember)

REGISTRAR = "org_registrar"        # 社会组织登记管理 (民政): street files groups, district registers and oversees
ORG_CONTACT = "org_contact"        # 社会组织联络人: acts for an organisation in its portal
LIMITS = {"name": 100, "authority": 60, "supervisor": 60, "address": 200, "summary": 2000, "legal_rep": 50,
          "charter": 4000, "place": 200, "leader": 50, "funds": 200, "yearly_plan": 4000, "report": 4000,
          "description": 300, "title": 40, "certificate_no": 30, "assessor": 80, "note": 300, "label": 80,
          "cohort": 20, "assessment": 2000, "support_note": 200, "milestone": 100}


def _text(value, label: str, key: str, *, required: bool = False) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise ValidationError(f"请填写{label}。")
    if len(value) > LIMITS[key]:
        raise ValidationError(f"{label}不能超过 {LIMITS[key]} 字。")
    return value


def _registrar_at(user, node, what: str) -> None:
    require_role(user, REGISTRAR)
    if not node_in_scope(user, node, roles=(REGISTRAR,)):
        raise PermissionDenied(f"{node.name}不在您的管辖范围内，不能{what}。")


def _domains(values) -> list[str]:
    values = [v for v in (values or []) if v]
    bad = [v for v in values if v not in V.DOMAINS]
    if bad:
        raise ValidationError("未知的服务领域。")
    return sorted(set(values), key=list(V.DOMAINS).index)


def _area(org, regions) -> None:
    if regions is not None:
        org.service_area.set(regions)


def check_credit_code(raw: str, kind: str, *, exclude_pk=None) -> str:
    try:
        code = creditcode.validate(raw)
    except creditcode.CreditCodeError as exc:
        raise BadCreditCode(str(exc))
    prefix = V.KIND_PREFIX.get(kind)
    if prefix and not code.startswith(prefix):
        raise BadCreditCode(f"{V.KIND_LABELS[kind]}的统一社会信用代码应以“{prefix}”开头（民政登记、类型代码）。")
    if Organisation.objects.filter(credit_code=code).exclude(pk=exclude_pk).exists():
        raise DuplicateOrganisation(f"统一社会信用代码 {code} 已登记。")
    return code


# -- registration and filing -------------------------------------------------------------------------

def register(user, *, name, kind, credit_code, region, authority="", supervisor="", registered_on=None,
             legal_rep="", legal_rep_phone="", domains=(), service_area=None, address="", is_hub=False, hub=None,
             party_coverage="none", party_members=0, summary="", now=None) -> Organisation:
    """登记 a social organisation at the registration authority's node (a district, or a street for
    organisations registered there)."""
    if kind not in V.KIND_PREFIX:
        raise ValidationError("登记类型应为社会团体、社会服务机构或基金会。")
    _registrar_at(user, region, "登记社会组织")
    org = Organisation(
        name=_text(name, "名称", "name", required=True), kind=kind, status=V.REGISTERED,
        credit_code=check_credit_code(credit_code, kind), region=region,
        authority=_text(authority, "登记管理机关", "authority") or f"{region.name}民政局",
        supervisor=_text(supervisor, "业务主管单位", "supervisor"), registered_on=registered_on or timezone.localdate(now),
        legal_rep=_text(legal_rep, "法定代表人", "legal_rep", required=True), legal_rep_phone=legal_rep_phone or "",
        domains=_domains(domains), address=_text(address, "住所", "address"), is_hub=bool(is_hub),
        party_coverage=party_coverage if party_coverage in V.PARTY_COVERAGE else "none",
        party_members=max(0, int(party_members or 0)), summary=_text(summary, "业务范围", "summary"))
    if hub is not None:
        _check_hub(hub, org)
        org.hub = hub
    with transaction.atomic():
        org.save()
        _area(org, service_area)
        audit.record(user, "organisation.enrol", org, detail={"kind": kind, "credit_code": org.credit_code})
        catalogue.refresh(org, now=now, trigger="登记")
    return org


def file_group(user, *, name, street, filed_on, charter, place, leader, members, funds="", yearly_plan="",
               domains=(), service_area=None, hub=None, party_coverage="none", now=None) -> Organisation:
    """街道备案 of a community group (no credit code; the street is its filing authority)."""
    if street.level != "street":
        raise ValidationError("社区社会组织向所在街道备案，请选择街道。")
    _registrar_at(user, street, "备案")
    try:
        members = int(members)
    except (TypeError, ValueError):
        raise ValidationError("成员人数应为整数。")
    if not 3 <= members <= 100000:
        raise ValidationError("成员人数应不少于 3 人。")
    org = Organisation(name=_text(name, "名称", "name", required=True), kind=V.COMMUNITY_GROUP, status=V.FILED,
                       region=street, authority=f"{street.name}（备案）", domains=_domains(domains),
                       legal_rep=_text(leader, "负责人", "leader", required=True),
                       party_coverage=party_coverage if party_coverage in V.PARTY_COVERAGE else "none",
                       address=_text(place, "活动场所", "place", required=True))
    if hub is not None:
        _check_hub(hub, org)
        org.hub = hub
    with transaction.atomic():
        org.save()
        _area(org, service_area)
        Filing.objects.create(organisation=org, filed_on=filed_on or timezone.localdate(now),
                              charter=_text(charter, "章程", "charter", required=True), place=org.address,
                              leader=org.legal_rep, members=members, funds=_text(funds, "经费来源", "funds"),
                              yearly_plan=_text(yearly_plan, "年度计划", "yearly_plan"), by=user)
        audit.record(user, "organisation.file_group", org, detail={"members": members})
        catalogue.refresh(org, now=now, trigger="备案")
    return org


def promote(user, org: Organisation, *, kind, credit_code, district, registered_on=None, authority="",
            now=None) -> Organisation:
    """A filed group registers (备案 → 登记): same record, now with its credit code and authority."""
    if org.status != V.FILED:
        raise ValidationError("只有已备案的社区社会组织才能转为登记。")
    if kind not in V.KIND_PREFIX:
        raise ValidationError("登记类型应为社会团体、社会服务机构或基金会。")
    _registrar_at(user, district, "登记社会组织")
    code = check_credit_code(credit_code, kind, exclude_pk=org.pk)
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org.pk)
        day = registered_on or timezone.localdate(now)
        org.kind, org.status, org.credit_code, org.region = kind, V.REGISTERED, code, district
        org.registered_on = day
        org.authority = _text(authority, "登记管理机关", "authority") or f"{district.name}民政局"
        org.save()
        Filing.objects.filter(organisation=org).update(registered_on=day)
        audit.record(user, "organisation.promote", org, detail={"kind": kind, "credit_code": code})
        catalogue.refresh(org, now=now, trigger="备案转登记")
    return org


def _check_hub(hub: Organisation, org: Organisation) -> None:
    if not hub.is_hub or hub.status != V.REGISTERED:
        raise ValidationError(f"{hub.name}不是已登记的枢纽型社会组织。")
    if org.pk and hub.pk == org.pk:
        raise ValidationError("不能挂靠自身。")


def update_profile(user, org: Organisation, *, domains=None, service_area=None, party_coverage=None,
                   party_members=None, hub=..., is_hub=None, supervisor=None, address=None, summary=None,
                   now=None) -> Organisation:
    _registrar_at(user, org.region, "修改社会组织信息")
    changed = {}
    if domains is not None:
        org.domains = changed["domains"] = _domains(domains)
    if party_coverage is not None:
        if party_coverage not in V.PARTY_COVERAGE:
            raise ValidationError("未知的党组织覆盖方式。")
        org.party_coverage = changed["party_coverage"] = party_coverage
    if party_members is not None:
        org.party_members = changed["party_members"] = max(0, int(party_members))
    if is_hub is not None:
        org.is_hub = changed["is_hub"] = bool(is_hub)
    if hub is not ...:
        if hub is not None:
            _check_hub(hub, org)
        org.hub = hub
        changed["hub"] = hub.pk if hub else None
    if supervisor is not None:
        org.supervisor = _text(supervisor, "业务主管单位", "supervisor")
    if address is not None:
        org.address = _text(address, "住所", "address")
    if summary is not None:
        org.summary = _text(summary, "业务范围", "summary")
    with transaction.atomic():
        org.save()
        _area(org, service_area)
        audit.record(user, "organisation.update", org, detail=changed)
        catalogue.refresh(org, now=now, trigger="信息变更")
    return org


def add_staff(user, org: Organisation, *, name, title="", certificate="", certificate_no="", full_time=True,
              now=None) -> StaffMember:
    _staff_or_contact(user, org, "登记工作人员")
    if certificate not in V.CERTIFICATES:
        raise ValidationError("未知的职业资格等级。")
    if certificate and not (certificate_no or "").strip():
        raise ValidationError("持证社会工作者须填写证书编号。")
    with transaction.atomic():
        s = StaffMember.objects.create(organisation=org, name=_text(name, "姓名", "legal_rep", required=True),
                                       title=_text(title, "岗位", "title"), certificate=certificate,
                                       certificate_no=_text(certificate_no, "证书编号", "certificate_no"),
                                       full_time=bool(full_time))
        audit.record(user, "organisation.staff_add", org, detail={"certificate": certificate})
        catalogue.refresh(org, now=now, trigger="工作人员变更")
    return s


def _staff_or_contact(user, org, what: str) -> None:
    """The registrar in scope, or the organisation's own account."""
    if is_member(user, org):
        return
    _registrar_at(user, org.region, what)


def is_member(user, org) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and OrgAccount.objects.filter(
        user=user, organisation=org).exists()


def link_account(user, org: Organisation, account_user) -> OrgAccount:
    _registrar_at(user, org.region, "开通机构账号")
    acc, _ = OrgAccount.objects.get_or_create(organisation=org, user=account_user)
    audit.record(user, "organisation.account_link", org, detail={"user": account_user.username})
    return acc


# -- oversight -----------------------------------------------------------------------------------------

def submit_inspection(user, org: Organisation, *, year: int, report: str, now=None) -> Inspection:
    """The organisation (or the registrar for it) submits its annual report for `year`."""
    _staff_or_contact(user, org, "提交年检报告")
    today = timezone.localdate(now)
    if not 2000 <= int(year) <= today.year:
        raise ValidationError("年检年度不正确。")
    with transaction.atomic():
        insp, _ = Inspection.objects.get_or_create(organisation=org, year=year)
        if insp.result != "pending":
            raise ValidationError(f"{year} 年度年检已有结论，不能再提交。")
        insp.report, insp.submitted_on = _text(report, "年度工作报告", "report", required=True), today
        insp.save()
        audit.record(user, "inspection.submit_report", org, detail={"year": year})
    return insp


def decide_inspection(user, org: Organisation, *, year: int, result: str, note="", decided_on=None,
                      now=None) -> Inspection:
    if result not in V.INSPECTION_RESULTS or result == "pending":
        raise ValidationError("年检结论应为合格、基本合格或不合格。")
    _registrar_at(user, org.region, "作出年检结论")
    with transaction.atomic():
        insp, _ = Inspection.objects.get_or_create(organisation=org, year=year)
        insp.result, insp.note = result, _text(note, "说明", "note")
        insp.decided_on = decided_on or timezone.localdate(now)
        insp.save()
        audit.record(user, "inspection.decide", org, detail={"year": year, "result": result})
        catalogue.refresh(org, now=now, trigger="年检结论")
    return insp


def award_grade(user, org: Organisation, *, level: int, awarded_on: dt.date, assessor="", now=None) -> Grade:
    if level not in V.GRADES:
        raise ValidationError("评估等级应为 1A–5A。")
    if not org.is_registered:
        raise ValidationError("只有已登记的社会组织参加等级评估。")
    _registrar_at(user, org.region, "评定等级")
    until = rules.years_before(awarded_on, -V.GRADE_VALID_YEARS) - dt.timedelta(days=1)
    with transaction.atomic():
        g = Grade.objects.create(organisation=org, level=level, awarded_on=awarded_on, valid_until=until,
                                 assessor=_text(assessor, "评估机构", "assessor"))
        audit.record(user, "grade.award_grade", org, detail={"level": level, "valid_until": until.isoformat()})
        catalogue.refresh(org, now=now, trigger="评估等级")
    return g


def add_credit_event(user, org: Organisation, *, kind, category, source, occurred_on, description,
                     now=None) -> CreditEvent:
    if kind not in V.CREDIT_KINDS or category not in V.CREDIT_CATEGORIES or source not in V.CREDIT_SOURCES:
        raise ValidationError("信用记录的性质、类别或来源不正确。")
    if occurred_on > timezone.localdate(now):
        raise ValidationError("信用记录日期不能晚于今天。")
    _registrar_at(user, org.region, "录入信用记录")
    with transaction.atomic():
        e = CreditEvent.objects.create(organisation=org, kind=kind, category=category, source=source,
                                       occurred_on=occurred_on, by=user,
                                       description=_text(description, "事由", "description", required=True))
        rederive_credit(org, now=now)
        audit.record(user, "credit.record_event", org, detail={"kind": kind, "category": category})
        catalogue.refresh(org, now=now, trigger="信用记录")
    return e


def rederive_credit(org: Organisation, *, now=None) -> str:
    status, _, _ = rules.credit_status(org, timezone.localdate(now))
    if status != org.credit_status:
        Organisation.objects.filter(pk=org.pk).update(credit_status=status)
        org.credit_status = status
    return status


# -- catalogue conditions ------------------------------------------------------------------------------

def save_condition(user, *, metric, value, label="", active=True, order=50, condition=None,
                   now=None) -> CatalogueCondition:
    """Add or change a catalogue condition (district registrars), then regenerate the whole catalogue."""
    require_role(user, REGISTRAR)
    if not (sees_everything(user) or any(r.role == REGISTRAR and r.region and r.region.level in ("district", "city")
                                         for r in user.roles.select_related("region"))):
        raise PermissionDenied("推荐目录条件由区级社会组织登记管理机关设定。")
    try:
        parsed = catalogue.parse_value(metric, value)
    except ValueError as exc:
        raise BadCondition(f"{str(exc)}。")
    m = catalogue.METRICS[metric]
    shown = V.DOMAINS.get(parsed, parsed) if metric == "domain_includes" else parsed
    label = _text(label, "条件名称", "label") or f"{m.label} {shown}"
    with transaction.atomic():
        c = condition or CatalogueCondition()
        c.metric, c.value, c.label, c.active, c.order, c.updated_by = metric, str(parsed), label, bool(active), \
            int(order), user
        c.save()
        audit.record(user, "catalogue.condition_save", c, detail={"metric": metric, "value": str(parsed),
                                                              "active": bool(active)})
        counts = catalogue.regenerate(now=now, trigger="条件变更")
    c.counts = counts
    return c


# -- incubation ----------------------------------------------------------------------------------------
# A street's incubation-base staff (the street's registrar) admit an organisation with an entry
# assessment, record the support given, plan and reach milestones, and end the stay (graduation or
# exit). Every write is refused outside the incubator's street; dates stay inside the stay.

MAX_SUPPORT_AMOUNT = decimal.Decimal("10000000.00")
MAX_SUPPORT_HOURS = 10000


def _incubation_date(day, label: str, *, today: dt.date, earliest: dt.date | None = None,
                     future_ok: bool = False) -> dt.date:
    if not isinstance(day, dt.date):
        raise ValidationError(f"请填写{label}。")
    if earliest and day < earliest:
        raise ValidationError(f"{label}不能早于{earliest:%Y-%m-%d}。")
    if not future_ok and day > today:
        raise ValidationError(f"{label}不能晚于今天。")
    if future_ok and day > today + dt.timedelta(days=5 * 366):
        raise ValidationError(f"{label}不能晚于五年之后。")
    return day


def _admissible(incubator: Incubator, org: Organisation) -> None:
    """A registered organisation may enter any base of its district; a filed group only its own street's."""
    if org.status == V.FILED:
        if org.region_id != incubator.region_id:
            raise ValidationError(f"{org.name}在{org.region.name}备案，不能入驻{incubator.region.name}的"
                                  f"{incubator.name}（社区社会组织只入驻备案街道的孵化基地）。")
    elif org.status != V.REGISTERED:
        raise ValidationError(f"{org.name}已注销或撤销，不能入驻孵化。")
    elif not incubator.region.path.startswith(org.region.path):
        raise ValidationError(f"{org.name}的登记机关不在{incubator.region.name}所在区，不能入驻。")


def create_incubator(user, *, region, name, address="") -> Incubator:
    """开设孵化基地: a street's (or the district's) registrar opens its incubation base."""
    if region is None or region.level not in ("street", "district"):
        raise ValidationError("孵化基地应设在街道或区。")
    _registrar_at(user, region, "开设孵化基地")
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写孵化基地名称。")
    if len(name) > 80:
        raise ValidationError("孵化基地名称不能超过 80 字。")
    address = (address or "").strip()
    if len(address) > 200:
        raise ValidationError("地址不能超过 200 字。")
    with transaction.atomic():
        if Incubator.objects.filter(region=region, name=name).exists():
            raise ValidationError(f"{region.name}已有名为“{name}”的孵化基地。")
        incubator = Incubator.objects.create(region=region, name=name, address=address)
        audit.record(user, "incubation.open_base", incubator, detail={"region": region.code})
    return incubator


def admit(user, incubator: Incubator, org: Organisation, *, cohort, entered_on, entry_score, entry_assessment,
          now=None) -> Incubation:
    """入驻: the organisation enters the incubator with its entry assessment (score 0–100 and notes)."""
    _registrar_at(user, incubator.region, "办理入驻")
    if org is None:
        raise ValidationError("社会组织不存在。")
    _admissible(incubator, org)
    try:
        entry_score = int(entry_score)
    except (TypeError, ValueError):
        raise ValidationError("入驻评估得分应为整数。")
    if not 0 <= entry_score <= 100:
        raise ValidationError("入驻评估得分应在 0–100 之间。")
    started = org.registered_on if org.status == V.REGISTERED else getattr(getattr(org, "filing", None), "filed_on",
                                                                          None)
    entered_on = _incubation_date(entered_on, "入驻日期", today=timezone.localdate(now), earliest=started)
    cohort = _text(cohort, "批次", "cohort", required=True)
    assessment = _text(entry_assessment, "入驻评估意见", "assessment", required=True)
    with transaction.atomic():
        current = Incubation.objects.select_for_update().filter(organisation=org, state="incubating").first()
        if current is not None:
            raise ValidationError(f"{org.name}正在{current.incubator.name}孵化中，不能重复入驻。")
        inc = Incubation.objects.create(incubator=incubator, organisation=org, cohort=cohort, entered_on=entered_on,
                                        entry_score=entry_score, entry_assessment=assessment)
        audit.record(user, "incubation.admit", inc, detail={"organisation": org.pk, "cohort": cohort,
                                                            "score": entry_score})
    return inc


def _open_incubation(user, inc: Incubation, what: str) -> None:
    _registrar_at(user, inc.incubator.region, what)
    if inc.state != "incubating":
        raise ValidationError(f"该孵化记录已{inc.get_state_display()}，不能再{what}。")


def _amount(raw) -> decimal.Decimal:
    if raw in (None, ""):
        return decimal.Decimal("0.00")
    try:
        amount = decimal.Decimal(str(raw).strip())
    except decimal.InvalidOperation:
        raise ValidationError("金额应为数字，如 3000 或 3000.50。")
    if not amount.is_finite():
        raise ValidationError("金额应为数字，如 3000 或 3000.50。")
    if amount < 0:
        raise ValidationError("金额不能为负数。")
    if amount != amount.quantize(decimal.Decimal("0.01")):
        raise ValidationError("金额最多保留两位小数（元、角、分）。")
    if amount > MAX_SUPPORT_AMOUNT:
        raise ValidationError("金额不能超过 1000 万元。")
    return amount.quantize(decimal.Decimal("0.01"))


def give_support(user, inc: Incubation, *, kind, given_on, amount=0, hours=0, note="", now=None) -> IncubationSupport:
    """登记支持: space, training, seed funds or mentoring, each with its amount (元) and/or hours."""
    from .models import SUPPORT_KINDS

    _open_incubation(user, inc, "登记孵化支持")
    if kind not in SUPPORT_KINDS:
        raise ValidationError("未知的支持类型。")
    amount = _amount(amount)
    try:
        hours = int(hours or 0)
    except (TypeError, ValueError):
        raise ValidationError("时长应为整数小时。")
    if not 0 <= hours <= MAX_SUPPORT_HOURS:
        raise ValidationError(f"时长应在 0–{MAX_SUPPORT_HOURS} 小时之间。")
    if amount == 0 and hours == 0:
        raise ValidationError("请填写金额（元）或时长（小时）。")
    if kind == "seed_fund" and amount == 0:
        raise ValidationError("种子资金须填写金额。")
    given_on = _incubation_date(given_on, "支持日期", today=timezone.localdate(now), earliest=inc.entered_on)
    note = _text(note, "支持内容", "support_note", required=True)
    with transaction.atomic():
        s = IncubationSupport.objects.create(incubation=inc, kind=kind, given_on=given_on, amount=amount, hours=hours,
                                             note=note)
        audit.record(user, "incubation.support_give", inc, detail={"kind": kind, "amount": str(amount),
                                                                   "hours": hours, "on": given_on.isoformat()})
    return s


def add_milestone(user, inc: Incubation, *, title, due_on, reached_on=None, now=None) -> IncubationMilestone:
    """A planned milestone (reached_on given: already achieved when recorded)."""
    _open_incubation(user, inc, "登记孵化里程碑")
    today = timezone.localdate(now)
    due_on = _incubation_date(due_on, "计划日期", today=today, earliest=inc.entered_on, future_ok=True)
    if reached_on is not None:
        reached_on = _incubation_date(reached_on, "达成日期", today=today, earliest=inc.entered_on)
    title = _text(title, "里程碑", "milestone", required=True)
    with transaction.atomic():
        m = IncubationMilestone.objects.create(incubation=inc, title=title, due_on=due_on, reached_on=reached_on)
        audit.record(user, "incubation.milestone_add", inc, detail={"milestone": m.pk, "due_on": due_on.isoformat()})
    return m


def reach_milestone(user, milestone: IncubationMilestone, *, reached_on, now=None) -> IncubationMilestone:
    inc = milestone.incubation
    _open_incubation(user, inc, "确认里程碑达成")
    if milestone.reached_on:
        raise ValidationError(f"里程碑“{milestone.title}”已于 {milestone.reached_on:%Y-%m-%d} 达成。")
    reached_on = _incubation_date(reached_on, "达成日期", today=timezone.localdate(now), earliest=inc.entered_on)
    with transaction.atomic():
        milestone.reached_on = reached_on
        milestone.save(update_fields=["reached_on"])
        audit.record(user, "incubation.milestone_reach", inc, detail={"milestone": milestone.pk,
                                                                      "on": reached_on.isoformat()})
    return milestone


def end_incubation(user, inc: Incubation, *, outcome, ended_on, note="", now=None) -> Incubation:
    """出壳 (graduation) or 退出 (exit, with its reason)."""
    if outcome not in ("graduated", "exited"):
        raise ValidationError("结果应为出壳或退出。")
    _open_incubation(user, inc, "办理出壳/退出")
    ended_on = _incubation_date(ended_on, "出壳/退出日期", today=timezone.localdate(now), earliest=inc.entered_on)
    note = _text(note, "出壳/退出说明", "note", required=outcome == "exited")
    with transaction.atomic():
        inc.state, inc.ended_on, inc.outcome_note = outcome, ended_on, note
        inc.save(update_fields=["state", "ended_on", "outcome_note"])
        audit.record(user, "incubation.graduate" if outcome == "graduated" else "incubation.exit_incubation", inc,
                     detail={"on": ended_on.isoformat()})
    return inc


# -- reminders -----------------------------------------------------------------------------------------

def remind(now=None) -> dict:
    """Grades expiring within 90 days and last year's inspections not yet submitted after 31 May:
    one notice per organisation to its accounts and to the registrars seated over it."""
    from civicgrid.core.models import Role
    from civicgrid.core.notifications import notify

    today = timezone.localdate(now)
    counts = {"grades": 0, "inspections": 0}
    registrars = list(Role.objects.filter(role=REGISTRAR, region__isnull=False).select_related("region", "user"))

    def tell(org, title, body):
        users = {a.user for a in org.accounts.select_related("user")}
        users |= {r.user for r in registrars if org.region.path.startswith(r.region.path)}
        for u in users:
            notify(u, title, body, link=f"/orgs/{org.pk}/", subject=org)

    soon = today + dt.timedelta(days=90)
    for g in Grade.objects.filter(valid_until__gte=today, valid_until__lte=soon).select_related("organisation__region"):
        org = g.organisation
        if org.grades.filter(awarded_on__gt=g.awarded_on).exists():
            continue
        from civicgrid.core.models import Notification

        if Notification.objects.filter(subject_type="orgs.organisation", subject_id=str(org.pk),
                                       title__startswith="评估等级将到期").exists():
            continue
        tell(org, f"评估等级将到期：{org.name}", f"{V.GRADES[g.level]} 有效期至 {g.valid_until:%Y-%m-%d}，请及时申请复评。")
        counts["grades"] += 1
    if (today.month, today.day) > (5, 31):
        year = today.year - 1
        done = Inspection.objects.filter(year=year).exclude(submitted_on__isnull=True, result="pending")
        from civicgrid.core.models import Notification

        for org in (Organisation.objects.filter(status=V.REGISTERED, registered_on__lt=dt.date(year, 12, 31))
                    .exclude(pk__in=done.values("organisation_id")).select_related("region")):
            if Notification.objects.filter(subject_type="orgs.organisation", subject_id=str(org.pk),
                                           title__startswith=f"{year} 年度年检未提交").exists():
                continue
            tell(org, f"{year} 年度年检未提交：{org.name}", "年检报告应于 5 月 31 日前提交，请尽快办理。")
            counts["inspections"] += 1
    return counts
