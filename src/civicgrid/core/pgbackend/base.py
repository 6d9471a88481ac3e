"""Django's PostgreSQL backend, with a health check that costs no round trip on a busy connection.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request on a kept
connection. Under load that was one of intake's five round trips (about 9 % of a worker's time in
bench/open311_throughput.py). What the check catches is a connection that went bad while it sat
unused: the database restarted, a firewall or PgBouncer dropped it after a quiet spell. A
connection whose previous request began less than IDLE_SECONDS ago has not sat unused; so the check
is skipped then, unless psycopg already knows the connection is closed or broken. After a quiet
second the check runs as Django's does. Errors inside a request are still handled by Django's own
rule (close_if_unusable_or_obsolete checks a connection that raised before reusing it).
"""
from __future__ import annotations

import time

from django.db.backends.postgresql import base

IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    _checked_at = float("-inf")  # when this connection's last request first used it

    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done or self.pool:
            return super().close_if_health_check_failed()
        now = time.monotonic()
        recent, self._checked_at = now - self._checked_at < IDLE_SECONDS, now
        if recent and not self.connection.closed and not self.connection.broken:
            self.health_check_done = True
            return None
        return super().close_if_health_check_failed()

    def connect(self):
        super().connect()
        self._checked_at = time.monotonic()  # a new connection needs no check of its own
