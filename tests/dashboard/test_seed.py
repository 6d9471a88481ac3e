"""Bulk seed-load writes what the service path would: the reconciliation finds nothing to fix."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.dashboard import figures
from civicgrid.dashboard.models import DailyRollup, LiveCase
from civicgrid.dashboard.reconcile import reconcile

from .conftest import TZ, report

END = dt.datetime(2026, 3, 20, 18, 0, tzinfo=TZ)


def test_seed_load_is_consistent_with_the_live_rule(territory, cats, capsys):
    t = territory
    call_command("seed-load", "--cases", "2500", "--days", "60", "--district", t.district.code,
                 "--end", END.isoformat(), "--seed", "3")
    assert "完成：2,500 件案件" in capsys.readouterr().out
    assert Case.objects.count() == 2500
    states = set(Case.objects.values_list("state", flat=True))
    assert {W.CLOSED, W.NOT_FILED} <= states and states & set(W.OPEN_STATES)
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    assert {"report", "file", "take", "dispatch", "return", "reroute", "approve_extension", "handle", "verify_fail",
            "verify_pass", "close"} <= actions
    # Histories follow the workflow table: every (from, action, to) is an allowed transition.
    allowed = {(x.from_state, x.action, x.to_state) for x in W.TRANSITIONS}
    seen = set(CaseEvent.objects.values_list("from_state", "action", "to_state").distinct())
    assert seen <= allowed, seen - allowed
    assert Case.objects.filter(handled_on_time=False).exists() and Case.objects.filter(is_overdue=True).exists()
    start = END.date() - dt.timedelta(days=61)
    run = reconcile(start, END.date(), fix=False)
    assert (run.rows_fixed, run.heat_fixed, run.live_fixed) == (0, 0, 0), run.detail[:3]
    assert run.rows_checked > 1000
    for area in (t.district, t.streets["B"], t.communities["A2"], t.grid("B1b")):
        assert figures.board(area, start, END.date(), now=END) == figures.board_raw(area, start, END.date(), now=END)
    # Live cases after the load keep flowing through the services and stay exact.
    c = report(t, cats, where="B1a", now=END + dt.timedelta(hours=1))
    assert c.number.startswith("20260320") and int(c.number[-5:]) > Case.objects.filter(
        number__startswith="20260320").exclude(pk=c.pk).count() - 1
    assert LiveCase.objects.filter(case=c).exists()
    assert reconcile(start, END.date() + dt.timedelta(days=1), fix=False).rows_fixed == 0


def test_seed_load_refuses_bad_input(territory):
    with pytest.raises(CommandError, match="须为正整数"):
        call_command("seed-load", "--cases", "0")
    with pytest.raises(CommandError, match="没有编码为"):
        call_command("seed-load", "--cases", "5", "--district", "999999")
    assert not DailyRollup.objects.exists()


def test_bulk_load_on_postgresql_puts_indexes_and_foreign_keys_back(territory, cats):
    """A large load sets the case tables' secondary indexes and foreign keys aside; after it every one
    is back, the foreign keys are enforced again, and the figures still match the raw cases."""
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the set-aside path exists on PostgreSQL only")
    tables = ["cases_case", "cases_caseevent", "dashboard_dailyrollup", "dashboard_dailytotal", "dashboard_heatcell"]

    def schema():
        with connection.cursor() as cur:
            cur.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 2",
                        [tables])
            indexes = cur.fetchall()
            # conparentid = 0: on partitioned tables a key into another partitioned table also has a copy
            # per referenced partition, named by PostgreSQL; the keys themselves are what must come back.
            cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid::regclass::text = ANY(%s) AND conparentid = 0 ORDER BY 2", [tables])
            return indexes, cur.fetchall()

    before = schema()
    assert len(before[0]) > 20 and any("FOREIGN KEY" in c[2] for c in before[1])
    from civicgrid.dashboard import seed

    result = seed.load(800, district=territory.district, days=30, end=END, seed=4, set_indexes_aside=True)
    assert result["indexes_set_aside"] is True and Case.objects.count() == 800
    assert schema() == before
    start = END.date() - dt.timedelta(days=31)
    assert reconcile(start, END.date(), fix=False).rows_fixed == 0
    # A second bulk load onto the same days: the rollups, totals and heat cells already there are
    # summed with the new ones per key (their unique keys were set aside, so nothing else would).
    seed.load(600, district=territory.district, days=20, end=END, seed=7, set_indexes_aside=True)
    assert schema() == before and Case.objects.count() == 1400
    run = reconcile(start, END.date(), fix=False)
    assert (run.rows_fixed, run.heat_fixed, run.live_fixed) == (0, 0, 0), run.detail[:3]
    with pytest.raises(IntegrityError), transaction.atomic():  # the event → case key is enforced again
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("INSERT INTO cases_caseevent (case_id, seq, action, from_state, to_state, actor_name, "
                        "actor_role, at, note, data) VALUES (999999999, 1, 'report', '', 'reported', 'x', 'system', "
                        "now(), '', '{}')")


def test_a_load_moves_an_existing_days_number_sequence_above_its_numbers(territory, cats):
    """PostgreSQL numbers cases from a sequence per day (cases/serials.py). When the worker has already
    made the sequence for a day the load writes into, the load moves it above the loaded numbers, so
    the next live intake cannot take a number the load used."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("per-day sequences exist on PostgreSQL only")
    from civicgrid.cases import serials
    from civicgrid.dashboard import seed

    days = [END.astimezone(TZ).date() - dt.timedelta(days=k) for k in range(4)]
    for day in days:
        serials.ensure_day(day)  # as the worker's prepare_ahead does for today and tomorrow
    seed.load(300, district=territory.district, days=3, end=END, seed=5)
    checked = 0
    for day in days:
        top = Case.objects.filter(number__startswith=f"{day:%Y%m%d}").order_by("-number").first()
        if top is not None:
            moment = dt.datetime.combine(day, dt.time(12), tzinfo=TZ)
            assert serials.next_number(moment) > top.number
            checked += 1
    assert checked >= 2
