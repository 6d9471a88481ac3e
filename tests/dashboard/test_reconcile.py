"""Reconciliation while cases keep moving: it must never undo an event that committed meanwhile."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.dashboard import figures, reconcile as R
from civicgrid.dashboard.models import DailyRollup, LiveCase

from .conftest import T0, report


def _grid_row(case):
    from civicgrid.dashboard.fold import fold

    fold()
    return DailyRollup.objects.get(day=T0.date(), region_id=case.grid_id, category_id=case.category_id,
                                   department_key=0, channel=case.channel)


def test_corrections_are_increments_so_later_events_stay_counted(territory, cats):
    t = territory
    first = report(t, cats, where="A1a")
    DailyRollup.objects.filter(pk=_grid_row(first).pk).update(reported=7)  # damage: 7 where 1 is right
    LiveCase.objects.filter(case=first).delete()  # damage: the open case lost from the live table

    plan = R.compare(T0.date(), T0.date())
    assert [(d["reported"]) for _, _, _, d in plan.rows] == [-6] and plan.live == [first.pk]

    # Between the comparison and the fix, the same rollup row gets a new report and the damaged case moves on.
    second = report(t, cats, where="A1a", now=T0 + dt.timedelta(minutes=5))
    S.act(t.users["dispatcher_A"], first, "file", now=T0 + dt.timedelta(minutes=10))
    R.apply(plan)

    assert _grid_row(first).reported == 2  # writing the value seen (1) would have lost the second report
    assert LiveCase.objects.get(case=first).state == W.FILED  # rebuilt from the case now, not as compared
    assert LiveCase.objects.filter(case=second).exists()
    for area in (t.grid("A1a"), t.communities["A1"], t.district):
        assert figures.board(area, T0.date(), T0.date(), now=T0 + dt.timedelta(hours=1)) == figures.board_raw(
            area, T0.date(), T0.date(), now=T0 + dt.timedelta(hours=1))
    assert R.reconcile(T0.date(), T0.date()).rows_fixed == 0


def test_a_row_corrected_to_zero_goes_away(territory, cats):
    t = territory
    case = report(t, cats, where="B1a")
    ghost = DailyRollup.objects.create(day=T0.date(), region=t.grid("A2b"), level="grid", category_id=case.category_id,
                                       channel="hotline", reported=3)
    run = R.reconcile(T0.date(), T0.date())
    assert run.rows_fixed == 1 and run.detail[0]["diff"] == {"reported": [3, 0]}
    assert not DailyRollup.objects.filter(pk=ghost.pk).exists()
    assert DailyRollup.objects.filter(region=t.grid("B1a"), reported=1).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_comparison_reads_one_snapshot_while_an_event_commits(territory, cats, monkeypatch):
    """A case reported (and committed, on another connection) after the raw rows were read but before
    the rollups were: in one snapshot neither side sees it, so nothing is 'fixed' away."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a real concurrent transaction")
    t = territory
    report(t, cats, where="A1a")
    original = R.expected_rollups
    committed = []

    def raw_then_concurrent_event(start, end):
        out = original(start, end)

        def other():
            try:
                committed.append(report(t, cats, where="A1a", now=T0 + dt.timedelta(minutes=3)).pk)
            finally:
                connections.close_all()

        th = threading.Thread(target=other)
        th.start()
        th.join(30)
        return out

    monkeypatch.setattr(R, "expected_rollups", raw_then_concurrent_event)
    run = R.reconcile(T0.date(), T0.date())
    assert committed, "the concurrent report did not commit"
    assert (run.rows_fixed, run.heat_fixed, run.live_fixed) == (0, 0, 0), run.detail
    monkeypatch.setattr(R, "expected_rollups", original)
    grid = t.grid("A1a")
    assert figures.board(grid, T0.date(), T0.date(), now=T0 + dt.timedelta(hours=1))["totals"]["reported"] == 2
    assert R.reconcile(T0.date(), T0.date(), fix=False).rows_fixed == 0


def test_migrations_fill_the_answer_counters_and_day_totals_of_existing_rollups(territory, cats):
    """Rollups written before the 响应 counters existed get them from the migration, exactly."""
    import importlib

    from django.apps import apps

    from .conftest import simulate

    t = territory
    _, end = simulate(t, cats, n_cases=12, seed=5, days=6, max_steps=4)
    start = T0.date() - dt.timedelta(days=1)
    assert DailyRollup.objects.filter(answered__gt=0).exists()
    DailyRollup.objects.update(answered=0, answered_in_time=0)  # as they were when the columns were added
    assert R.compare(start, end.date(), live=False).rows
    importlib.import_module("civicgrid.dashboard.migrations.0002_rollup_answered").backfill(apps, None)
    assert R.compare(start, end.date(), live=False).rows == []

    # The day totals came later still: filled by summing the rollup rows.
    from civicgrid.dashboard.models import DailyTotal

    n = DailyTotal.objects.count()
    DailyTotal.objects.all().delete()
    assert len(R.compare(start, end.date(), live=False).totals) == n > 20
    importlib.import_module("civicgrid.dashboard.migrations.0003_daily_total").backfill(apps, None)
    assert not R.compare(start, end.date(), live=False).differs and DailyTotal.objects.count() == n


def test_reconcile_command_checks_and_fixes_a_range_day_by_day(territory, cats, capsys):
    from django.core.management import CommandError, call_command

    from civicgrid.dashboard.models import ReconciliationRun

    from .conftest import simulate

    t = territory
    _, end = simulate(t, cats, n_cases=10, seed=3, days=5, max_steps=4)
    first, last = T0.date(), end.date()
    call_command("reconcile-rollups", "--from", first.isoformat(), "--to", last.isoformat())
    assert "全部一致" in capsys.readouterr().out
    assert ReconciliationRun.objects.count() == (last - first).days + 1  # one recorded run per day

    row = DailyRollup.objects.filter(region=t.district, reported__gt=0).order_by("-day").first()
    DailyRollup.objects.filter(pk=row.pk).update(reported=row.reported + 4)
    with pytest.raises(CommandError, match="汇总 1 行"):
        call_command("reconcile-rollups", "--from", first.isoformat(), "--to", last.isoformat(), "--check")
    assert DailyRollup.objects.get(pk=row.pk).reported == row.reported + 4  # --check changes nothing
    call_command("reconcile-rollups", "--from", first.isoformat(), "--to", last.isoformat())
    assert f"{row.day}：汇总 1 行" in capsys.readouterr().out
    assert DailyRollup.objects.get(pk=row.pk).reported == row.reported
    for bad, msg in ((("--from", "2026-13-01"), "日期格式"), (("--from", "2026-03-05", "--to", "2026-03-01"), "不能晚于")):
        with pytest.raises(CommandError, match=msg):
            call_command("reconcile-rollups", *bad)
