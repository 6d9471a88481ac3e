"""Every hotline write: contacts, knowledge base, call-backs, resident codes and reports.

Acting user first, permission check, one transaction, audit entry — as everywhere.
"""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core import phones
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.scoping import require_in_scope, require_node_in_scope, require_role, sees_everything, user_roles
from civicgrid.core.sms import send_sms
from civicgrid.regions.locate import LOCATABLE_LEVELS, Place, locate
from civicgrid.regions.models import Region

from . import cases_adapter, ratelimit, search
from .models import Article, ArticleVersion, CallBack, Contact, PhoneCode

KB_EDITORS = (R.HOTLINE_OPERATOR, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN)
REVIEWERS = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)

# What an unsolved or unsatisfied call-back may lead to. "review" (the default, as 12345 centres work:
# an unhappy answer is checked by a supervisor — 回访复核 — before a closed case is handled again):
# every unhappy call-back goes to the review queue. "reopen": the operator may also reopen the case
# at once, but only as an explicit choice with the reason written down; it is never a side effect.
# Set CIVICGRID_HOTLINE_UNHAPPY_ACTION (settings.HOTLINE_UNHAPPY_ACTION) to change it.
def unhappy_action() -> str:
    value = getattr(settings, "HOTLINE_UNHAPPY_ACTION", "review")
    return value if value in ("reopen", "review") else "review"


def operator_may_reopen() -> bool:
    return unhappy_action() == "reopen"


CALLBACK_MAX_ATTEMPTS = 3
OTP_TTL = dt.timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
UPLOAD_MAX_BYTES = 8 * 1024 * 1024
UPLOAD_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def _home_region(actor) -> Region:
    seats = [s for s in user_roles(actor) if s.region_id and s.role == R.HOTLINE_OPERATOR] or \
            [s for s in user_roles(actor) if s.region_id]
    if seats:
        return seats[0].region
    if sees_everything(actor):
        region = Region.objects.filter(level="district").order_by("code").first()
        if region:
            return region
    raise PermissionDenied("您没有热线话务员席位。")


def clean_phone(phone: str, *, required: bool = False) -> str:
    return phones.clean_phone(phone, required=required)


def clean_mobile(phone: str) -> str:
    """Resident pages log in by SMS: an 11-digit mainland mobile."""
    return phones.clean_phone(phone, required=True, mobile=True)


# -- address → place -------------------------------------------------------------------------
def resolve_place(*, address: str = "", lng=None, lat=None, within: Region | None = None) -> Place | None:
    """Where a call or a resident's report is: the one location service (regions/locate.py)."""
    return locate(lng=lng, lat=lat, address=address, within=within)


# -- contacts --------------------------------------------------------------------------------
def _next_contact_number(now) -> str:
    local = timezone.localtime(now)
    prefix = f"RX{local:%Y%m%d}"
    last = Contact.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    n = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def record_contact(actor, *, subject: str, channel: str = "phone", caller_phone: str = "", caller_name: str = "",
                   urgent: bool = False, address: str = "", lng=None, lat=None, received_at=None) -> Contact:
    require_role(actor, R.HOTLINE_OPERATOR)
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError("请填写来电诉求内容。")
    if len(subject) > 2000:
        raise ValidationError("诉求内容不能超过 2000 字。")
    if channel not in dict(Contact.CHANNEL_CHOICES):
        raise ValidationError("渠道无效。")
    phone = clean_phone(caller_phone)
    home = _home_region(actor)
    place = resolve_place(address=address, lng=lng, lat=lat, within=home)
    # Not locatable yet: the contact sits at the operator's node until the case says where it is.
    region, grid, p_lng, p_lat = (place.region, place.grid, place.lng, place.lat) if place else (home, None, None, None)
    now = timezone.now()
    with transaction.atomic():
        contact = Contact(number="", channel=channel, received_at=received_at or now, caller_phone=phone,
                          caller_phone_hash=lookup_hash(phone), caller_name=(caller_name or "")[:50].strip(),
                          subject=subject, urgent=bool(urgent), address=(address or "")[:200], lng=p_lng, lat=p_lat,
                          region=region, grid=grid, operator=actor)
        require_node_in_scope(actor, region, message="该地址不在您的管辖范围内。")
        for attempt in range(5):  # a concurrent call may take the same serial; retry with the next
            contact.number = _next_contact_number(now)
            try:
                with transaction.atomic():
                    contact.save()
                break
            except IntegrityError:
                if attempt == 4 or not Contact.objects.filter(number=contact.number).exists():
                    raise
        audit.record(actor, "hotline.contact", contact, detail={"channel": channel, "urgent": contact.urgent})
    return contact


def _lock_pending(actor, contact: Contact) -> Contact:
    require_role(actor, R.HOTLINE_OPERATOR)
    require_in_scope(actor, contact)
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.outcome != Contact.PENDING:
        raise ValidationError(f"该来电已处理（{locked.get_outcome_display()}），不能重复处理。")
    return locked


def _use_article(article: Article, now) -> None:
    Article.objects.filter(pk=article.pk).update(used_count=F("used_count") + 1, last_used_at=now)


@transaction.atomic
def answer(actor, contact: Contact, *, note: str, article: Article | None = None) -> Contact:
    """直接答复: answered on the spot, optionally from a knowledge-base article (recorded)."""
    c = _lock_pending(actor, contact)
    note = (note or "").strip()
    if not note and article is None:
        raise ValidationError("直接答复须填写答复内容或选择所用知识。")
    now = timezone.now()
    if article is not None:
        from .selectors import articles_for

        if not articles_for(actor).filter(pk=article.pk).exists():
            raise ValidationError("所选知识不存在或不在您的范围内。")
        if not article.is_valid_on(timezone.localdate(now)):
            raise ValidationError(f"知识“{article.title}”已过期或未生效，不能用于答复。")
        c.article, c.article_version = article, article.version
        _use_article(article, now)
    c.outcome, c.outcome_note, c.closed_at = Contact.ANSWERED, note or f"按知识“{article.title}”答复", now
    c.save()
    audit.record(actor, "hotline.answer", c, detail={"article": article.pk if article else None})
    return c


@transaction.atomic
def to_case(actor, contact: Contact, *, category, description: str = "", photos=()) -> Contact:
    """转为案件: the contact enters the case workflow through the hotline channel."""
    c = _lock_pending(actor, contact)
    if category is None:
        raise ValidationError("请选择问题类别。")
    case = cases_adapter.intake(
        actor, channel="hotline", category=category, description=(description or c.subject).strip(),
        lng=c.lng, lat=c.lat, region=(c.region if c.region.level in LOCATABLE_LEVELS else None),
        address=c.address, within=_home_region(actor), urgent=c.urgent, requester_name=c.caller_name, requester_phone=c.caller_phone,
        photos=photos, source=f"热线话单 {c.number}")
    c.case, c.outcome, c.closed_at = case, Contact.CASE, timezone.now()
    c.outcome_note = f"转为案件 {case.number}"
    c.save()
    audit.record(actor, "hotline.to_case", c, detail={"case": case.number})
    return c


@transaction.atomic
def forward(actor, contact: Contact, *, to: str, note: str = "") -> Contact:
    """转办: handed to another line or body (e.g. 110, 12315) that is not handled as a case here."""
    c = _lock_pending(actor, contact)
    to = (to or "").strip()
    if not to:
        raise ValidationError("请填写转办对象。")
    c.outcome, c.forwarded_to, c.outcome_note, c.closed_at = Contact.FORWARDED, to[:100], (note or "").strip(), timezone.now()
    c.save()
    audit.record(actor, "hotline.forward", c, detail={"to": c.forwarded_to})
    return c


@transaction.atomic
def mark_invalid(actor, contact: Contact, *, note: str) -> Contact:
    """无效/骚扰: kept (for the caller's history) but never counted as a request."""
    c = _lock_pending(actor, contact)
    note = (note or "").strip()
    if not note:
        raise ValidationError("标记为无效或骚扰须说明理由。")
    c.outcome, c.outcome_note, c.closed_at = Contact.INVALID, note, timezone.now()
    c.save()
    audit.record(actor, "hotline.invalid", c, reason=note)
    return c


# -- knowledge base --------------------------------------------------------------------------
ARTICLE_FIELDS = ("category", "title", "keywords", "body", "source", "valid_from", "valid_until", "active")


@transaction.atomic
def save_article(actor, article: Article | None, *, region: Region | None = None, **fields) -> Article:
    require_role(actor, *KB_EDITORS)
    title = (fields.get("title") or "").strip()
    body = (fields.get("body") or "").strip()
    if not title or not body:
        raise ValidationError("请填写标题和正文。")
    if fields.get("category") not in dict(Article.CATEGORY_CHOICES):
        raise ValidationError("请选择分类。")
    vf, vu = fields.get("valid_from"), fields.get("valid_until")
    if vf and vu and vu < vf:
        raise ValidationError("失效日期不能早于生效日期。")
    creating = article is None
    if creating:
        article = Article(region=region or _home_region(actor), version=1)
        require_in_scope_region(actor, article.region)
    else:
        require_in_scope(actor, article)
        article = Article.objects.select_for_update().get(pk=article.pk)
        article.version += 1
    for f in ARTICLE_FIELDS:
        if f in fields:
            setattr(article, f, fields[f] if f != "title" else title)
    article.body = body
    article.search_text = search.index_text(article.title, article.keywords, article.body)
    article.updated_by = actor
    article.save()
    ArticleVersion.objects.create(article=article, version=article.version, title=article.title,
                                  keywords=article.keywords, body=article.body, valid_from=article.valid_from,
                                  valid_until=article.valid_until, saved_by=actor)
    audit.record(actor, "hotline.article_create" if creating else "hotline.article_update", article,
                 detail={"version": article.version})
    return article


def require_in_scope_region(actor, region: Region) -> None:
    require_node_in_scope(actor, region, message="该区域不在您的管辖范围内。")


# -- call-backs ------------------------------------------------------------------------------
def enqueue_callback(case) -> CallBack | None:
    """Called inside the closing transaction (cases.signals.case_closed): one call-back per closure."""
    if not case.requester_phone_hash or case.closed_at is None:
        return None
    cb, _ = CallBack.objects.get_or_create(
        case=case, closed_at=case.closed_at,
        defaults={"region": case.region, "street": case.street, "department": case.department})
    return cb


def _apply_unhappy(actor, cb: CallBack, choice: str = "review") -> None:
    """An unhappy answer goes to review, or — chosen explicitly where the rules allow — reopens the case."""
    if not cb.unhappy:
        return
    why = "未解决" if cb.solved is False else "不满意"
    if choice == "reopen":
        if actor is None or not operator_may_reopen():
            raise ValidationError("按本热线规则，回访未解决或不满意须提交回访复核，由街道或区指挥中心决定是否重新办理。")
        if not cb.note:
            raise ValidationError("直接重新办理须在回访记录中写明理由（群众反映仍存在的问题）。")
        cases_adapter.reopen(actor, cb.case, note=f"回访{why}：{cb.note}")
        cb.follow_up = "reopened"
        return
    if choice not in ("", "review"):
        raise ValidationError("后续处理无效。")
    cb.follow_up = "review"
    _notify_reviewers(cb, why)


def _notify_reviewers(cb: CallBack, why: str) -> None:
    from civicgrid.core.notifications import notify

    users = cases_adapter.reviewers(cb.case)
    for u in users:
        notify(u, f"回访{why}待复核 {cb.case.number}", (cb.note or cb.case.category.name)[:100], "/hotline/reviews/",
               subject=cb)


def _clean_answers(reached: bool, solved, satisfaction: str) -> tuple[bool | None, str]:
    if not reached:
        return None, ""
    if solved not in (True, False):
        raise ValidationError("请选择问题是否解决（解决/未解决）。")
    if satisfaction not in dict(CallBack.SATISFACTION_CHOICES):
        raise ValidationError("请选择满意度（满意/基本满意/不满意）。")
    return solved, satisfaction


@transaction.atomic
def record_callback(actor, cb: CallBack, *, reached: bool, solved=None, satisfaction: str = "",
                    note: str = "", follow_up: str = "review") -> CallBack:
    """Record one call-back attempt. An unhappy answer follows `follow_up`: "review" (default) or
    "reopen" (only where operator_may_reopen(), with the reason in `note`); see _apply_unhappy."""
    require_role(actor, R.HOTLINE_OPERATOR)
    require_in_scope(actor, cb)
    cb = CallBack.objects.select_for_update().select_related("case").get(pk=cb.pk)
    if cb.state != CallBack.PENDING:
        raise ValidationError("该回访已完成。")
    solved, satisfaction = _clean_answers(reached, solved, satisfaction)
    now = timezone.now()
    cb.attempts += 1
    cb.operator, cb.note = actor, (note or "").strip()
    if not reached:
        if cb.attempts >= CALLBACK_MAX_ATTEMPTS:
            cb.state, cb.reached, cb.done_at = CallBack.FAILED, False, now
        cb.save()
        audit.record(actor, "hotline.callback_unreached", cb, detail={"case": cb.case.number, "attempts": cb.attempts})
        return cb
    cb.state, cb.reached, cb.solved, cb.satisfaction, cb.done_at = CallBack.DONE, True, solved, satisfaction, now
    _apply_unhappy(actor, cb, follow_up)
    cb.save()
    audit.record(actor, "hotline.callback", cb, detail={"case": cb.case.number, "solved": solved,
                                                        "satisfaction": satisfaction, "follow_up": cb.follow_up})
    return cb


@transaction.atomic
def review_callback(actor, cb: CallBack, *, decision: str, note: str) -> CallBack:
    """A supervisor decides an unhappy call-back sent to review: reopen the case, or accept the closure."""
    require_role(actor, *REVIEWERS)
    require_in_scope(actor, cb)
    cb = CallBack.objects.select_for_update().select_related("case").get(pk=cb.pk)
    if cb.follow_up != "review":
        raise ValidationError("该回访不在待复核状态。")
    note = (note or "").strip()
    if not note:
        raise ValidationError("复核须填写意见。")
    if decision == "reopen":
        _, follow = cases_adapter.reopen(actor, cb.case, note=f"回访复核：{note}")
        cb.follow_up, cb.follow_up_case = "reopened", follow
    elif decision == "accept":
        cb.follow_up = "reviewed"
    else:
        raise ValidationError("复核结论无效。")
    cb.save()
    # The review answers the notices that asked for it (one rule, keyed by the call-back).
    from civicgrid.core.notifications import mark_done

    mark_done(cb)
    audit.record(actor, "hotline.callback_review", cb, detail={"decision": decision}, reason=note)
    return cb


# -- residents -------------------------------------------------------------------------------
def _code_hash(phone: str, code: str) -> str:
    return lookup_hash(f"otp:{phone}:{code}")


def send_code(phone: str, *, ip: str | None, purpose: str = "report") -> None:
    """A 6-digit code by SMS. Limits: 1 a minute and 5 an hour per phone, 20 an hour per address."""
    phone = clean_mobile(phone)
    ph = lookup_hash(phone)
    ratelimit.hit(f"otp-phone-min:{ph}", 1, dt.timedelta(minutes=1), "验证码发送过于频繁，请 1 分钟后再试。")
    ratelimit.hit(f"otp-phone-hour:{ph}", 5, dt.timedelta(hours=1), "该号码今天获取验证码次数过多，请稍后再试。")
    ratelimit.hit(f"otp-ip:{ip or '-'}", 20, dt.timedelta(hours=1), "本网络获取验证码次数过多，请稍后再试。")
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneCode.objects.filter(phone_hash=ph, purpose=purpose, used_at__isnull=True).update(used_at=now)
        PhoneCode.objects.create(phone_hash=ph, code_hash=_code_hash(phone, code), purpose=purpose, created_at=now,
                                 expires_at=now + OTP_TTL, ip=ip)
    send_sms(phone, f"【civicgrid】您的验证码是 {code}，5 分钟内有效。如非本人操作请忽略。")


def verify_code(phone: str, code: str, *, purpose: str = "report") -> str:
    """The cleaned phone number when `code` is right; ValidationError otherwise. A code works once.

    The failed-attempt count is committed before the error is raised (outside the transaction),
    so guessing cannot be reset by the rollback.
    """
    phone = clean_mobile(phone)
    code = (code or "").strip()
    now = timezone.now()
    problem = ""
    with transaction.atomic():
        pc = (PhoneCode.objects.select_for_update()
              .filter(phone_hash=lookup_hash(phone), purpose=purpose, used_at__isnull=True)
              .order_by("-created_at").first())
        if pc is None or pc.expires_at < now:
            problem = "验证码已失效，请重新获取。"
        elif pc.attempts >= OTP_MAX_ATTEMPTS:
            problem = "验证码错误次数过多，请重新获取。"
        elif not hmac.compare_digest(pc.code_hash, _code_hash(phone, code)):
            pc.attempts += 1
            pc.save(update_fields=["attempts"])
            left = OTP_MAX_ATTEMPTS - pc.attempts
            problem = f"验证码不正确，还可以再试 {left} 次。" if left else "验证码错误次数过多，请重新获取。"
        else:
            pc.used_at = now
            pc.save(update_fields=["used_at"])
    if problem:
        raise ValidationError(problem)
    return phone


def check_upload(f) -> None:
    """Public uploads: JPEG, PNG or WebP only, at most 8 MB; the cases app then re-encodes without EXIF."""
    from PIL import Image, UnidentifiedImageError

    name = getattr(f, "name", "照片")
    if f.size > UPLOAD_MAX_BYTES:
        raise ValidationError(f"照片“{name}”超过 8 MB，请压缩后再传。")
    try:
        f.seek(0)
        with Image.open(f) as im:
            fmt = im.format
        f.seek(0)
    except (UnidentifiedImageError, OSError):
        raise ValidationError(f"文件“{name}”不是有效的图片。")
    if fmt not in UPLOAD_FORMATS:
        raise ValidationError(f"照片“{name}”格式不支持，请上传 JPEG、PNG 或 WebP。")


def resident_report(phone: str, *, ip: str | None, category, description: str, lng=None, lat=None,
                    address: str = "", photos=(), name: str = ""):
    """A resident's report from the public page; `phone` was verified by code in this session."""
    phone = clean_mobile(phone)
    photos = [p for p in photos if p]
    if len(photos) > 3:
        raise ValidationError("最多上传 3 张照片。")
    for p in photos:
        check_upload(p)
    if lng in (None, "") or lat in (None, ""):
        lng = lat = None
    limits = [(f"report-phone:{lookup_hash(phone)}", 5, dt.timedelta(days=1), "该号码今天上报次数已达上限（5 件），如有急事请拨打热线。"),
              (f"report-ip:{ip or '-'}", 20, dt.timedelta(days=1), "本网络今天上报次数过多，请改拨热线。")]
    for bucket, limit, window, message in limits:  # checked first, counted only when a case was made
        if not ratelimit.check(bucket, limit, window):
            raise ratelimit.RateLimited(message)
    if lng is None and resolve_place(address=address) is None:
        raise ValidationError("请在地图上选点或使用手机定位，或填写能识别的地址（如小区、社区名称）。")
    # The intake locates it again through the same service: a building keeps its point.
    case = cases_adapter.intake(None, channel="resident", category=category, description=description, lng=lng,
                                lat=lat, address=address, requester_name=(name or "")[:50],
                                requester_phone=phone, photos=photos, source="居民自报（短信验证）")
    for bucket, limit, window, message in limits:
        ratelimit.hit(bucket, limit + 1, window, message)
    return case


@transaction.atomic
def resident_rate(case, phone: str, *, solved: bool, satisfaction: str, note: str = "") -> CallBack:
    """The requester rates a closed case from the public page; it answers that closure's call-back."""
    from civicgrid.cases import workflow as W

    if case.requester_phone_hash != lookup_hash(clean_mobile(phone)):
        raise PermissionDenied("只有诉求人本人可以评价。")
    if case.state != W.CLOSED:
        raise ValidationError("案件办结后才能评价。")
    solved, satisfaction = _clean_answers(True, solved, satisfaction)
    cb = enqueue_callback(case)
    cb = CallBack.objects.select_for_update().get(pk=cb.pk)
    if cb.state != CallBack.PENDING:
        raise ValidationError("这次办结已经评价过了，谢谢！")
    cb.state, cb.source, cb.reached, cb.solved, cb.satisfaction = CallBack.DONE, "resident", True, solved, satisfaction
    cb.note, cb.done_at, cb.attempts = (note or "").strip()[:500], timezone.now(), cb.attempts + 1
    _apply_unhappy(None, cb)  # a resident's unhappy rating is reviewed, never reopens by itself
    cb.save()
    audit.record(f"居民 {case.requester_phone_masked}", "hotline.resident_rating", cb,
                 detail={"case": case.number, "solved": solved, "satisfaction": satisfaction, "follow_up": cb.follow_up})
    return cb
