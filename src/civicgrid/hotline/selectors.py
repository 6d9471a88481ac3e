"""Every hotline read a user triggers, through jurisdiction scoping."""
from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core import params as P
from civicgrid.core.phones import phone_hash
from civicgrid.core.scoping import get_visible_or_404, sees_everything, user_roles, visible_to

from . import search
from .models import Article, CallBack, Contact


def contacts_for(user) -> QuerySet[Contact]:
    return visible_to(user, Contact.objects.select_related("region", "case", "article", "operator"))


def contact_for(user, number: str) -> Contact:
    """One contact by number inside the user's jurisdiction; anything else is a 404."""
    return get_visible_or_404(user, Contact.objects.select_related("region", "case", "article"), number=number)


def callback_for(user, pk) -> CallBack:
    """One call-back the form names, inside the user's jurisdiction; anything else is a 404."""
    # parse_id, not int(): a number past bigint overflows the database; "abc" is a 400 that says so.
    return get_visible_or_404(user, CallBack.objects.all(), pk=P.parse_id(pk, "回访") or 0)


def rating_of(case: Case) -> CallBack | None:
    """The requester's answer for the case's current closure (the public page of their own case)."""
    if not case.closed_at:
        return None
    return CallBack.objects.filter(case=case, closed_at=case.closed_at, state=CallBack.DONE).first()


def queue_for(user) -> QuerySet[Contact]:
    """Pending contacts: urgent first, then oldest first."""
    return contacts_for(user).filter(outcome=Contact.PENDING).order_by("-urgent", "received_at", "id")


def caller_history(user, phone: str, *, exclude: int | None = None) -> dict:
    """Earlier contacts and cases of a caller, by the keyed hash of the phone number."""
    h = phone_hash(phone)  # the same canonical form the services stored
    if not h:
        return {"contacts": [], "cases": []}
    contacts = contacts_for(user).filter(caller_phone_hash=h).order_by("-received_at")
    if exclude:
        contacts = contacts.exclude(pk=exclude)
    cases = visible_to(user, Case.objects.select_related("category")).filter(requester_phone_hash=h).order_by("-created_at")
    return {"contacts": list(contacts[:20]), "cases": list(cases[:20])}


def articles_for(user) -> QuerySet[Article]:
    """Articles of the user's nodes, of the nodes above them (city-wide rules) and below them."""
    qs = Article.objects.select_related("region")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_everything(user):
        return qs
    q = Q(pk__in=[])
    for s in user_roles(user):
        node = s.region if s.region_id else (s.department_unit.region if s.department_unit_id else None)
        if node is None:
            continue
        q |= Q(region__path__startswith=node.path)
        codes = [c for c in node.path.strip("/").split("/") if c]
        q |= Q(region__code__in=codes)
    return qs.filter(q)


def kb_search(user, query: str = "", *, category: str = "", valid_only: bool = True, limit: int = 20) -> list[Article]:
    qs = articles_for(user).filter(active=True)
    if category:
        qs = qs.filter(category=category)
    if valid_only:
        today = timezone.localdate()
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    if query.strip():
        return search.search(qs, query, limit=limit)
    return list(qs.order_by("-used_count", "title")[:limit])


def unused_articles(user, *, days: int = 90) -> QuerySet[Article]:
    since = timezone.now() - dt.timedelta(days=days)
    return articles_for(user).filter(active=True).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=since))


def outdated_articles(user) -> QuerySet[Article]:
    today = timezone.localdate()
    return articles_for(user).filter(active=True, valid_until__lt=today)


def callbacks_due(user) -> QuerySet[CallBack]:
    return visible_to(user, CallBack.objects.select_related("case__category", "street")).filter(
        state=CallBack.PENDING).order_by("closed_at", "id")


def callbacks_done_by(user) -> QuerySet[CallBack]:
    """The operator's own recent call-backs, with what became of each case."""
    return (visible_to(user, CallBack.objects.select_related("case__category", "street"))
            .filter(operator=user).exclude(state=CallBack.PENDING).order_by("-done_at", "-id"))


def reviews_for(user) -> QuerySet[CallBack]:
    return visible_to(user, CallBack.objects.select_related("case__category", "street")).filter(follow_up="review")


# -- public (residents) ----------------------------------------------------------------------
def public_case(number: str, phone: str) -> Case | None:
    """A case found by its number AND its requester's phone: nothing is shown to anyone else."""
    number = (number or "").strip().upper()
    h = phone_hash(phone)  # the same canonical form the services stored
    if not number or not h:
        return None
    return Case.objects.select_related("category").filter(number=number, requester_phone_hash=h).first()


PUBLIC_STEPS = {
    "report": "已收到您的诉求", "take": "社区已受理", "file": "已立案", "not_file": "不予立案",
    "dispatch": "已派至处置单位", "reroute": "已改派处置单位", "return": "处置单位退回，重新派遣中",
    "request_extension": "处置单位申请延期", "approve_extension": "延期已批准", "refuse_extension": "处置中",
    "handle": "已处置，待核查", "verify_pass": "核查通过", "verify_fail": "核查未通过，重新处置",
    "close": "已办结", "suspend": "暂缓办理", "resume": "恢复办理", "escalate": "已提级办理",
    "merge": "与同一问题合并办理", "reopen": "已重新办理",
}


def public_timeline(case: Case) -> list[dict]:
    """What a resident may see: steps and times, photos; never staff names, notes or units."""
    out = []
    for e in CaseEvent.objects.filter(case=case).prefetch_related("attachments").order_by("seq"):
        out.append({"at": e.at, "label": PUBLIC_STEPS.get(e.action, "办理中"),
                    "photos": [a for a in e.attachments.all() if a.kind in ("before", "evidence")]})
    return out
