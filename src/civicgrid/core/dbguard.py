"""Database-level guard that keeps the audit log append-only.

PostgreSQL: a trigger refuses UPDATE and DELETE on core_auditentry for every client.
SQLite: triggers refuse UPDATE always, and DELETE while `civicgrid_audit_locked()` is true.
That SQL function is registered on each of our connections and returns 1; a client that lacks it
(the sqlite3 shell, say) gets "no such function", so the guard fails closed. The only unlock is
for Django's own `flush` in the test suite (tests/conftest.py), which empties tables with DELETE
on SQLite.
"""
from __future__ import annotations

from django.db.backends.signals import connection_created
from django.dispatch import receiver

AUDIT_TABLE = "core_auditentry"
_unlocked = False


def set_unlocked(value: bool) -> None:
    global _unlocked
    _unlocked = value


@receiver(connection_created)
def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("civicgrid_audit_locked", 0, lambda: 0 if _unlocked else 1,
                                              deterministic=False)


SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_update BEFORE UPDATE ON {AUDIT_TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_delete BEFORE DELETE ON {AUDIT_TABLE}
        WHEN civicgrid_audit_locked() BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_no_update", f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_no_delete"]

POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION civicgrid_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {AUDIT_TABLE}_append_only BEFORE UPDATE OR DELETE ON {AUDIT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION civicgrid_audit_append_only()""",
]
POSTGRES_REMOVE = [f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_append_only ON {AUDIT_TABLE}",
                   "DROP FUNCTION IF EXISTS civicgrid_audit_append_only()"]


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}.get(vendor, []):
        schema_editor.execute(sql, params=None)  # None: the "%" in the plpgsql body is not a placeholder


def remove(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRES_REMOVE}.get(vendor, []):
        schema_editor.execute(sql, params=None)
