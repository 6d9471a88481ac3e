"""The health check of kept PostgreSQL connections (core/pgbackend/base.py): no SELECT 1 while a
connection is in steady use, Django's check after a quiet spell, and a connection the server
dropped replaced then."""
from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.postgres


@pytest.fixture
def kept(db):
    if connection.vendor != "postgresql":
        pytest.skip("the backend is PostgreSQL's")
    w = connection.copy()
    w.settings_dict = {**w.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": None}
    checks = []
    real = w.is_usable
    w.is_usable = lambda: checks.append(1) or real()
    yield w, checks
    w.close()


def _request(w) -> int:
    """What Django does around a request (request_started → close_old_connections), then a query;
    returns the server process that answered."""
    w.close_if_unusable_or_obsolete()
    with w.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def test_busy_connection_is_not_checked_idle_one_is(kept):
    w, checks = kept
    pid = _request(w)  # a new connection: nothing to check
    for _ in range(5):
        assert _request(w) == pid
    assert checks == []  # five requests in quick succession: no SELECT 1
    w._checked_at -= 5  # five quiet seconds
    assert _request(w) == pid
    assert checks == [1]  # checked once, found good, kept
    assert _request(w) == pid and checks == [1]


def test_connection_dropped_while_idle_is_replaced_before_use(kept):
    w, checks = kept
    pid = _request(w)
    with connection.cursor() as cur:  # the server drops it (a restart, an idle timeout)
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    w._checked_at -= 5
    assert _request(w) != pid  # the check found it dead: a new connection answered, no error
    assert checks == [1]


def test_connection_dropped_while_busy_costs_one_failed_request(kept):
    """The trade: a connection dropped within a second of its last use is not checked first; that
    request fails (as any in flight at the moment of a restart would), the next one reconnects."""
    w, checks = kept
    pid = _request(w)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.05)
    with pytest.raises(OperationalError):
        _request(w)
    assert _request(w) != pid
