"""Every user-triggered read of cases, always through jurisdiction scoping."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Case as When_, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from civicgrid.core import params as P
from civicgrid.core import roles as R
from civicgrid.core.scoping import get_visible_or_404, has_role, sees_everything, user_roles, visible_to

from . import workflow as W
from .models import Case, Category

# What each role has to act on: the states that make up its to-do list.
TODO_STATES = {
    R.GRID_WORKER: [W.HANDLED],
    R.COMMUNITY_STAFF: [W.REPORTED, W.COMMUNITY_HANDLING, W.HANDLED, W.VERIFIED],
    R.STREET_DISPATCHER: [W.REPORTED, W.FILED, W.RETURNED, W.EXTENSION_REQUESTED, W.VERIFIED, W.SUSPENDED],
    R.DISTRICT_COMMANDER: [W.FILED, W.RETURNED, W.EXTENSION_REQUESTED, W.VERIFIED],
    R.DEPARTMENT_HANDLER: [W.DISPATCHED],
    R.HOTLINE_OPERATOR: [W.HANDLED],
}


def cases_for(user) -> QuerySet[Case]:
    return visible_to(user, Case.objects.all()).select_related(
        "category", "grid", "community", "street", "assigned_unit", "region")


def case_for(user, number: str) -> Case:
    """One case by number; outside the jurisdiction it is a 404, like a case that does not exist."""
    return get_visible_or_404(user, Case.objects.select_related(
        "category", "grid", "community", "street", "district", "assigned_unit__department", "reporter",
        "possible_duplicate", "duplicate_of", "region"), number=number)


def with_urgency(qs: QuerySet[Case], now: dt.datetime | None = None) -> QuerySet[Case]:
    """Overdue first, then past the warning point, then by deadline; closed last."""
    now = now or timezone.now()
    return qs.annotate(urgency=When_(
        When(state__in=list(W.TERMINAL), then=Value(9)),
        When(due_at__lte=now, then=Value(0)),
        When(warn_at__lte=now, then=Value(1)),
        When(due_at__isnull=True, then=Value(3)),
        default=Value(2), output_field=IntegerField(),
    )).order_by("urgency", "due_at", "-created_at", "-id")


_CHAIN_COLUMNS = {"grid": "grid_id", "community": "community_id", "street": "street_id", "district": "district_id"}


def _in_area(pk: int, level: str, path: str) -> Q:
    """Cases in the region's subtree. Its path is a prefix of the case region's path exactly when the
    case's chain column of that level names it; the column is on the case table, where the indexes
    can use it (a join condition on the region's path cannot)."""
    column = _CHAIN_COLUMNS.get(level)
    return Q(**{column: pk}) if column else Q(region__path__startswith=path)


def _states_q(states, dated: bool = False) -> Q:
    """state IN `states` (open states). `dated`: the condition for rows that have a deadline, written
    as "none of the other open states": the same rows, because only an open case has a deadline (the
    check constraint case_deadline_only_while_open). Why: PostgreSQL estimates "in these open states
    and due before now" as the product of the two, but the deadline's condition alone already keeps
    to open cases (98 % of cases are closed, without one). At 5M cases it expected 675 overdue cases
    in a street dispatcher's to-do where there were 29,821, sorted them instead of walking the
    deadline index and took 72 ms instead of 2.4. Said as "not these few", the state's share is
    ~0.99 and the estimate is right."""
    if not dated:
        return Q(state__in=states)
    others = [s for s in W.OPEN_STATES if s not in states]
    return ~Q(state__in=others) if others else Q()


def _todo_q(user, dated: bool = False) -> Q:
    """Cases waiting for this user's roles: states each role acts in; handlers only in their units.
    `dated`: for rows with a deadline only (_states_q)."""
    if sees_everything(user):
        return _states_q(W.OPEN_STATES, dated)
    q = Q(pk__in=[])
    for seat in user_roles(user):
        states = TODO_STATES.get(seat.role, [])
        if not states:
            continue
        if seat.role == R.DEPARTMENT_HANDLER:
            q |= Q(assigned_unit_id=seat.department_unit_id) & _states_q([W.DISPATCHED, W.EXTENSION_REQUESTED], dated)
            continue
        tier = W.ROLE_TIER.get(seat.role)
        sq = _states_q(states, dated)
        if tier and W.REPORTED in states:  # its own tier's cases, and untaken reported ones of the tiers below
            sq &= Q(tier=tier) | Q(state=W.REPORTED, tier__in=[t for t, r in W.TIER_RANK.items() if r <= W.TIER_RANK[tier]])
        elif tier:
            # Said without the reported branch, which cannot match here, so the (tier, state, due_at)
            # index answers it: with the branch PostgreSQL walked every open case of the area by
            # deadline and threw most away (the commander's to-do: 70–100 ms a piece at 5M cases).
            sq &= Q(tier=tier)
        sq &= _in_area(seat.region.pk, seat.region.level, seat.region.path)
        if seat.role == R.HOTLINE_OPERATOR:
            sq &= Q(channel="hotline")
        q |= sq
    return q


@dataclass
class Filters:
    state: str = ""
    category: str = ""       # code or 2-digit major
    region: str = ""         # region code (street, community or grid)
    department: str = ""     # department code
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    view: str = "todo"       # todo | open | all | overdue
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, get) -> "Filters":
        f = cls(**{k: (get.get(k) or "").strip() for k in ("state", "category", "region", "department", "channel", "q")})
        f.view = get.get("view") or "todo"
        for name in ("date_from", "date_to"):
            raw = (get.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, P.parse_date(raw, "日期", field=name))
                except P.BadParameter:
                    f.errors.append(f"日期“{raw[:20]}”格式不对或超出范围，应为 {P.DATE_MIN.year}–{P.DATE_MAX.year} "
                                    "年间的 年-月-日")
        return f


def _filtered(user, f: Filters, now: dt.datetime) -> QuerySet[Case]:
    """The cases the filters select, unordered."""
    return _narrowed(user, f).filter(_view_q(user, f, now))


def _view_q(user, f: Filters, now: dt.datetime, dated: bool = False) -> Q:
    """The list's view: my to-do, the open cases, the overdue ones or all. `dated`: for rows with a
    deadline only (_states_q)."""
    if f.view == "todo":
        return _todo_q(user, dated)
    if f.view == "open":
        return _states_q(W.OPEN_STATES, dated)
    if f.view == "overdue":
        return _states_q(W.OPEN_STATES, dated) & Q(due_at__lte=now)
    return Q()


def _narrowed(user, f: Filters) -> QuerySet[Case]:
    """The user's cases narrowed by the filters other than the view, unordered. Every filter is put
    on a column of the case table itself (ids resolved from the small tables first), so the indexes
    on the case table answer it: a join condition like region__path__contains or created_at__date
    cannot use them."""
    from civicgrid.departments.models import Department
    from civicgrid.regions.models import Region

    qs = cases_for(user)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.category:
        qs = qs.filter(category_id__in=list(Category.objects.filter(code__startswith=f.category)
                                            .values_list("pk", flat=True)))
    if f.region:
        region = Region.objects.filter(code=f.region).values("pk", "level", "path").first()
        qs = qs.filter(_in_area(region["pk"], region["level"], region["path"]) if region else Q(pk__in=[]))
    if f.department:
        qs = qs.filter(department_id__in=list(Department.objects.filter(code=f.department).values_list("pk", flat=True)))
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.date_from:
        qs = qs.filter(created_at__gte=_local_midnight(f.date_from))
    if f.date_to:
        qs = qs.filter(created_at__lt=_local_midnight(f.date_to + dt.timedelta(days=1)))
    if f.q:
        if CASE_NUMBER_PREFIX.fullmatch(f.q):
            # A run of 8+ digits is (the start of) a case number, YYYYMMDD + serial: looked up on the
            # number's index alone. OR-ed with a text search it would read every case.
            qs = qs.filter(number__startswith=f.q)
        else:
            qs = qs.filter(Q(number__startswith=f.q) | Q(description__icontains=f.q) | Q(address__icontains=f.q))
    return qs


CASE_NUMBER_PREFIX = re.compile(r"[0-9]{8,20}")


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def search(user, f: Filters, now: dt.datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    return with_urgency(_filtered(user, f, now), now)


PER_PAGE = 30
# A stable order of the terminal states: the partial index on open cases (models.Case) names them in
# this order, and PostgreSQL uses a partial index only when the query states the same condition.
TERMINAL_STATES = sorted(W.TERMINAL)


def open_cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.exclude(state__in=TERMINAL_STATES)


def urgency_parts(qs: QuerySet[Case], now: dt.datetime, *, only_open: bool = False,
                  only_terminal: bool = False, dated: QuerySet[Case] | None = None) -> list[QuerySet[Case]]:
    """with_urgency()'s order as five index-ordered pieces, in order: overdue (by deadline), past the
    warning point (by deadline), the rest with a deadline (by deadline), open without a deadline
    (newest first), closed (newest first; a closed case has no deadline). Concatenated they are
    exactly search()'s order; each is read along an index, so a page never sorts the whole list.
    `dated`: qs's filters written for rows with a deadline (_states_q), used by the pieces that have
    one; without it they use qs."""
    # only_open: the filters already keep to open states. Saying it twice would make PostgreSQL
    # multiply the two selectivities, expect a handful of rows and sort them all instead of walking
    # the deadline index. For the same reason a piece with a deadline says no state at all beyond
    # `dated`'s: a deadline is itself "open".
    live = qs if only_open else open_cases(qs)
    with_deadline = live if dated is None else dated
    by_due = ("due_at", "-created_at", "-id")
    warned = Q(warn_at__lte=now)
    parts = [
        with_deadline.filter(due_at__lte=now).order_by(*by_due),
        with_deadline.filter(due_at__gt=now).filter(warned).order_by(*by_due),
        with_deadline.filter(due_at__gt=now).exclude(warned).order_by(*by_due),
        # Ordered by the (null) deadline first: then the deadline indexes give the order (PostgreSQL
        # does not take "due_at IS NULL" as fixing the index's first column and sorted the piece).
        live.filter(due_at__isnull=True).order_by(*by_due),
    ]
    if only_terminal:
        parts = []
    if not only_open:
        parts.append(qs.filter(state__in=TERMINAL_STATES).order_by("-created_at", "-id"))
    return parts


def worklist_page(user, f: Filters, number=1, *, per_page: int = PER_PAGE, now: dt.datetime | None = None):
    """One page of the worklist in search()'s order, without sorting or counting the case history:
    the pieces of urgency_parts() read in turn, counted up to paging.COUNT_CAP ("超过 1,000 件")."""
    from civicgrid.core import paging

    now = now or timezone.now()
    only_open = f.view in ("todo", "open", "overdue") or f.state in W.OPEN_STATES
    narrowed = _narrowed(user, f)
    qs = narrowed.filter(_view_q(user, f, now))
    dated = narrowed.filter(_view_q(user, f, now, dated=True))
    parts = urgency_parts(qs, now, only_open=only_open, only_terminal=f.state in W.TERMINAL, dated=dated)
    # The parts together are every case of qs (open ones by urgency, then the closed). A text search
    # is counted over them as one query: part by part it would test the text of every open case once
    # per part. Without one, part by part is faster (at 5M cases a street dispatcher's to-do counted
    # as one read 191 ms instead of 122: the planner's one plan for the union is worse than its four).
    return paging.chain_window(parts, number, per_page, fetch=_page_cases, whole=qs if f.q else None)


def _page_cases(ids: list[int]) -> dict[int, Case]:
    """The page's cases with what a row shows (the ids came from the user's scoped list)."""
    return Case.objects.select_related("category", "grid", "community", "street", "assigned_unit",
                                       "region").in_bulk(ids)


def nav_counts(user, now: dt.datetime | None = None, *, warning: bool = True) -> dict:
    """Counts for the navigation: my to-do, and how many of them are overdue or near it."""
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        return {}
    from civicgrid.core.paging import count_upto

    # Shown on every page: counted only up to NAV_CAP (the badge then reads "99+").
    qs = open_cases(cases_for(user).filter(_todo_q(user)))
    todo = count_upto(qs, NAV_CAP)
    if not todo:
        return {"todo": 0, "overdue": 0, "warning": 0}
    dated = cases_for(user).filter(_todo_q(user, dated=True))  # for the counts by deadline (_states_q)
    out = {"todo": todo, "overdue": count_upto(dated.filter(due_at__lte=now), NAV_CAP)}
    if warning:
        out["warning"] = count_upto(dated.filter(warn_at__lte=now, due_at__gt=now), NAV_CAP)
    return out


NAV_CAP = 99  # a badge says "99+" beyond; reading a thousand rows on every page was a third of a page


def _badge(n: int) -> str:
    return f"{NAV_CAP}+" if n > NAV_CAP else str(n)


def grid_worker_cases(user) -> dict:
    """The grid worker's phone view: cases to verify, open cases in my grids, what I reported lately."""
    mine = cases_for(user)
    return {
        "to_verify": with_urgency(mine.filter(state=W.HANDLED)),
        "open": with_urgency(mine.filter(state__in=W.OPEN_STATES).exclude(state=W.HANDLED))[:50],
        "reported": my_reports(user)[:20],
    }


def my_reports(user) -> QuerySet[Case]:
    """What the user reported, even where it now lies outside their grid (a worker follows up their own reports)."""
    return Case.objects.filter(reporter=user).select_related("category").order_by("-created_at")


def filter_choices(user) -> dict:
    from civicgrid.departments.models import Department
    from civicgrid.regions.models import Region

    # Only what the filter's <select> shows: not the boundaries (a few kB of geometry per region).
    regions = visible_to(user, Region.objects.filter(level__in=["street", "community", "grid"])).only(
        "code", "name", "level", "path").order_by("path")
    return {
        "states": W.STATE_CHOICES,
        "channels": Case.CHANNEL_CHOICES,
        "categories": Category.objects.order_by("code"),
        "regions": regions[:300],
        "departments": visible_to(user, Department.objects.all()) if not has_role(user, R.DEPARTMENT_HANDLER) or
        sees_everything(user) else Department.objects.filter(units__in=[s.department_unit_id for s in user_roles(user)
                                                                           if s.department_unit_id]).distinct(),
    }


def active_categories() -> QuerySet[Category]:
    """Public: the category list is the same for everyone."""
    return Category.objects.filter(active=True).order_by("code")


def active_category(*, pk=None, code: str | None = None) -> Category | None:
    """An active category by primary key (forms) or code (API, Open311); None when there is none."""
    qs = active_categories()
    if code is not None:
        return qs.filter(code=code).first()
    # parse_id, not int(): "99999999999999999999" overflows the database (a 500); "abc" is a 400.
    pk = P.parse_id(pk, "问题类别")
    return qs.filter(pk=pk).first() if pk is not None else None


def reportable_grids(user, channel: str) -> QuerySet:
    """The grids a user may pick when reporting: their jurisdiction's grids, except that the
    hotline takes calls about any grid of the city (the caller decides where the problem is; the
    intake then checks the district)."""
    from civicgrid.regions.models import Region

    grids = Region.objects.filter(level="grid").order_by("code")
    return grids if channel == "hotline" else visible_to(user, grids)


def visible_case(user, number: str) -> Case | None:
    """A case by number inside the user's jurisdiction, or None (never tells which of the two)."""
    number = (number or "").strip()
    return visible_to(user, Case.objects.all()).filter(number=number).first() if number else None


def can_see(user, case: Case | None) -> bool:
    return case is not None and visible_to(user, Case.objects.filter(pk=case.pk)).exists()


def department_unit(pk) -> "object | None":
    """A unit the form names; whether this user may dispatch to it is the service's decision."""
    from civicgrid.departments.models import DepartmentUnit

    pk = P.parse_id(pk, "处置单位")
    return DepartmentUnit.objects.filter(pk=pk).select_related("department").first() if pk is not None else None


def report_region(user, code: str):
    """A grid, community or street the API caller names for a report, inside their jurisdiction."""
    from civicgrid.regions.models import Region

    return visible_to(user, Region.objects.all()).filter(code=code).first()


def case_numbers(ids) -> dict[int, str]:
    """Numbers of cases already selected by a scoped figure (hot topics): pk → number."""
    return dict(Case.objects.filter(pk__in=set(ids)).values_list("pk", "number"))


def nav_badges(user) -> list[tuple[str, str, str]]:
    """The navigation badges of the 案件 link (cases/manifest.py): my to-do, and how many are overdue."""
    counts = nav_counts(user, warning=False)  # the badges show the to-do and the overdue only
    out = []
    if counts.get("todo"):
        out.append((_badge(counts["todo"]), "", "待办"))
    if counts.get("overdue"):
        out.append((f"超期 {_badge(counts['overdue'])}", "badge-overdue", "超期"))
    return out


def reports_of(case: Case) -> dict:
    """How many reports a hot spot's case stands for: itself, the reports merged into it and the
    open reports flagged as its possible duplicates. Two indexed counts on the foreign keys."""
    merged = Case.objects.filter(duplicate_of=case).count()
    suspected = Case.objects.filter(possible_duplicate=case, duplicate_of__isnull=True).exclude(
        state__in=[W.MERGED, W.NOT_FILED]).count()
    return {"merged": merged, "suspected": suspected, "total": 1 + merged + suspected}
