"""A new case's rows written in one round trip on PostgreSQL.

Intake always writes the same handful of rows together: the case, its first event, the audit entry,
the supervisors' inbox rows, the dashboard's deltas and live row, a channel's own record (Open311's
request token). Through the ORM that is one INSERT — one round trip to the database — each. Here
every row is built exactly as the ORM would build it (the same model instances, the same
`pre_save` and `get_db_prep_save` of every field, the same masking of identity and phone numbers
into the private columns) and handed to a `Writes`:

    writes = Writes(deferred=True)     collect; flush() sends them all in one statement
    writes.add(obj) -> obj             (data-modifying CTEs: WITH w0 AS (INSERT …), … INSERT …)
    writes = Writes(deferred=False)    the ORM path: add() saves at once (SQLite, and the comparison
                                       test's reference on PostgreSQL)

Rows that point at the new case need its id before it is inserted: on PostgreSQL intake takes it
from the table's own sequence (nextval, in the same round trip as the duplicate check) and sets it on
the case, so every other row is built with it. The statement is all-or-nothing, and it runs inside
intake's transaction like the ORM's inserts did; the foreign keys are deferred to commit, so the
order of the CTEs does not matter.

tests/cases/test_onewrite.py writes the same intake both ways on PostgreSQL and compares every row.
"""
from __future__ import annotations

from django.db import connection, models

from civicgrid.core.pii import SplitsPrivateText, redact


def split_private_text(obj) -> None:
    """What SplitsPrivateText.save() does before an insert (core/pii.py): numbers masked in the
    clear column, the original kept in its encrypted companion. Repeated here because the
    one-statement path does not call save()."""
    if not isinstance(obj, SplitsPrivateText):
        return
    for field, private in obj.PRIVATE_TEXT.items():
        text = getattr(obj, field) or ""
        masked = redact(text)
        if masked != text:
            setattr(obj, private, text)
            setattr(obj, field, masked)


class Writes:
    """New rows to insert: at once (deferred=False) or all together in flush() (deferred=True)."""

    def __init__(self, *, deferred: bool):
        self.deferred = deferred
        self.pending: list[models.Model] = []

    def add(self, obj: models.Model) -> models.Model:
        if self.deferred:
            self.pending.append(obj)
        else:
            obj.save(force_insert=True)
        return obj

    def flush(self, *, commit: bool = False) -> None:
        """Insert every pending row. `commit`: the caller's transaction is the outermost one and this is
        its last statement: COMMIT goes in the same round trip (the atomic block's own commit then
        finds nothing left to do)."""
        if not self.pending:
            return
        sql, params = insert_statement(self.pending)
        with connection.cursor() as cur:
            if commit:
                with connection.connection.pipeline():
                    cur.execute(sql, params)
                    cur.execute("COMMIT")
            else:
                cur.execute(sql, params)
        for obj in self.pending:  # now rows in the database: a later save() updates them
            obj._state.adding = False
            obj._state.db = connection.alias
        self.pending = []


def can_pipeline() -> bool:
    """PostgreSQL through psycopg with libpq's pipeline mode, inside a transaction that has not sent
    its BEGIN yet (psycopg sends it with the first statement): that statement can carry it."""
    if connection.vendor != "postgresql":
        return False
    import psycopg
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return (psycopg.Pipeline.is_supported() and not raw.autocommit
            and raw.info.transaction_status == TransactionStatus.IDLE)


def fetch_first(sql: str, params) -> list:
    """Run a statement and return its rows; as the transaction's first statement its BEGIN travels
    with it (one round trip instead of two)."""
    with connection.cursor() as cur:
        if can_pipeline():
            with connection.connection.pipeline():
                cur.execute(sql, params)
                return cur.fetchall()
        cur.execute(sql, params)
        return cur.fetchall()


def _columns(obj: models.Model) -> list:
    """The concrete fields an INSERT of `obj` names: all but an auto primary key left to its default."""
    meta = obj._meta
    return [f for f in meta.concrete_fields if not (f.primary_key and getattr(obj, f.attname) is None)]


# Columns whose database value is the Python value itself when that is None, an int or a bool: such
# values are written into the statement as literals. The rollup deltas alone carry about 150 such
# zeros and ids per intake; as parameters each would be prepared, adapted and spliced in one by one.
_INTEGER_TYPES = frozenset({"IntegerField", "PositiveIntegerField", "BigIntegerField", "SmallIntegerField",
                            "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField"})
_kinds: dict = {}


def _kind(f) -> str:
    """"int", "bool" or "" (anything else): fields whose prepared value is the Python value itself."""
    hit = _kinds.get(f)
    if hit is None:
        target = f.target_field if f.is_relation else f
        own_prep = (type(target).get_db_prep_save is models.Field.get_db_prep_save
                    and (not f.is_relation or type(f).get_db_prep_save is models.ForeignKey.get_db_prep_save))
        internal = target.get_internal_type()
        hit = _kinds[f] = ("" if not own_prep else "int" if internal in _INTEGER_TYPES
                           else "bool" if internal == "BooleanField" else "")
    return hit


def _literal(kind: str, value) -> str | None:
    """The SQL literal for None, an int (integer column) or a bool (boolean column); else None."""
    if value is None:
        return "NULL"
    if kind == "int" and type(value) is int:
        return str(value)
    if kind == "bool" and type(value) is bool:
        return "true" if value else "false"
    return None


def insert_statement(objs: list[models.Model]) -> tuple[str, list]:
    """One SQL statement inserting every object (rows of one table and one column list share a
    VALUES list), with its parameters. Values are prepared as Model.save() prepares them."""
    groups: dict[tuple, list] = {}
    for obj in objs:
        split_private_text(obj)
        fields = _columns(obj)
        groups.setdefault((type(obj), tuple(f.attname for f in fields)), [fields, []])[1].append(obj)
    params: list = []
    parts = []
    qn = connection.ops.quote_name
    for (model, _), (fields, rows) in groups.items():
        values = []
        for obj in rows:
            marks = []
            for f in fields:
                value = f.pre_save(obj, True)
                kind = _kind(f)
                literal = _literal(kind, value) if kind else None
                if literal is not None:
                    marks.append(literal)
                    continue
                params.append(f.get_db_prep_save(value, connection))
                marks.append("%s")
            values.append("(" + ", ".join(marks) + ")")
        parts.append(f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
                     f"VALUES {', '.join(values)}")
    *ctes, last = parts
    if not ctes:
        return last, params
    return "WITH " + ", ".join(f"w{i} AS ({p})" for i, p in enumerate(ctes)) + " " + last, params
