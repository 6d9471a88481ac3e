"""Paging long lists without counting them: the page's rows plus one, and a count that stops early.

Django's Paginator counts every matching row before it shows the first page. On a list of a few
hundred rows that is nothing; on a year of a district's cases (millions) the count was almost all
of the 1–5 s a drill-down page took. A clerk needs the rows in front of them, "is there a next
page", and a sense of size: an exact figure when it is small, "超过 1,000 件" when it is not (or an
exact figure the caller already knows, e.g. from the rollups).

`Window` has the attributes the templates and views used on Django's Page (number, has_next,
has_previous, next/previous_page_number, has_other_pages, iteration, len), so pages keep their
page=N links (a bookmark and the back button keep working) while the database only ever reads
`offset + per_page + 1` rows along an index. The count is `count_upto`: COUNT over a LIMITed
subquery, so it stops after `cap + 1` rows.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import QuerySet

from . import params as P

COUNT_CAP = 1000
MAX_PAGE = 10_000  # far beyond any clerk's patience; keeps OFFSET (and a hostile page=) bounded


_WORKERS = "max_parallel_workers_per_gather"


def serial(read):
    """Run `read` without PostgreSQL's parallel workers. The setting is local to a transaction (or
    savepoint) of the read's own and put back after it, so it never outlives the read: not on a
    pooled connection, nor in a request's outer transaction (a failed read's rollback undoes it
    too). A page reads at most a page of rows plus a capped count, yet PostgreSQL planned parallel
    scans for some (a drill-down's year read newest first, a text search): starting the workers
    cost more than they saved, and on a busy 2-core server they wait for a core. At 5M cases, in
    isolation: the dispatched drill-down 82 → 53 ms, the reworked one 90 → 72, a text search
    160–200 → 116."""
    @functools.wraps(read)
    def wrapper(*args, **kwargs):
        if connection.vendor != "postgresql":
            return read(*args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(f"SELECT current_setting('{_WORKERS}'), set_config('{_WORKERS}', '0', true)")
                before = cur.fetchone()[0]
            result = read(*args, **kwargs)
            with connection.cursor() as cur:
                cur.execute(f"SELECT set_config('{_WORKERS}', %s, true)", [before])
            return result
    return wrapper


def count_upto(qs: QuerySet, cap: int = COUNT_CAP) -> int:
    """The number of rows of qs, or cap + 1 when there are more than cap (reads at most cap + 1 rows)."""
    return qs.order_by()[:cap + 1].count()


def page_number(raw, *, default: int = 1) -> int:
    """page= from a query string: garbage or out of range falls back to the first page, never a 500."""
    try:
        n = P.parse_int(raw, "页码", minimum=1) if raw not in (None, "") else default
    except P.BadParameter:
        return default
    return min(n or default, MAX_PAGE)


@dataclass
class Window:
    """One page of a list, Page-like, with `total` exact when known and `more_than` otherwise."""

    rows: list
    number: int
    per_page: int
    has_more: bool
    total: int | None = None      # exact number of rows, when known
    more_than: int | None = None  # when not: the list has more than this many rows
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def object_list(self) -> list:
        return self.rows

    def has_next(self) -> bool:
        return self.has_more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        """Known only with an exact total."""
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def count_label(self) -> str:
        """"1,234" or "超过 1,000": what goes between 共 and the unit."""
        if self.total is not None:
            return f"{self.total:,}"
        return f"超过 {self.more_than:,}"

    @property
    def count_for_log(self) -> int:
        return self.total if self.total is not None else (self.more_than or 0) + 1


def _keys(qs, fetch):
    """With `fetch`, the list read as primary keys only (no joins for display)."""
    return qs.values_list("pk", flat=True) if fetch else qs


def _fetched(rows: list, fetch) -> list:
    """The page's objects, in the page's order, when `rows` are primary keys (`fetch`: ids → {id: obj}); a
    case gone since its id was read is left out."""
    if not fetch:
        return rows
    found = fetch(rows)
    return [found[pk] for pk in rows if pk in found]


@serial
def window(qs, number, per_page: int, *, total: int | None = None, cap: int = COUNT_CAP, fetch=None) -> Window:
    """Page `number` of qs (already ordered): per_page + 1 rows fetched; counted up to `cap` unless
    `total` is given. A page past the end shows the last page that has rows, as Paginator.get_page did.
    `fetch` (ids → {id: object}) as in chain_window: the page is read as primary keys, without the
    joins for display, and its objects fetched once (a drill-down's list joined five tables for
    display beside its filter's subquery: at 5M cases PostgreSQL spent 24 ms planning it)."""
    number = page_number(number)
    offset = (number - 1) * per_page
    piece = _keys(qs, fetch)
    rows = list(piece[offset:offset + per_page + 1])
    if not rows and number > 1:
        known = total if total is not None else count_upto(qs, cap)
        if known <= cap or total is not None:
            number = max(1, -(-known // per_page))
        else:
            number = 1
        offset = (number - 1) * per_page
        rows = list(piece[offset:offset + per_page + 1])
    has_more = len(rows) > per_page
    rows = _fetched(rows[:per_page], fetch)
    if total is None:
        if not has_more:
            total = offset + len(rows)  # the last page: the count is known for free
        else:
            n = count_upto(qs, cap)
            total, more_than = (n, None) if n <= cap else (None, cap)
            return Window(rows, number, per_page, has_more, total, more_than)
    return Window(rows, number, per_page, has_more, total)


@serial
def chain_window(parts: list, number, per_page: int, *, cap: int = COUNT_CAP, fetch=None, whole=None) -> Window:
    """A page of the concatenation of `parts` (querysets, each ordered along an index, disjoint):
    the way to page an order no index holds, like "overdue first, then by deadline, then the
    closed ones newest first", without sorting every matching row. A part before the page is
    counted only as far as the page's offset; the list is counted up to `cap` unless the page
    shows its end.

    With `fetch` (ids → {id: object}), the parts are read as primary keys only and the page's
    objects are fetched once by `fetch`: each part's query then has no joins for display, which
    on a loaded server halves its planning time, and the joins run for the page's rows only.

    `whole`, when given, is the union of the parts as one queryset: the list is counted by one query
    over it instead of part after part. A text search must otherwise look at every open case once
    per part (at 5M cases three passes of ~250 ms over the open cases' rows) before its count."""
    number = page_number(number)
    offset = (number - 1) * per_page
    need = per_page + 1
    rows: list = []
    skip = offset
    for qs in parts:
        if len(rows) >= need:
            break
        if skip:
            n = count_upto(qs, skip)  # reads at most skip + 1 rows
            if n <= skip:
                skip -= n
                continue
        rows += list(_keys(qs, fetch)[skip:skip + need - len(rows)])
        skip = 0
    if not rows and number > 1:  # past the end (a bookmark of a list that shrank): the first page
        return chain_window(parts, 1, per_page, cap=cap, fetch=fetch, whole=whole)
    has_more = len(rows) > per_page
    rows = _fetched(rows[:per_page], fetch)
    if not has_more:
        return Window(rows, number, per_page, False, total=offset + len(rows))
    if whole is not None:
        counted = count_upto(whole, cap)
    else:
        counted = 0
        for qs in parts:
            counted += count_upto(qs, cap - counted)
            if counted > cap:
                break
    if counted > cap:
        return Window(rows, number, per_page, True, more_than=cap)
    return Window(rows, number, per_page, True, total=counted)
