"""Intake from several connections at once (PostgreSQL): no intake waits for another, and the board
still counts every case exactly once.

Before: every intake of a district updated the same rows (the district's and the city's DailyTotal
of the day, the day's CaseSerial) and held them until commit, so intakes queued. Now an intake only
appends (RollupDelta, HeatDelta, a sequence number): the first test holds one intake open, inside
its transaction after all its writes, while others of the same district and the same spot commit.
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from civicgrid.cases import services as S
from civicgrid.cases.models import Case
from civicgrid.dashboard import figures
from civicgrid.dashboard.fold import fold
from civicgrid.dashboard.models import DailyTotal, RollupDelta

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

POINT = (116.005, 39.905)  # grid A1a: every intake at one hot spot of one category


def _skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrent transactions")


def _intake(t, cats, i, now):
    return S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"],
                    description=f"工地夜间施工噪声 {i}", lng=POINT[0] + (i % 7) * 1e-5, lat=POINT[1], now=now)


def _in_thread(name, fn, results):
    def run():
        try:
            results[name] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results[name] = exc
        finally:
            connections.close_all()
    th = threading.Thread(target=run, name=name)
    th.start()
    return th


def test_an_open_intake_does_not_hold_up_the_others(territory, cats):
    _skip_unless_postgres()
    t, now = territory, timezone.now()
    _intake(t, cats, 0, now)  # the day's number sequence exists; the first duplicate root too
    release, held = threading.Event(), threading.Event()

    def slow_intake():
        # All its rows written (case, event, deltas: the one statement has run), its transaction
        # still open: nothing the others need may be locked by it.
        with transaction.atomic():
            case = _intake(t, cats, 1, now)
            held.set()
            release.wait(30)
        return case

    try:
        results: dict = {}
        slow = _in_thread("slow", slow_intake, results)
        assert held.wait(20), "the slow intake never reached its event"
        others = [_in_thread(f"fast{i}", lambda i=i: _intake(t, cats, 10 + i, now), results) for i in range(3)]
        for th in others:
            th.join(20)
        finished = [n for n in results if n.startswith("fast")]
        # With a shared locked row the fast ones would still be waiting for the slow one here.
        assert sorted(finished) == ["fast0", "fast1", "fast2"], results
        assert all(isinstance(results[n], Case) for n in finished), results
        release.set()
        slow.join(20)
        assert isinstance(results["slow"], Case), results
    finally:
        release.set()
    numbers = [results[n].number for n in results] + [Case.objects.order_by("pk").first().number]
    assert len(set(numbers)) == 5


def test_concurrent_intake_totals_equal_raw_counts_and_numbers_are_unique(territory, cats):
    _skip_unless_postgres()
    t = territory
    now = timezone.now()
    threads, per_thread = 6, 12
    results: dict = {}
    stop = threading.Event()

    def folder():  # the worker folding while intakes append
        n = 0
        while not stop.is_set():
            fold()
            n += 1
        return n

    workers = [_in_thread(f"w{k}", lambda k=k: [_intake(t, cats, k * 100 + i, now + dt.timedelta(seconds=i)).number
                                                   for i in range(per_thread)], results) for k in range(threads)]
    fold_thread = _in_thread("fold", folder, results)
    for th in workers:
        th.join(120)
    stop.set()
    fold_thread.join(30)
    errors = {k: v for k, v in results.items() if isinstance(v, Exception)}
    assert not errors, errors
    assert results["fold"] > 0

    numbers = [n for k, v in results.items() if k.startswith("w") for n in v]
    assert len(numbers) == threads * per_thread == Case.objects.count()
    assert len(set(numbers)) == len(numbers)  # unique
    serials = sorted(int(n[8:]) for n in numbers)
    # Gap-free here because no intake failed; a failed intake may leave a gap (serials.py).
    assert serials[-1] - serials[0] + 1 == len(serials)

    day = timezone.localdate(now)
    for area in (t.city, t.district, t.streets["A"], t.communities["A1"], t.grid("A1a")):
        assert figures.board(area, day, day, now=now) == figures.board_raw(area, day, day, now=now)
    assert not RollupDelta.objects.exists()  # the board's read folded what the worker had not
    assert DailyTotal.objects.get(region=t.district, day=day).reported == Case.objects.count()
    assert DailyTotal.objects.get(region=t.city, day=day).reported == Case.objects.count()
