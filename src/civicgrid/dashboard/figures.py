"""The board's figures, two ways: from the rollups (what pages show) and from the raw cases (the check).

`board(area, start, end)` and `board_raw(area, start, end)` return the same structure; the tests
and bench/kpi.py assert they are equal. Neither function scopes: callers pass an area the user
may see (selectors.py does that).

Definitions (shown on the board):
    受理数 reported       cases that came in (report events), by the day they came in
    立案数 filed          cases filed (立案) or taken by the community (社区受理)
    派遣数 dispatched     dispatch and re-dispatch (改派) steps
    处置数 handled        handling reports (处置反馈)
    返工数 reworked       failed verifications (核查不通过)
    结案数 closed         cases closed; 按期结案数 those whose last handling met its deadline
    应结案数              = 立案数 of the same period and area (for a department: its 派遣数)
    立案率 = 立案数 / 受理数        结案率 = 结案数 / 应结案数      按期结案率 = 按期结案数 / 应结案数
    返工率 = 返工数 / 应结案数      延期率 = 延期数 / 应结案数      平均处置用时 = Σ处置用时 / 有处置用时的结案数
Flows of one period are compared, so a period that clears an older backlog can exceed 100 %.
    热线响应率 = 按时响应数 / 应响应数 over the requester channels' cases that came in in the period
             (the hotline's definition, hotline/rates.py): 应响应数 = those answered (first step taken)
             + those still waiting past their acceptance deadline; 按时 = first step by the deadline.
             Answered ones come from the rollups; the waiting ones (a handful, all still 待受理) are
             counted from the open cases.
"""
from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum
from django.db.models.functions import Cast, Round, TruncDate
from django.utils import timezone

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.hotline.rates import REQUESTER_CHANNELS, response_counts

from .models import ANSWER_ROWS, COUNTERS, HOUR_BUCKETS, DailyRollup, DailyTotal, LiveCase
from .fold import fold
from .reconcile import bounds
from .rollup import FIRST_STEP_SEQ, SIMPLE

OVERDUE_EXCLUDED = (W.SUSPENDED,)  # a suspended case's due date is its review date, not a deadline


def ratio(n, d) -> float | None:
    return round(n / d, 4) if d else None


def rates(t: dict) -> dict:
    base = t.get("filed", 0)
    return {
        "filing_rate": ratio(t.get("filed", 0), t.get("reported", 0)),
        "closure_rate": ratio(t.get("closed", 0), base),
        "on_time_rate": ratio(t.get("closed_on_time", 0), base),
        "rework_rate": ratio(t.get("reworked", 0), base),
        "extension_rate": ratio(t.get("extended", 0), base),
        "avg_hours": round(t["closed_centihours"] / 100 / t["closed_timed"], 2) if t.get("closed_timed") else None,
    }


def _empty_totals() -> dict:
    return {c: 0 for c in COUNTERS}


def _finish(totals: dict, by_day_channel: dict, by_day: dict, top: list, live: dict, response: dict) -> dict:
    return {
        "response": response,
        "totals": totals,
        "rates": rates(totals),
        "hist": [totals[f"h{i}"] for i in range(len(HOUR_BUCKETS) + 1)],
        "by_day_channel": by_day_channel,
        "by_day": by_day,
        "top_categories": top,
        **live,
    }


def _day_key(d) -> str:
    return d.isoformat() if isinstance(d, dt.date) else str(d)


# -- from the rollups ----------------------------------------------------------------------------
# Every read of the rollups folds the deltas the live path appended first (fold.py): a read sees
# every event that had committed when it began, as when the events wrote the rollups themselves.
def rollup_rows(area, start: dt.date, end: dt.date):
    fold()
    return DailyRollup.objects.filter(region=area, day__gte=start, day__lte=end)


def total_rows(area, start: dt.date, end: dt.date):
    fold()
    return DailyTotal.objects.filter(region=area, day__gte=start, day__lte=end)


def totals(area, start: dt.date, end: dt.date) -> dict:
    agg = total_rows(area, start, end).aggregate(**{c: Sum(c) for c in COUNTERS})
    return {c: int(agg[c] or 0) for c in COUNTERS}


def live_figures(area, now: dt.datetime) -> dict:
    """Open cases by state and those overdue now, in one pass over the area's live rows."""
    late = Q(due_at__lte=now) & ~Q(state__in=OVERDUE_EXCLUDED)
    rows = (LiveCase.objects.filter(path__startswith=area.path).values_list("state")
            .annotate(n=Count("pk"), late=Count("pk", filter=late)).values_list("state", "n", "late"))
    by_state, overdue = {}, 0
    for state, n, n_late in rows:
        by_state[state] = n
        overdue += n_late
    return {"open_now": sum(by_state.values()), "overdue_now": overdue, "open_by_state": by_state}


def _response(due: int, responded: int) -> dict:
    return {"due": due, "responded": responded, "rate": ratio(responded, due)}


def response(area, start: dt.date, end: dt.date, now: dt.datetime, *, answered: dict | None = None) -> dict:
    """热线响应率 of the requester channels' cases that came in in [start, end].

    answered: {"answered": n, "in_time": n} when the caller has already summed them from the rollups."""
    # Rows with nothing answered add nothing; saying so lets PostgreSQL read the partial index
    # rollup_answers alone (at 5M cases 1.1 s as a scan of the whole table, which it chose).
    agg = answered or (rollup_rows(area, start, end).filter(ANSWER_ROWS, channel__in=REQUESTER_CHANNELS)
                       .aggregate(answered=Sum("answered"), in_time=Sum("answered_in_time")))
    lo, hi = bounds(start, end)
    # Not answered yet means still 待受理: a few of the open cases, found by the (state, due_at) index.
    late = (Case.objects.filter(area_q(area), state=W.REPORTED, channel__in=REQUESTER_CHANNELS, created_at__gte=lo,
                                created_at__lt=hi, accept_due__lt=now)
            .exclude(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), seq=FIRST_STEP_SEQ))).count())
    return _response(int(agg["answered"] or 0) + late, int(agg["in_time"] or 0))


def _breakdowns(area, start: dt.date, end: dt.date, top_n: int) -> tuple[dict, list, dict]:
    """From the area's rollup rows of the period: reported by day and channel, the top categories
    by reported, and the requester channels' answered counts (for response()).

    On PostgreSQL one pass with GROUPING SETS: the three are sums over the same rows (a district's
    year is some hundreds of thousands at five million cases), and reading them once instead of
    three times is most of the board's time. Elsewhere (SQLite), three grouped queries."""
    rows = rollup_rows(area, start, end)
    by_day_channel: dict = {}
    if connection.vendor == "postgresql":
        table = DailyRollup._meta.db_table
        cats: list = []
        answered = {"answered": 0, "in_time": 0}
        with connection.cursor() as cur:
            # GROUPING(day, channel, category_id) tells the sets apart: 1 = (day, channel),
            # 6 = (category_id), 5 = (channel). Rows with nothing reported or answered add nothing
            # to these sums, and they are most rows (a day's later steps, per department): the
            # condition is the partial index rollup_answers' (models.ANSWER_ROWS, written out here),
            # whose columns answer it alone.
            cur.execute(f"SELECT GROUPING(day, channel, category_id), day, channel, category_id, SUM(reported), "
                        f"SUM(answered), SUM(answered_in_time) FROM {table} "
                        f"WHERE region_id = %s AND day >= %s AND day <= %s AND (reported > 0 OR answered > 0) "
                        f"GROUP BY GROUPING SETS ((day, channel), (category_id), (channel))", [area.pk, start, end])
            for grouping, day, channel, category, reported, n_answered, in_time in cur.fetchall():
                if grouping == 1 and reported:
                    by_day_channel.setdefault(_day_key(day), {})[channel] = int(reported)
                elif grouping == 6 and reported:
                    cats.append((category, int(reported)))
                elif grouping == 5 and channel in REQUESTER_CHANNELS:
                    answered["answered"] += int(n_answered)
                    answered["in_time"] += int(in_time)
        top = sorted(cats, key=lambda c: (-c[1], c[0]))[:top_n]
        return by_day_channel, top, answered
    for r in rows.values("day", "channel").annotate(n=Sum("reported")).filter(n__gt=0):
        by_day_channel.setdefault(_day_key(r["day"]), {})[r["channel"]] = int(r["n"])
    top = [(r["category_id"], int(r["n"])) for r in
           rows.values("category_id").annotate(n=Sum("reported")).filter(n__gt=0).order_by("-n", "category_id")[:top_n]]
    answered = (rows.filter(channel__in=REQUESTER_CHANNELS)
                .aggregate(answered=Sum("answered"), in_time=Sum("answered_in_time")))
    return by_day_channel, top, answered


def board(area, start: dt.date, end: dt.date, *, now: dt.datetime | None = None, top_n: int = 10) -> dict:
    now = now or timezone.now()
    t = totals(area, start, end)
    by_day_channel, top, answered = _breakdowns(area, start, end, top_n)
    by_day: dict = {}
    for r in total_rows(area, start, end).filter(Q(filed__gt=0) | Q(closed__gt=0)).values(
            "day", "filed", "closed", "closed_on_time"):
        by_day[_day_key(r["day"])] = {"filed": r["filed"], "closed": r["closed"], "closed_on_time": r["closed_on_time"]}
    return _finish(t, by_day_channel, by_day, top, live_figures(area, now),
                   response(area, start, end, now, answered=answered))


# -- from the raw cases --------------------------------------------------------------------------
def area_q(area, prefix: str = "") -> Q:
    if area.level == "city":
        return Q(**{f"{prefix}district__parent": area})
    return Q(**{f"{prefix}{area.level}": area})


def totals_raw(area, start: dt.date, end: dt.date) -> dict:
    lo, hi = bounds(start, end)
    cases = Case.objects.filter(area_q(area))
    t = _empty_totals()
    t["reported"] = cases.filter(created_at__gte=lo, created_at__lt=hi).count()
    t["filed"] = cases.filter(filed_at__gte=lo, filed_at__lt=hi).count()
    events = (CaseEvent.objects.filter(area_q(area, "case__"), at__gte=lo, at__lt=hi)
              .exclude(action__in=("report", "file", "take", "close")))
    for action, n in events.values_list("action").annotate(n=Count("pk")).values_list("action", "n"):
        if action in SIMPLE:
            t[SIMPLE[action]] += n
    closed = cases.filter(closed_at__gte=lo, closed_at__lt=hi)
    timed = Q(handling_hours__isnull=False)
    buckets = {}
    lower = None
    for i, upper in enumerate((*HOUR_BUCKETS, None)):
        q = timed
        if lower is not None:
            q &= Q(handling_hours__gte=lower)
        if upper is not None:
            q &= Q(handling_hours__lt=upper)
        buckets[f"h{i}"] = Count("pk", filter=q)
        lower = upper
    agg = closed.aggregate(
        closed=Count("pk"), closed_on_time=Count("pk", filter=Q(handled_on_time=True)),
        closed_reworked=Count("pk", filter=Q(rework_count__gt=0)), closed_timed=Count("pk", filter=timed),
        closed_centihours=Sum(Cast(Round(F("handling_hours") * 100), IntegerField()), filter=timed), **buckets)
    for k, v in agg.items():
        t[k] = int(v or 0)
    first = CaseEvent.objects.filter(area_q(area, "case__"), seq=FIRST_STEP_SEQ, case__created_at__gte=lo,
                                     case__created_at__lt=hi)
    in_time = Q(case__accept_due__isnull=True) | Q(at__lte=F("case__accept_due"))
    for k, v in first.aggregate(answered=Count("pk"), answered_in_time=Count("pk", filter=in_time)).items():
        t[k] = int(v or 0)
    return t


def live_figures_raw(area, now: dt.datetime) -> dict:
    qs = Case.objects.filter(area_q(area), state__in=W.OPEN_STATES)
    by_state = dict(qs.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    overdue = qs.exclude(state__in=OVERDUE_EXCLUDED).filter(due_at__lte=now).count()
    return {"open_now": sum(by_state.values()), "overdue_now": overdue, "open_by_state": by_state}


def board_raw(area, start: dt.date, end: dt.date, *, now: dt.datetime | None = None, top_n: int = 10) -> dict:
    now = now or timezone.now()
    lo, hi = bounds(start, end)
    tz = timezone.get_current_timezone()
    cases = Case.objects.filter(area_q(area))
    t = totals_raw(area, start, end)
    reported = cases.filter(created_at__gte=lo, created_at__lt=hi)
    by_day_channel: dict = {}
    for r in reported.annotate(d=TruncDate("created_at", tzinfo=tz)).values("d", "channel").annotate(n=Count("pk")):
        by_day_channel.setdefault(_day_key(r["d"]), {})[r["channel"]] = r["n"]
    by_day: dict = {}
    for r in (cases.filter(filed_at__gte=lo, filed_at__lt=hi).annotate(d=TruncDate("filed_at", tzinfo=tz))
              .values("d").annotate(n=Count("pk"))):
        by_day.setdefault(_day_key(r["d"]), {"filed": 0, "closed": 0, "closed_on_time": 0})["filed"] = r["n"]
    for r in (cases.filter(closed_at__gte=lo, closed_at__lt=hi).annotate(d=TruncDate("closed_at", tzinfo=tz))
              .values("d").annotate(n=Count("pk"), on_time=Count("pk", filter=Q(handled_on_time=True)))):
        row = by_day.setdefault(_day_key(r["d"]), {"filed": 0, "closed": 0, "closed_on_time": 0})
        row["closed"], row["closed_on_time"] = r["n"], r["on_time"]
    top = [(r["category_id"], r["n"]) for r in
           reported.values("category_id").annotate(n=Count("pk")).order_by("-n", "category_id")[:top_n]]
    counted = response_counts(cases.filter(created_at__gte=lo, created_at__lt=hi), now)[0]
    return _finish(t, by_day_channel, by_day, top, live_figures_raw(area, now),
                   _response(counted["due"], counted["responded"]))


# -- breakdowns (rankings, map colouring) ---------------------------------------------------------
def by_region(regions, start: dt.date, end: dt.date, counters=COUNTERS) -> dict[int, dict]:
    """region id → counters summed over the period, for each of `regions` (any levels)."""
    out = {r.pk: {c: 0 for c in counters} for r in regions}
    fold()
    qs = (DailyTotal.objects.filter(region__in=list(out), day__gte=start, day__lte=end)
          .values("region_id").annotate(**{c: Sum(c) for c in counters}))
    for r in qs:
        out[r["region_id"]] = {c: int(r[c] or 0) for c in counters}
    return out


def by_region_raw(regions, start: dt.date, end: dt.date) -> dict[int, dict]:
    return {r.pk: totals_raw(r, start, end) for r in regions}


def by_department(area, start: dt.date, end: dt.date) -> dict[int, dict]:
    """department key → counters, for cases of `area` (0 = not with a department)."""
    out: dict[int, dict] = {}
    for r in rollup_rows(area, start, end).values("department_key").annotate(**{c: Sum(c) for c in COUNTERS}):
        out[r["department_key"]] = {c: int(r[c] or 0) for c in COUNTERS}
    return out


def matrix(regions, start: dt.date, end: dt.date) -> dict[tuple[int, int], dict]:
    """(region id, department key) → counters: how each department serves each region."""
    out: dict[tuple[int, int], dict] = {}
    fold()
    qs = (DailyRollup.objects.filter(region__in=[r.pk for r in regions], day__gte=start, day__lte=end)
          .exclude(department_key=0).values("region_id", "department_key")
          .annotate(**{c: Sum(c) for c in COUNTERS}))
    for r in qs:
        out[(r["region_id"], r["department_key"])] = {c: int(r[c] or 0) for c in COUNTERS}
    return out


def live_by_region(area, now: dt.datetime, level: str) -> dict[int, dict]:
    """For regions at `level` under `area`: open and overdue now, from the live table."""
    from civicgrid.regions.models import Region

    regions = {r.pk: r.path for r in Region.objects.filter(path__startswith=area.path, level=level)}
    out = {pk: {"open": 0, "overdue": 0} for pk in regions}
    if not regions:
        return out
    depth = len(next(iter(regions.values())).strip("/").split("/"))
    by_path = {p: pk for pk, p in regions.items()}
    qs = LiveCase.objects.filter(path__startswith=area.path).values_list("path", "state", "due_at")
    for path, state, due in qs.iterator(chunk_size=5000):
        parts = path.strip("/").split("/")
        if len(parts) < depth:
            continue
        pk = by_path.get("/" + "/".join(parts[:depth]) + "/")
        if pk is None:
            continue
        out[pk]["open"] += 1
        if state not in OVERDUE_EXCLUDED and due is not None and due <= now:
            out[pk]["overdue"] += 1
    return out
