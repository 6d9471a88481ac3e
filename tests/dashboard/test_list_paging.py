"""Lists without exact counts: the pages must show the same cases in the same order as before.

The worklist is paged as pieces read along indexes (cases.selectors.urgency_parts); concatenated
they must be exactly search()'s order, page after page, for every user, view and filter. The
drill-down count comes from the rollups where they hold it exactly: it must equal the list's own
count. Data: a bulk load (every state, deadlines past and future), plus cases made to have been
warned, or to have no deadline, so each piece of the urgency order has rows.
"""
from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.cases import selectors as CS
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from civicgrid.core import paging
from civicgrid.dashboard import selectors as DS

from .conftest import TZ

END = dt.datetime(2026, 3, 20, 18, 0, tzinfo=TZ)
NOW = END + dt.timedelta(hours=2)


@pytest.fixture
def loaded(territory, cats):
    from civicgrid.dashboard import seed

    seed.load(600, district=territory.district, days=8, end=END, seed=8)
    open_ids = list(Case.objects.exclude(state__in=W.TERMINAL).order_by("id").values_list("id", flat=True))
    assert len(open_ids) > 40
    # Past the warning point, still before the deadline; no deadline at all (a warning point without
    # a deadline the database refuses: case_warning_only_with_deadline).
    Case.objects.filter(id__in=open_ids[:8]).update(due_at=NOW + dt.timedelta(hours=5), warn_at=NOW - dt.timedelta(hours=1))
    Case.objects.filter(id__in=open_ids[8:15]).update(due_at=None, warn_at=None)
    Case.objects.filter(id__in=open_ids[15:22]).update(due_at=NOW + dt.timedelta(hours=30), warn_at=NOW + dt.timedelta(hours=20))
    return territory


def _all_pages(user, f, per_page):
    rows, number, pages = [], 1, []
    while True:
        w = CS.worklist_page(user, f, number, per_page=per_page, now=NOW)
        assert w.number == number
        pages.append(w)
        rows += [c.pk for c in w]
        if not w.has_next():
            return rows, pages
        number += 1


QUERIES = [{"view": "todo"}, {"view": "open"}, {"view": "overdue"}, {"view": "all"}, {"view": "all", "state": "closed"},
           {"view": "all", "state": "dispatched"}, {"view": "all", "category": "01"}, {"view": "all", "channel": "hotline"},
           # 7 digits are not a case number: a text search, counted as one query (worklist_page's whole)
           {"view": "all", "region": "B"}, {"view": "all", "q": "2026031"}, {"view": "todo", "q": "2026031"},
           {"view": "all", "state": "closed", "q": "2026031"}, {"view": "all", "date_from": "2026-03-10",
                                                                             "date_to": "2026-03-15"}]


def test_worklist_pages_follow_search_order_exactly(loaded):
    t = loaded
    for who, query in [(w, q) for w in ("admin", "commander", "dispatcher_A", "staff_A1", "worker_A1a", "urban_A")
                       for q in QUERIES]:
        user = t.users[who]
        query = dict(query)
        if query.get("region") == "B":
            query["region"] = t.streets["B"].code
        f = CS.Filters.from_query(query)
        expected = list(CS.search(user, f, NOW).values_list("pk", flat=True))
        rows, pages = _all_pages(user, f, per_page=17)
        assert rows == expected, (who, query)
        # Exact counts while the list is under the cap; the last page knows its total.
        assert all(p.total == len(expected) for p in pages), (who, query, [p.count_label for p in pages])
        assert pages[-1].count_label == f"{len(expected):,}"


def test_capped_count_and_pages_past_the_end(loaded):
    user = loaded.users["admin"]
    f = CS.Filters.from_query({"view": "all"})
    now = NOW
    parts = CS.urgency_parts(CS._filtered(user, f, now), now)
    n = sum(p.count() for p in parts)
    w = paging.chain_window(parts, 2, 20, cap=50)
    assert w.total is None and w.more_than == 50 and w.count_label == "超过 50" and w.has_next() and w.has_previous()
    expected = list(CS.search(user, f, now).values_list("pk", flat=True))
    assert [c.pk for c in w] == expected[20:40]
    last = -(-n // 20)
    w = paging.chain_window(parts, last, 20, cap=50)
    assert w.total == n and not w.has_next() and [c.pk for c in w] == expected[(last - 1) * 20:]
    assert paging.chain_window(parts, last + 5, 20, cap=50).number == 1  # a bookmark past the end: page 1
    # The plain window: counted up to the cap, exact on the last page, a page past the end shows the last.
    qs = Case.objects.order_by("-created_at", "-id")
    w = paging.window(qs, 1, 30, cap=100)
    assert (w.total, w.more_than, w.num_pages) == (None, 100, None)
    w = paging.window(qs, 10_000, 30)
    assert w.number == -(-qs.count() // 30) and w.total == qs.count() and not w.has_next()
    assert paging.window(qs, "abc", 30).number == 1 and paging.window(qs, "-3", 30).number == 1


def test_a_window_read_as_ids_shows_the_same_pages(loaded):
    """paging.window with `fetch` (the drill-down: ids first, then the page's rows) gives every page the
    same cases in the same order, the same count and the same page past the end as reading the rows."""
    user = loaded.users["commander"]
    period = DS.Period(END.date() - dt.timedelta(days=10), END.date())
    for figure in ("reported", "dispatched", "overdue_now"):
        qs = DS.cases_behind(user, loaded.district, figure, period)
        n = qs.count()
        assert n > 20, figure
        last = -(-n // 7)
        for number in (1, 2, last // 2, last - 1, last, 10_000):  # capped counts, exact ones, past the end
            plain, fetched = paging.window(qs, number, 7, cap=15), paging.window(qs, number, 7, cap=15,
                                                                                   fetch=DS.cases_by_id)
            assert [c.pk for c in fetched] == [c.pk for c in plain], (figure, number)
            assert (fetched.number, fetched.total, fetched.more_than, fetched.has_next()) == \
                (plain.number, plain.total, plain.more_than, plain.has_next()), (figure, number)
            assert all(c.category.name and c.street.name for c in fetched)  # the row's display fields


def test_worklist_page_shows_count_and_pager(loaded, client):
    client.force_login(loaded.users["commander"])
    html = client.get("/cases/?view=all&page=2").content.decode()
    n = Case.objects.count()
    assert f"共 {n:,} 件" in html and "上一页" in html and "下一页" in html and "第 2 / " in html


def test_drill_down_count_from_rollups_equals_the_list(loaded, client):
    t = loaded
    user = t.users["commander"]
    for area in (t.district, t.streets["A"], t.communities["B1"]):
        _drill_down_agrees(user, area, client)


def _drill_down_agrees(user, area, client):
    period = DS.Period(END.date() - dt.timedelta(days=10), END.date())
    some_cat = Case.objects.values_list("category_id", flat=True).order_by("category_id").first()
    day = (END - dt.timedelta(days=3)).date().isoformat()
    checked = 0
    for figure in DS.ROLLUP_COUNTED:
        for filters in ({}, {"channel": "hotline"}, {"category": str(some_cat)}, {"day": day},
                        {"bucket": "2"}, {"department": "0"}):
            if "bucket" in filters and figure != "closed":
                assert DS.rollup_count(area, figure, period, **filters) is None
                continue
            n = DS.rollup_count(area, figure, period, **filters)
            if "department" in filters:
                assert n is None  # the list filters by the department now; the rollups by the department then
                continue
            listed = DS.cases_behind(user, area, figure, period, **filters).count()
            assert n == listed, (figure, filters)
            checked += listed
    assert checked > 20
    client.force_login(user)
    html = client.get(f"/dashboard/cases/?figure=reported&area={area.code}&start={period.start}&end={period.end}"
                      ).content.decode()
    assert f"共 {DS.rollup_count(area, 'reported', period):,} 件" in html


def test_overdue_now_lists_the_longest_overdue_first(loaded, client):
    from django.utils import timezone

    t = loaded
    user = t.users["commander"]
    period = DS.Period(END.date() - dt.timedelta(days=10), END.date())
    rows = list(DS.cases_behind(user, t.district, "overdue_now", period))
    now = timezone.now()
    expected = (Case.objects.filter(district=t.district, state__in=W.OPEN_STATES, due_at__lte=now)
                .exclude(state=W.SUSPENDED))
    assert len(rows) == expected.count() > 10
    keys = [(c.due_at, -c.created_at.timestamp(), -c.pk) for c in rows]
    assert keys == sorted(keys)  # by deadline, the longest overdue first; ties newest first
    client.force_login(user)
    html = client.get(f"/dashboard/cases/?figure=overdue_now&area={t.district.code}").content.decode()
    assert f"共 {len(rows):,} 件，超期最久的在前" in html
    assert html.index(rows[0].number) < html.index(rows[1].number)


def test_a_page_is_read_without_parallel_workers_and_the_setting_ends_with_it(loaded):
    """PostgreSQL: every statement of a worklist page and of a drill-down page runs with parallel workers
    off (paging.serial), and the connection has its usual setting again afterwards (a pooled
    connection must not keep it for the next request)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")

    def setting() -> str:  # through the driver: not one of the statements recorded
        return connection.connection.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]

    usual = setting()
    assert usual != "0"
    seen = []

    def record(execute, sql, params, many, context):
        if "cases_case" in sql:
            seen.append(setting())
        return execute(sql, params, many, context)

    user = loaded.users["commander"]
    with connection.execute_wrapper(record):
        page = CS.worklist_page(user, CS.Filters.from_query({"view": "all"}), 2, per_page=17, now=NOW)
        drill = paging.window(DS.cases_behind(user, loaded.district, "reported", DS.parse_period({"start": "2026-03-01", "end": "2026-03-21"})),
                              1, 20, fetch=DS.cases_by_id)
    assert len(page) == 17 and len(drill) == 20
    assert len(seen) >= 4 and set(seen) == {"0"}, seen
    assert setting() == usual
