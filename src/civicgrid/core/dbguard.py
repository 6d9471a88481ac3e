"""Database-level guard that keeps append-only tables (the audit log, case events) append-only.

PostgreSQL: a trigger refuses UPDATE and DELETE on the table for every client.
SQLite: triggers refuse UPDATE always, and DELETE while `civicgrid_audit_locked()` is true.
That SQL function is registered on each of our connections and returns 1; a client that lacks it
(the sqlite3 shell, say) gets "no such function", so the guard fails closed. The only unlock is
for Django's own `flush` in the test suite (tests/conftest.py), which empties tables with DELETE
on SQLite. (PostgreSQL's flush uses TRUNCATE, which the guard leaves to the database owner.)
"""
from __future__ import annotations

from django.db.backends.signals import connection_created
from django.dispatch import receiver

_unlocked = False


def set_unlocked(value: bool) -> None:
    global _unlocked
    _unlocked = value


@receiver(connection_created)
def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("civicgrid_audit_locked", 0, lambda: 0 if _unlocked else 1,
                                              deterministic=False)


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            WHEN civicgrid_audit_locked() BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END""",
    ]


def _sqlite_remove(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def _postgres_install(table: str) -> list[str]:
    return [
        """CREATE OR REPLACE FUNCTION civicgrid_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END; $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION civicgrid_append_only()""",
    ]


def _postgres_remove(table: str) -> list[str]:
    # The shared function stays: other tables' triggers may still use it.
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]


def install(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": _sqlite_install, "postgresql": _postgres_install}.get(vendor, lambda t: [])(table):
        schema_editor.execute(sql, params=None)  # None: the "%" in the plpgsql body is not a placeholder


def remove(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": _sqlite_remove, "postgresql": _postgres_remove}.get(vendor, lambda t: [])(table):
        schema_editor.execute(sql, params=None)
