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
import re

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
    `prepare=False` sends the statement unnamed; on these connections it too runs a generic plan
    (plan_prepared_statements_generically): for a statement whose plan must follow its values, use
    fetch_all(prepare=False), which binds on the client. `raw`: the statement's placeholders are
    PostgreSQL's own ($1, $2, …), which psycopg passes on as they are; it parses %s-style ones on
    every run of a statement longer than 4 kB or with more than 50 values (it caches only shorter
    ones), as intake's insert is: about 2 ms a request."""
    connection.ensure_connection()
    return connection._prepare_cursor(_bound_cursor_class(prepare, raw)(connection.connection))


def plan_prepared_statements_generically(sender, connection, **kwargs) -> None:
    """PostgreSQL, on every new connection (connection_created): its prepared statements — only
    intake's, see bound_cursor — run the one generic plan, never plans made for their values.

    Why: by default PostgreSQL plans a prepared statement for its values five times, then keeps
    planning for the values whenever those plans look cheaper than the generic one. The duplicate
    check asks for reports of the last 72 hours, which lie beyond the statistics' newest value until
    the next ANALYZE (autovacuum analyzes a table of millions after a tenth of it has changed: weeks
    of intake). Planned for the values, the window looked empty, so the check went through the plain
    created_at index and filtered every report of the window by spot: planned again on every intake,
    and reading more with every report taken in (bench/open311_throughput.py: PostgreSQL's time per
    intake grew from 1.5 to 3.5 ms over 4,000 intakes). The generic plan knows no values and reads
    the cells around the point through the spot indexes (cases/services.py DUP_SPOT_SQL; its bound is
    tested in tests/cases/test_duplicates.py). Django's own queries are never prepared (settings:
    prepare_threshold), so nothing else is affected. Behind PgBouncer (transaction pooling) add
    plan_cache_mode to its track_extra_parameters, so the setting follows the client."""
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cur:
            cur.execute("SET plan_cache_mode = force_generic_plan")


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


def fetch_all(sql: str, params: dict, *, prepare: bool = True) -> list:
    """Run a read statement with %(name)s placeholders through bound_cursor() and return its rows.
    The text is turned into PostgreSQL's $1, $2, … once per text (psycopg would parse the duplicate
    check's 5 kB on every run: it caches only short statements).

    `prepare=False`: bound on the client instead (Django's cursor: the values written into the text),
    so PostgreSQL plans the statement for its values — a parameter bound on the server would get
    the generic plan these connections are set to (plan_prepared_statements_generically)."""
    if not prepare:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    text, names = _numbered(sql)
    with bound_cursor(raw=True) as cur:
        cur.execute(text, [params[n] for n in names])
        return cur.fetchall()


_NAMED = re.compile(r"%\((\w+)\)s|%%")


@functools.lru_cache(maxsize=64)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with each %(name)s as $k (the same name, the same k) and %% as %; the names in k order."""
    names: list[str] = []

    def number(m):
        if m.group(0) == "%%":
            return "%"
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    return _NAMED.sub(number, sql), tuple(names)


@functools.cache
def _attnames(model, with_pk: bool) -> tuple:
    """The columns an INSERT of a `model` row names: all concrete fields, the primary key only when
    it is set (an auto key left to its default is not named)."""
    return tuple(f.attname for f in model._meta.concrete_fields if with_pk or not f.primary_key)


# Columns whose database value is the Python value itself: get_db_prep_save is skipped for values of
# these types. The rollup deltas alone carry about 150 such zeros and ids per intake.
_INTEGER_TYPES = frozenset({"IntegerField", "PositiveIntegerField", "BigIntegerField", "SmallIntegerField",
                            "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField"})
_TEXT_TYPES = frozenset({"CharField", "TextField"})
# The methods a value passes through on its way to the database (Field.get_db_prep_save ->
# get_db_prep_value -> get_prep_value -> to_python): a field class that overrides none of them
# below the stock class of its kind (an encrypted field does) hands a value of the kind's type on as it is.
_PREP_METHODS = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")


def _stock(cls, base) -> bool:
    return all(getattr(cls, m) is getattr(base, m) for m in _PREP_METHODS)


def _as_is_types(f) -> tuple:
    """The Python types whose values field `f` sends to the database unchanged (may be empty)."""
    if f.is_relation:
        if type(f).get_db_prep_save is not models.ForeignKey.get_db_prep_save:
            return ()
        f = f.target_field
    kind, cls = f.get_internal_type(), type(f)
    if kind in _INTEGER_TYPES and _stock(cls, getattr(models, kind, models.IntegerField)):
        return (int,)
    if kind == "BooleanField" and _stock(cls, models.BooleanField):
        return (bool,)
    if kind in _TEXT_TYPES and _stock(cls, getattr(models, kind)):
        return (str,)
    return ()


@functools.cache
def _plan(model, attnames: tuple) -> tuple:
    """How to read each column of a row of `model`: (field, read the attribute straight, types sent
    as they are). Field.pre_save is the attribute itself; fields that stamp a value (auto_now)
    or prepare a file override it and keep their own."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return tuple((f, type(f).pre_save is models.Field.pre_save, _as_is_types(f))
                 for f in (fields[a] for a in attnames))


@functools.lru_cache(maxsize=256)
def _statement_text(shape: tuple) -> str:
    """The statement's text for `shape` ((table, column names, row count) per group): the same for
    every intake of one shape, so it is built once ($1, $2, … numbered in order)."""
    qn = connection.ops.quote_name
    parts, n = [], 0
    for table, columns, count in shape:
        width = len(columns)
        rows = []
        for _ in range(count):
            rows.append("(" + ", ".join(f"${i}" for i in range(n + 1, n + width + 1)) + ")")
            n += width
        parts.append(f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES {', '.join(rows)}")
    *ctes, last = parts
    if not ctes:
        return last
    return "WITH " + ", ".join(f"w{i} AS ({p})" for i, p in enumerate(ctes)) + " " + last


def insert_statement(objs: list[models.Model]) -> tuple[str, list]:
    """One SQL statement inserting every object (rows of one table and one column list share a
    VALUES list), with its parameters ($1, $2, … : see bound_cursor). Values are prepared as
    Model.save() prepares them: pre_save, then get_db_prep_save — skipped only where they would
    return the value unchanged (see _plan)."""
    groups: dict[tuple, list] = {}
    for obj in objs:
        split_private_text(obj)
        model = type(obj)
        groups.setdefault((model, _attnames(model, obj.pk is not None)), []).append(obj)
    params: list = []
    append = params.append
    shape = []
    for (model, attnames), rows in groups.items():
        plan = _plan(model, attnames)
        for obj in rows:
            for f, straight, as_is in plan:
                value = getattr(obj, f.attname) if straight else f.pre_save(obj, True)
                append(value if value is None or type(value) in as_is else f.get_db_prep_save(value, connection))
        shape.append((model._meta.db_table, tuple(f.column for f, _, _ in plan), len(rows)))
    return _statement_text(tuple(shape)), params
