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
the case, so every other row is built with it. The statement is all-or-nothing: inside a caller's
transaction it is part of it; otherwise intake opens no transaction at all (the statement is its
own), so nothing may be written before flush() but through `writes`, and what must wait for the
rows goes to writes.on_commit() (Django's on_commit, with no transaction open, runs at once). The
foreign keys are deferred to the end of the statement's transaction, so the order of the CTEs does
not matter.

tests/cases/test_onewrite.py writes the same intake both ways on PostgreSQL and compares every row.
"""
from __future__ import annotations

import functools

from django.db import connection, models, transaction

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
        self.after: list = []

    def on_commit(self, fn) -> None:
        """Run `fn` once the rows are in: at the commit of the transaction they are written in, or,
        with none open (intake's own statement), right after flush()."""
        if self.deferred and not connection.in_atomic_block:
            self.after.append(fn)
        else:
            transaction.on_commit(fn)

    def add(self, obj: models.Model) -> models.Model:
        if self.deferred:
            self.pending.append(obj)
        else:
            obj.save(force_insert=True)
        return obj

    def flush(self) -> None:
        """Insert every pending row, in one statement."""
        if self.pending:
            sql, params = insert_statement(self.pending)
            with bound_cursor(raw=True) as cur:
                cur.execute(sql, params)
        for obj in self.pending:  # now rows in the database: a later save() updates them
            obj._state.adding = False
            obj._state.db = connection.alias
        self.pending = []
        after, self.after = self.after, []
        for fn in after:
            fn()


def bound_cursor(*, prepare: bool = True, raw: bool = False):
    """A cursor whose statements take their values apart from the text (server-side binding) and, with
    `prepare`, are prepared on the server; in Django's wrapper (query logging, execute wrappers) and
    the current transaction.

    Why not Django's own cursor: it binds on the client, splicing every value into the text, and
    Django turns psycopg's automatic preparing off (for poolers). Intake's statements keep one text
    per shape (the same tables, columns and row counts), so here psycopg converts each text once and
    PostgreSQL parses and plans it once per connection instead of on every request. Behind PgBouncer
    this needs transaction pooling with max_prepared_statements (PgBouncer 1.21 or later).
    `prepare=False` for a query whose best plan depends on its values: PostgreSQL would settle on one
    generic plan for them all. `raw`: the statement's placeholders are PostgreSQL's own ($1, $2, …),
    which psycopg passes on as they are; it parses %s-style ones on every run of a statement longer
    than 4 kB or with more than 50 values (it caches only shorter ones), as intake's insert is:
    about 2 ms a request."""
    connection.ensure_connection()
    return connection._prepare_cursor(_bound_cursor_class(prepare, raw)(connection.connection))


@functools.cache
def _bound_cursor_class(prepare: bool, raw: bool):
    """psycopg's cursor (RawCursor with `raw`), preparing every statement or none (imported here:
    SQLite installs have no psycopg)."""
    import psycopg

    base = psycopg.RawCursor if raw else psycopg.Cursor

    class Text:
        def __init__(self, query: str):
            self.query = query.encode()

    class BoundCursor(base):
        def execute(self, query, params=None, **kwargs):
            super().execute(query, params, prepare=prepare, **kwargs)
            # A prepared statement's run leaves no text on the cursor; Django's query log
            # (connection.queries, CaptureQueriesContext) reads it from here.
            self._query = Text(query)
            return self

    return BoundCursor


def fetch_all(sql: str, params, *, prepare: bool = True) -> list:
    """Run a read statement through bound_cursor() and return its rows."""
    with bound_cursor(prepare=prepare) as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _columns(obj: models.Model) -> list:
    """The concrete fields an INSERT of `obj` names: all but an auto primary key left to its default."""
    meta = obj._meta
    return [f for f in meta.concrete_fields if not (f.primary_key and getattr(obj, f.attname) is None)]


# Columns whose database value is the Python value itself (None, an int, a bool): get_db_prep_save is
# skipped for them. The rollup deltas alone carry about 150 such zeros and ids per intake.
_INTEGER_TYPES = frozenset({"IntegerField", "PositiveIntegerField", "BigIntegerField", "SmallIntegerField",
                            "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField"})
_plain: dict = {}


def _is_plain(f) -> bool:
    """True for integer and boolean fields (and foreign keys to them) that prepare no value of their own."""
    hit = _plain.get(f)
    if hit is None:
        target = f.target_field if f.is_relation else f
        own_prep = (type(target).get_db_prep_save is models.Field.get_db_prep_save
                    and (not f.is_relation or type(f).get_db_prep_save is models.ForeignKey.get_db_prep_save))
        hit = _plain[f] = own_prep and target.get_internal_type() in (_INTEGER_TYPES | {"BooleanField"})
    return hit


def insert_statement(objs: list[models.Model]) -> tuple[str, list]:
    """One SQL statement inserting every object (rows of one table and one column list share a
    VALUES list), with its parameters ($1, $2, … : see bound_cursor). Values are prepared as
    Model.save() prepares them."""
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
            first = len(params) + 1
            for f in fields:
                value = f.pre_save(obj, True)
                plain = value is None or (type(value) in (int, bool) and _is_plain(f))
                params.append(value if plain else f.get_db_prep_save(value, connection))
            values.append("(" + ", ".join(f"${i}" for i in range(first, len(params) + 1)) + ")")
        parts.append(f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
                     f"VALUES {', '.join(values)}")
    *ctes, last = parts
    if not ctes:
        return last, params
    return "WITH " + ", ".join(f"w{i} AS ({p})" for i, p in enumerate(ctes)) + " " + last, params
