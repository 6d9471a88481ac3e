"""Every board figure from the rollups equals the same figure counted from the raw cases."""
from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.dashboard import figures
from civicgrid.dashboard.models import COUNTERS, DailyRollup, DailyTotal, HeatCell, LiveCase, ReconciliationRun
from civicgrid.dashboard.reconcile import reconcile

from .conftest import T0, report, simulate


def _areas(t):
    return [t.city, t.district, t.streets["A"], t.streets["B"], t.communities["A1"], t.communities["B2"],
            t.grid("A1a"), t.grid("B1a"), t.grid("A2b")]


def _periods(end: dt.datetime):
    d0, d1 = T0.date(), end.date()
    mid = d0 + (d1 - d0) / 2
    return [(d0, d1), (d0, mid), (mid, d1), (d0 + dt.timedelta(days=3), d0 + dt.timedelta(days=3)),
            (d0 - dt.timedelta(days=30), d0 - dt.timedelta(days=1)), (d0 - dt.timedelta(days=3), d1 + dt.timedelta(days=3))]


def test_every_figure_equals_raw_after_a_random_walk(territory, cats):
    """One random walk (it is the slow part), then every check against the raw cases."""
    walked = (territory, *simulate(territory, cats, n_cases=36, seed=11, days=18))
    _board_equals_raw(walked)
    _breakdowns_equal_raw(walked)
    _live_table_mirrors_open_cases(walked)
    _reconcile_finds_nothing_then_repairs_tampering(walked)


def _board_equals_raw(walked):
    t, cases, end = walked
    events = CaseEvent.objects.count()
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    # The walk must really exercise the workflow, or the comparison proves little.
    assert events > 120 and {"report", "file", "dispatch", "handle", "verify_pass", "close", "reopen"} <= actions
    assert {"take", "verify_fail"} & actions and Case.objects.filter(state=W.CLOSED).count() >= 8
    assert Case.objects.filter(state__in=W.OPEN_STATES).exists()
    compared = 0
    for area in _areas(t):
        for start, stop in _periods(end):
            for now in ((end, end + dt.timedelta(days=5)) if (start, stop) == _periods(end)[0] else (end,)):
                got = figures.board(area, start, stop, now=now)
                want = figures.board_raw(area, start, stop, now=now)
                assert got == want, (area.name, start, stop)
                compared += 1
    whole = figures.board(t.district, T0.date() - dt.timedelta(days=1), end.date(), now=end)
    assert whole["totals"]["reported"] == len(cases)
    assert whole["totals"]["closed"] == Case.objects.filter(state=W.CLOSED).count()
    assert whole["open_now"] == Case.objects.filter(state__in=W.OPEN_STATES).count()
    assert whole["response"]["due"] > 0 and whole["totals"]["answered"] > 0  # the 响应 counters were exercised
    assert sum(sum(v.values()) for v in whole["by_day_channel"].values()) == len(cases)
    assert compared == len(_areas(t)) * 7


def _breakdowns_equal_raw(walked):
    t, cases, end = walked
    start, stop = T0.date(), end.date()
    regions = list(t.streets.values()) + list(t.communities.values()) + list(t.grids.values())
    assert figures.by_region(regions, start, stop) == figures.by_region_raw(regions, start, stop)
    # Department view: closures by the department that closed them, counted from the cases.
    from django.db.models import Count

    got = {k: v["closed"] for k, v in figures.by_department(t.district, start, stop).items() if v["closed"]}
    lo, hi = dt.datetime.combine(start, dt.time.min, T0.tzinfo), dt.datetime.combine(stop + dt.timedelta(days=1),
                                                                                      dt.time.min, T0.tzinfo)
    want = {(d or 0): n for d, n in Case.objects.filter(closed_at__gte=lo, closed_at__lt=hi)
            .values_list("department").annotate(n=Count("pk")).values_list("department", "n")}
    assert got == want


def _live_table_mirrors_open_cases(walked):
    t, cases, end = walked
    open_ids = set(Case.objects.filter(state__in=W.OPEN_STATES).values_list("pk", flat=True))
    assert set(LiveCase.objects.values_list("case_id", flat=True)) == open_ids
    for live in LiveCase.objects.select_related("case"):
        assert (live.state, live.due_at, live.unit_id) == (live.case.state, live.case.due_at, live.case.assigned_unit_id)


def _reconcile_finds_nothing_then_repairs_tampering(walked):
    t, cases, end = walked
    start, stop = T0.date() - dt.timedelta(days=1), end.date()
    run = reconcile(start, stop)
    assert (run.rows_fixed, run.heat_fixed, run.live_fixed) == (0, 0, 0) and run.rows_checked > 50
    before = figures.board(t.streets["A"], start, stop, now=end)
    # Tamper: bump one counter, delete a row, invent a row, bump a day total, lose a live case and a heat cell.
    row = DailyRollup.objects.filter(region=t.streets["A"], closed__gt=0).first()
    DailyRollup.objects.filter(pk=row.pk).update(closed=row.closed + 5)
    total = DailyTotal.objects.get(region=t.streets["A"], day=row.day)
    DailyTotal.objects.filter(pk=total.pk).update(closed=total.closed + 2)
    DailyRollup.objects.filter(region=t.district, reported__gt=0).order_by("day").first().delete()
    DailyRollup.objects.create(day=start, region=t.grid("B2a"), level="grid", category_id=row.category_id,
                               channel="hotline", reported=3)
    LiveCase.objects.order_by("pk").first().delete()
    HeatCell.objects.order_by("pk").first().delete()
    assert figures.board(t.streets["A"], start, stop, now=end) != before
    run = reconcile(start, stop)
    assert (run.rows_fixed, run.totals_fixed, run.live_fixed, run.heat_fixed) == (3, 1, 1, 1)
    assert run.detail and ReconciliationRun.objects.count() == 2
    assert figures.board(t.streets["A"], start, stop, now=end) == before
    for area in (t.district, t.grid("B2a")):
        assert figures.board(area, start, stop, now=end) == figures.board_raw(area, start, stop, now=end)
    assert reconcile(start, stop).rows_fixed == 0


def test_rollup_written_in_the_event_transaction(territory, cats):
    """A failed step leaves no trace in the rollups: its deltas roll back with the event; the fold
    moves the committed ones into the rollups once."""
    from django.db import transaction

    from civicgrid.dashboard.fold import fold
    from civicgrid.dashboard.models import HeatDelta, RollupDelta

    t = territory
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            report(t, cats)
            # One row carrying the chain: grid, community, street, district, city.
            (delta,) = RollupDelta.objects.filter(reported=1)
            assert delta.regions() == [(t.grids["A1a"].pk, "grid"), (t.communities["A1"].pk, "community"),
                                       (t.streets["A"].pk, "street"), (t.district.pk, "district"), (t.city.pk, "city")]
            raise RuntimeError
    assert not RollupDelta.objects.exists() and not LiveCase.objects.exists() and not HeatDelta.objects.exists()
    c = report(t, cats, where="B1a")
    assert not DailyRollup.objects.exists() and RollupDelta.objects.count() == 1  # appended, not folded yet
    fold()
    assert not RollupDelta.objects.exists() and not HeatDelta.objects.exists()
    fold()  # nothing left: a second fold adds nothing
    rows = {(r.level, r.region_id): r.reported for r in DailyRollup.objects.all()}
    assert rows == {("grid", c.grid_id): 1, ("community", c.community_id): 1, ("street", c.street_id): 1,
                    ("district", c.district_id): 1, ("city", t.city.pk): 1}
    assert HeatCell.objects.get().n == 1 and LiveCase.objects.get().case_id == c.pk


def test_hotline_response_rate_from_rollups_matches_the_hotline_definition(territory, cats):
    """响应率 on the board (rollups + the live table) equals the hotline's own count from the raw cases."""
    from civicgrid.cases import services as S
    from civicgrid.hotline.rates import hotline_rates

    t = territory
    in_time = report(t, cats, channel="hotline", where="A1a", now=T0)
    S.act(t.users["dispatcher_A"], in_time, "file", now=T0 + dt.timedelta(minutes=10))
    late = report(t, cats, channel="hotline", where="B1a", now=T0 + dt.timedelta(hours=1))
    S.act(t.users["dispatcher_B"], late, "file", now=T0 + dt.timedelta(days=6))
    waiting = report(t, cats, channel="hotline", where="A2a", now=T0 + dt.timedelta(hours=2))  # never answered
    grid = report(t, cats, channel="grid_worker", where="A1b", now=T0 + dt.timedelta(hours=3))  # not a requester
    S.act(t.users["dispatcher_A"], grid, "file", now=T0 + dt.timedelta(days=8))
    assert late.accept_due < T0 + dt.timedelta(days=6) and in_time.accept_due > T0 + dt.timedelta(minutes=10)
    day0, day9 = T0.date(), T0.date() + dt.timedelta(days=9)

    early = waiting.accept_due - dt.timedelta(minutes=1)  # the waiting case is not yet due an answer
    later = T0 + dt.timedelta(days=20)                    # now it is, and late
    expect = {early: (2, 1), later: (3, 1)}
    for now, (due, responded) in expect.items():
        got = figures.response(t.district, day0, day9, now)
        assert (got["due"], got["responded"], got["rate"]) == (due, responded, round(responded / due, 4))
        total = hotline_rates(t.users["commander"], start=day0, end=day9, now=now)[-1]
        assert (total["due"], total["responded"], total["response_rate"]) == (due, responded, got["rate"])
        for area in _areas(t):
            for start, stop in ((day0, day9), (day0, day0), (day0 + dt.timedelta(days=1), day9)):
                assert figures.response(area, start, stop, now) == figures.board_raw(area, start, stop, now=now)[
                    "response"], (area.name, start, stop, now)
    # Counted on the day the case came in, whenever it was answered.
    assert figures.response(t.streets["B"], day0, day0, later) == {"due": 1, "responded": 0, "rate": 0.0}
    assert figures.totals(t.district, day0, day9)["answered"] == 3  # the grid worker's case has its first step too
    assert reconcile(day0, day9).rows_fixed == 0
    # The cards link to the cases behind them: the due ones and the late ones.
    from civicgrid.dashboard.selectors import Period, cases_behind

    period = Period(day0, day9)
    user = t.users["commander"]
    due_ids = set(cases_behind(user, t.district, "response_due", period).values_list("pk", flat=True))
    late_ids = set(cases_behind(user, t.district, "response_late", period).values_list("pk", flat=True))
    assert due_ids == {in_time.pk, late.pk, waiting.pk} and late_ids == {late.pk, waiting.pk}
    street_a = set(cases_behind(t.users["dispatcher_A"], t.streets["A"], "response_late", period)
                   .values_list("pk", flat=True))
    assert street_a == {waiting.pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deltas_not_folded_before_the_chain_migration_are_folded_once_after_it(territory, cats):
    """Rows appended in the old shape (one region and its level a row) and not folded yet when
    dashboard 0008 runs are carried over, each region in its level's column, and the next fold counts
    them exactly as the old fold would have."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from civicgrid.dashboard.fold import fold

    t = territory
    executor = MigrationExecutor(connection)
    executor.migrate([("dashboard", "0007_board_answers_index")])
    day = T0.date()
    old = [(t.grids["A1a"].pk, "grid"), (t.communities["A1"].pk, "community"), (t.streets["A"].pk, "street"),
           (t.district.pk, "district"), (t.city.pk, "city")]
    counters = "reported, filed"
    zeros = [c for c in COUNTERS if c not in ("reported", "filed")]
    with connection.cursor() as cur:
        for region_id, level in old:
            cur.execute(f"INSERT INTO dashboard_rollupdelta (day, region_id, level, category_id, department_key, "
                        f"channel, {counters}, {', '.join(zeros)}) VALUES (%s, %s, %s, %s, 0, 'hotline', 2, 1, "
                        f"{', '.join('0' for _ in zeros)})", [day, region_id, level, cats["01037"].pk])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from civicgrid.dashboard.models import RollupDelta

    assert sorted(r for d in RollupDelta.objects.all() for r in d.regions()) == sorted(old)
    fold()
    rows = {(r.level, r.region_id): (r.reported, r.filed) for r in DailyRollup.objects.filter(day=day)}
    assert rows == {(level, rid): (2, 1) for rid, level in old}
    totals = {r.region_id: r.reported for r in DailyTotal.objects.filter(day=day)}
    assert totals == {rid: 2 for rid, _ in old}
