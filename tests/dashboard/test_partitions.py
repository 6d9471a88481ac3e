"""Monthly partitions of the case and event tables on PostgreSQL (cases/partitions.py, issue 19 item 7).

The migration path for an existing database, tested as an operator would run it: a database with a
bulk-loaded history and live cases is converted (`civicgrid partition-cases`); afterwards every row
is there, in its month's partition, the board and the reconciliation agree with the raw cases, the
services keep working (intake, every workflow step, photos, merges, a second bulk load), and the
database still refuses what its keys refused before. The whole conversion runs inside the test's
transaction and is rolled back with it (PostgreSQL's DDL is transactional).

`CIVICGRID_TEST_PARTITIONED=1` runs the rest of the suite against a converted test database.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from civicgrid.cases import partitions as P
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.dashboard import figures, seed
from civicgrid.dashboard.models import LiveCase
from civicgrid.dashboard.reconcile import reconcile

from .conftest import TZ, report, simulate

END = dt.datetime(2026, 3, 20, 18, 0, tzinfo=TZ)


@pytest.fixture
def pg(db):
    if connection.vendor != "postgresql":
        pytest.skip("partitioning exists on PostgreSQL only")
    if P.is_partitioned():
        pytest.skip("this run's database is partitioned already (CIVICGRID_TEST_PARTITIONED)")
    yield
    P.forget_cached_sequences()  # the conversion's new sequences roll back with the test


def _one(sql: str, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def _refused(sql: str, params=()) -> str:
    """Run `sql` with every key checked at once; returns the database's refusal."""
    with pytest.raises(IntegrityError) as e, transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(sql, params)
    return str(e.value)


def _outside_their_month() -> tuple[int, int]:
    """Cases and events not in the partition of their (case's) local month."""
    month = "to_char({} AT TIME ZONE 'Asia/Shanghai', 'YYYYMM')"
    return (_one(f"SELECT count(*) FROM cases_case WHERE tableoid::regclass::text <> "
                 f"'cases_case_p' || {month.format('created_at')}"),
            _one(f"SELECT count(*) FROM cases_caseevent WHERE tableoid::regclass::text <> "
                 f"'cases_caseevent_p' || {month.format('case_created_at')}"))


def test_an_existing_database_converts_to_monthly_partitions(pg, territory, cats):
    t = territory
    seed.load(1200, district=t.district, days=70, end=END, seed=11)
    live = report(t, cats, where="B1a", now=END + dt.timedelta(hours=1), requester_phone="13912345678")
    start, stop = END.date() - dt.timedelta(days=71), END.date()
    board = figures.board(t.district, start, stop, now=END)
    tables = ["cases_case", "cases_caseevent", "dashboard_livecase", "dashboard_dailyrollup", "cases_attachment"]
    counts = {tb: _one(f"SELECT count(*) FROM {tb}") for tb in tables}
    numbers = set(Case.objects.values_list("number", flat=True))

    out = call_command("partition-cases", "--ahead", "2")
    assert out is None and P.is_partitioned("cases_case") and P.is_partitioned("cases_caseevent")
    # Every row moved, into the partition of its month; the events carry their case's time.
    assert {tb: _one(f"SELECT count(*) FROM {tb}") for tb in tables} == counts
    assert set(Case.objects.values_list("number", flat=True)) == numbers
    assert _outside_their_month() == (0, 0)
    assert _one("SELECT count(*) FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
                "WHERE e.case_created_at <> c.created_at") == 0
    st = P.status()
    first = (END - dt.timedelta(days=70)).astimezone(TZ)
    assert st["tables"]["cases_case"]["months"][0] == f"{first:%Y%m}"
    assert st["tables"]["cases_caseevent"]["default_rows"] == st["tables"]["cases_case"]["default_rows"] == 0
    # The board and the nightly check see the same figures.
    assert figures.board(t.district, start, stop, now=END) == board
    assert reconcile(start, stop, fix=False).rows_fixed == 0
    # Keys into the case table point at the case key table now.
    refs = _one("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conparentid = 0 "
                "AND confrelid = 'cases_case_key'::regclass")
    assert refs == 8  # events are keyed on (case, created_at) to the case table itself
    assert _one("SELECT count(*) FROM cases_case_key") == counts["cases_case"]

    # The services keep working: intake, every step (photos, merges, extensions), the rollups exact.
    cases, clock = simulate(t, cats, n_cases=24, seed=5, days=6)
    assert Case.objects.count() == counts["cases_case"] + 24
    assert CaseEvent.objects.filter(case__in=cases).count() > 24 * 2
    assert _one("SELECT count(*) FROM cases_attachment") > counts["cases_attachment"]
    assert _outside_their_month() == (0, 0)
    assert reconcile(dt.date(2026, 3, 1), clock.date(), fix=False).rows_fixed == 0
    # …and a second bulk load onto the partitioned tables, into months the worker had not made.
    later = END + dt.timedelta(days=120)
    seed.load(400, district=t.district, days=60, end=later, seed=12)
    assert _outside_their_month() == (0, 0)
    run = reconcile(later.date() - dt.timedelta(days=61), later.date(), fix=False)
    assert (run.rows_fixed, run.heat_fixed, run.live_fixed) == (0, 0, 0), run.detail[:3]

    # What the keys refused before, the partitioned database refuses too.
    some = Case.objects.exclude(pk=live.pk).order_by("id").first()
    assert "Key (case_id, seq, case_created_at)" in _refused(  # a second event with a number the history has
        "INSERT INTO cases_caseevent (case_id, case_created_at, seq, action, from_state, to_state, actor_name, "
        "actor_role, at, note, data) VALUES (%s, %s, 1, 'report', '', 'reported', 'x', 'system', now(), '', '{}')",
        [some.pk, some.created_at])
    assert "cases_caseevent_case_id" in _refused(  # an event whose case time is not its case's
        "INSERT INTO cases_caseevent (case_id, case_created_at, seq, action, from_state, to_state, actor_name, "
        "actor_role, at, note, data) VALUES (%s, %s, 99, 'note', '', 'reported', 'x', 'system', now(), '', '{}')",
        [some.pk, some.created_at + dt.timedelta(days=40)])
    with pytest.raises(IntegrityError, match="cases_case_key_number_key"), transaction.atomic():
        # a second case with a number in use, in another month's partition
        clash = Case.objects.get(pk=some.pk)
        clash.pk, clash.created_at = None, END + dt.timedelta(days=100)
        clash.save(force_insert=True)
    with pytest.raises(IntegrityError, match="dashboard_livecase_case_id"), transaction.atomic():
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        row = LiveCase.objects.get(pk=live.pk)  # a live row for a case that does not exist
        row.case_id = 999999999
        row.save(force_insert=True)
    assert "event 999999999 does not exist" in _refused(
        "INSERT INTO cases_attachment (event_id, kind, image, thumbnail, width, height, size, original_name, created_at) "
        "VALUES (999999999, 'before', 'x.jpg', 'x_t.jpg', 1, 1, 1, '', now())")
    with pytest.raises(IntegrityError, match="不可修改"), transaction.atomic():
        Case.objects.filter(pk=some.pk).update(created_at=some.created_at - dt.timedelta(days=31))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():  # in every partition
        connection.cursor().execute("DELETE FROM cases_caseevent WHERE case_id = %s", [some.pk])

    # Converting twice is refused, with the reason.
    with pytest.raises(CommandError, match="已经按月分区"):
        call_command("partition-cases")


def test_the_worker_makes_the_months_ahead_and_reports_rows_outside_them(pg, territory, cats):
    t = territory
    P.convert(ahead=1)
    now = dt.datetime.now(TZ)
    this = P.month_of(now)
    have = set(P.status()["tables"]["cases_case"]["months"])
    made = P.ensure(now=now)  # the daily task: three months ahead
    ahead = [this]
    for _ in range(3):
        ahead.append(P.next_month(ahead[-1]))
    assert {f"{m:%Y%m}" for m in ahead} <= set(P.status()["tables"]["cases_case"]["months"])
    assert set(made) == {P.partition_name(tb, m) for tb in ("cases_case", "cases_caseevent") for m in ahead
                         if f"{m:%Y%m}" not in have}
    assert P.ensure(now=now) == []  # once made, nothing more
    # A case dated before every partition (a backdated import) lands in DEFAULT: kept, and reported.
    old = report(t, cats, where="A1a", now=dt.datetime(2019, 6, 3, 10, 0, tzinfo=TZ))
    assert _one("SELECT tableoid::regclass::text FROM cases_case WHERE id = %s", [old.pk]) == "cases_case_pdefault"
    st = P.status()["tables"]
    assert st["cases_case"]["default_rows"] == 1 and st["cases_caseevent"]["default_rows"] == 1
    # Asked for the months since May 2019 (as a backdated bulk load asks), the worker cannot make June
    # 2019 by a plain CREATE any more (its rows are in DEFAULT): it logs that and makes the rest.
    made = P.ensure(since=dt.date(2019, 5, 1), now=now)
    assert {"cases_case_p201905", "cases_caseevent_p201905", "cases_case_p201907", "cases_caseevent_p202512"} <= set(made)
    assert not {"cases_case_p201906", "cases_caseevent_p201906"} & set(made)
    assert "201906" not in P.status()["tables"]["cases_case"]["months"]
    assert P.status()["tables"]["cases_case"]["default_rows"] == 1
    out = io.StringIO()
    call_command("partition-cases", "--status", stdout=out)
    assert "默认分区中有 1 行" in out.getvalue()


def test_partition_cases_refuses_bad_input_and_sqlite(territory):
    with pytest.raises(CommandError, match="0 到 24"):
        call_command("partition-cases", "--ahead", "25")
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="只用于 PostgreSQL"):
            call_command("partition-cases")
        assert P.ensure() == [] and P.status() == {"partitioned": False}


def test_partitions_are_local_months():
    """Month boundaries are local midnight (Asia/Shanghai): a case reported at 00:30 on 1 December
    belongs to December although it is still 30 November in UTC."""
    utc = dt.timezone.utc
    assert P.month_of(dt.datetime(2026, 11, 30, 16, 30, tzinfo=utc)) == dt.date(2026, 12, 1)
    assert P.month_of(dt.datetime(2026, 11, 30, 15, 59, tzinfo=utc)) == dt.date(2026, 11, 1)
    assert P.bound(dt.date(2026, 12, 1)) == "2026-12-01T00:00:00+08:00"
    assert P.next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    assert P.months(dt.date(2026, 11, 15), dt.date(2027, 2, 1)) == [
        dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 2, 1)]
    assert P.partition_name("cases_case", dt.date(2027, 1, 1)) == "cases_case_p202701"
