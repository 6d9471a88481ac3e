"""Two people acting on one case at once: exactly one wins, the other is told it already changed.

The PostgreSQL tests use real concurrent transactions on separate connections. The first holds the
case's row lock (it is paused inside its transaction, after the lock, by a receiver of the
case_event_appended signal) until the database shows the second one blocked waiting for that lock;
only then does the first commit. So the second really ran at the same time, not after.
"""
from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from civicgrid.cases import services as S
from civicgrid.cases import signals
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent

from .conftest import P_A1a, T0

postgres = pytest.mark.postgres


def _skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrent transactions")


def _new_case(t, cats):
    return S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"], description="路灯不亮",
                    lng=P_A1a[0], lat=P_A1a[1], now=T0)


def _waiting_for_lock() -> bool:
    with connections["default"].cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cur.fetchone()[0] > 0


def _race(first, second):
    """Run first() and second() in two threads; first pauses holding the lock until second waits for it."""
    results: dict[str, object] = {}
    release = threading.Event()

    def hold(sender, case, event, **kw):
        if threading.current_thread().name == "first":
            release.wait(20)

    def run(name, fn):
        try:
            results[name] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results[name] = exc
        finally:
            connections.close_all()

    signals.case_event_appended.connect(hold)
    try:
        a = threading.Thread(target=run, args=("first", first), name="first")
        a.start()
        # Wait until `first` holds the lock (its event row exists in its open transaction: poll pg_locks instead).
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with connections["default"].cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                            "WHERE c.relname = 'cases_case' AND l.mode = 'RowShareLock' AND l.pid <> pg_backend_pid()")
                if cur.fetchone()[0]:
                    break
            time.sleep(0.02)
        b = threading.Thread(target=run, args=("second", second), name="second")
        b.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _waiting_for_lock():
            time.sleep(0.02)
        saw_wait = _waiting_for_lock()
        release.set()
        a.join(30)
        b.join(30)
    finally:
        release.set()
        signals.case_event_appended.disconnect(hold)
    return results, saw_wait


@postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_file_and_not_file_at_once(territory, cats):
    _skip_unless_postgres()
    t = territory
    case = _new_case(t, cats)
    copy_a, copy_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results, saw_wait = _race(
        lambda: S.act(t.users["dispatcher_A"], copy_a, "file", expected_version=1),
        lambda: S.act(t.users["staff_A1"], copy_b, "take", expected_version=1),
    )
    assert saw_wait, "the second transaction never waited for the first one's row lock"
    assert isinstance(results["first"], Case) and results["first"].state == W.FILED
    assert isinstance(results["second"], S.CaseConflict)
    assert "已被他人处理" in str(results["second"])
    case.refresh_from_db()
    assert case.state == W.FILED and case.version == 2
    assert list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("seq", "action")) == [
        (1, "report"), (2, "file")]


@postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_action_twice_without_version_is_refused_as_already_changed(territory, cats):
    _skip_unless_postgres()
    t = territory
    case = _new_case(t, cats)
    S.act(t.users["dispatcher_A"], case, "file")
    case = Case.objects.get(pk=case.pk)
    unit_a, unit_p = t.units[("urban", "A")], t.units[("police", "A")]
    copy_a, copy_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results, saw_wait = _race(
        lambda: S.act(t.users["dispatcher_A"], copy_a, "dispatch", unit=unit_a),
        lambda: S.act(t.users["commander"], copy_b, "dispatch", unit=unit_p),
    )
    assert saw_wait
    assert isinstance(results["first"], Case)
    assert isinstance(results["second"], S.CaseConflict)
    case.refresh_from_db()
    assert case.assigned_unit == unit_a and case.version == 3
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1


@postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_concurrent_attempts_one_winner(territory, cats):
    """Eight threads try to file the same case; one event is appended, seven get a clear refusal."""
    _skip_unless_postgres()
    t = territory
    case = _new_case(t, cats)
    barrier = threading.Barrier(8)
    outcomes = []
    lock = threading.Lock()

    def go():
        try:
            copy = Case.objects.get(pk=case.pk)
            barrier.wait(10)
            S.act(t.users["dispatcher_A"], copy, "file")
            out = "ok"
        except S.CaseConflict:
            out = "conflict"
        except Exception as exc:  # noqa: BLE001
            out = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(out)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert list(CaseEvent.objects.filter(case=case).values_list("seq", flat=True).order_by("seq")) == [1, 2]


def test_history_cannot_fork_even_around_the_service(territory, cats):
    """The (case, seq) constraint refuses a second event with the same step number (both databases)."""
    case = _new_case(territory, cats)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            CaseEvent.objects.create(case=case, seq=1, action="file", from_state="reported", to_state="filed", at=T0)
