"""Duplicate detection at a hot spot: one LIMITed query, the nearest open report, and the case a hot
spot's reports gather on shows how many reports it stands for."""
from __future__ import annotations

import datetime as dt
import json
import math
import random
import time

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.cases import onewrite
from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case

from tests.pgplans import explain, rows_read
from .conftest import P_A1a, T0

H = dt.timedelta(hours=1)


def _report(t, cats, point, now, code="01037"):
    return S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats[code], description="施工噪声",
                    lng=point[0], lat=point[1], now=now)


def _crowd(first: Case, n: int) -> None:
    """n open reports of the same class scattered 3–40 m around the first, each flagged against it
    as intake flags them (bulk rows: the check reads the table, not the objects)."""
    rows = []
    for i in range(n):
        k = 1 + i % 13
        rows.append(Case(number=f"HS{i:08d}", channel="grid_worker", category=first.category, description="噪声",
                         lng=P_A1a[0] + 0.00004 * k, lat=P_A1a[1] + 0.00003 * (i % 11), region=first.region,
                         grid=first.grid, community=first.community, street=first.street, district=first.district,
                         state=W.REPORTED, tier=first.tier, created_at=first.created_at + dt.timedelta(seconds=i + 1),
                         possible_duplicate=first, version=1))
    Case.objects.bulk_create(rows, batch_size=2000)


def test_hot_spot_costs_one_limited_query_and_finds_the_nearest(t, cats):
    first = _report(t, cats, P_A1a, T0)
    _crowd(first, 3000)
    with CaptureQueriesContext(connection) as q:
        cands = S.duplicate_candidates(first.category, lng=P_A1a[0], lat=P_A1a[1], now=T0 + H)
    assert len(q.captured_queries) == 1 and "LIMIT 5" in q.captured_queries[0]["sql"]
    assert cands == [(first.pk, 0.0)]  # the original report: the crowd flagged against it is not looked at
    # 40 m east of the original, right beside flagged reports: it still joins the original
    east = (P_A1a[0] + 0.00047, P_A1a[1])
    assert [pk for pk, _ in S.duplicate_candidates(first.category, lng=east[0], lat=east[1], now=T0 + H)] == [first.pk]
    # a new report at the spot is flagged against the original, not against one of the crowd
    again = _report(t, cats, P_A1a, T0 + H)
    assert again.possible_duplicate == first


def test_without_an_original_in_range_the_nearest_flagged_report_is_taken(t, cats):
    first = _report(t, cats, P_A1a, T0)
    _crowd(first, 50)
    far_side = (P_A1a[0] + 0.0009, P_A1a[1])  # ~77 m from the original, ~30 m from the crowd's east edge
    cands = S.duplicate_candidates(first.category, lng=far_side[0], lat=far_side[1], now=T0 + H)
    assert cands and first.pk not in [pk for pk, _ in cands]
    assert [d for _, d in cands] == sorted(d for _, d in cands) and all(d <= 50 for _, d in cands)


def test_candidates_respect_distance_class_time_and_state(t, cats, settings):
    settings.CASES_DUPLICATE_METERS = 50
    first = _report(t, cats, P_A1a, T0)
    east = (P_A1a[0] + 0.0005, P_A1a[1])  # ~43 m
    assert [pk for pk, _ in S.duplicate_candidates(cats["01037"], lng=east[0], lat=east[1], now=T0 + H)] == [first.pk]
    far = (P_A1a[0] + 0.0007, P_A1a[1])  # ~60 m: outside, though inside the bounding box's corner slack
    assert S.duplicate_candidates(cats["01037"], lng=far[0], lat=far[1], now=T0 + H) == []
    assert S.duplicate_candidates(cats["06042"], lng=P_A1a[0], lat=P_A1a[1], now=T0 + H) == []
    assert S.duplicate_candidates(cats["01037"], lng=P_A1a[0], lat=P_A1a[1], now=T0 + 73 * H) == []
    S.act(t.users["dispatcher_A"], first, "not_file", note="误报", now=T0 + H)
    assert S.duplicate_candidates(cats["01037"], lng=P_A1a[0], lat=P_A1a[1], now=T0 + H) == []


def test_merged_reports_are_counted_on_the_case_they_gather_on(t, cats, client):
    first = _report(t, cats, P_A1a, T0)
    ring = [(0.00012, 0), (-0.00012, 0), (0, 0.00009)]  # ~10 m east, west, north: the first is nearest to each
    others = [_report(t, cats, (P_A1a[0] + dx, P_A1a[1] + dy), T0 + (i + 1) * H) for i, (dx, dy) in enumerate(ring)]
    assert all(o.possible_duplicate == first for o in others)
    disp = t.users["dispatcher_A"]
    for o in others[:2]:
        S.act(disp, o, "merge", into=first, now=T0 + 4 * H)
    from civicgrid.cases import selectors

    assert selectors.reports_of(first) == {"merged": 2, "suspected": 1, "total": 4}
    client.force_login(disp)
    page = client.get(f"/cases/{first.number}/").content.decode()
    assert "共 4 次反映" in page and "2 件已合并" in page and "1 件疑似重复" in page


def test_hot_spot_check_does_not_grow_with_the_crowd(t, cats):
    """At a hot spot of 12,000 open reports the check stays a bounded query: a few statements, each with a
    LIMIT, and at most a handful of Case objects built — never the neighbourhood. (Its speed is measured in
    bench/duplicate_check.py, not timed here.)"""
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    first = _report(t, cats, P_A1a, T0)
    _crowd(first, 12_000)
    built = []

    def count(sender, **kwargs):
        built.append(1)

    post_init.connect(count, sender=Case)
    try:
        with CaptureQueriesContext(connection) as queries:
            found = S.find_duplicate(first.category, lng=P_A1a[0], lat=P_A1a[1], now=T0 + H)
    finally:
        post_init.disconnect(count, sender=Case)
    assert found is not None
    case_queries = [q["sql"] for q in queries.captured_queries if "cases_case" in q["sql"]]
    assert 1 <= len(case_queries) <= 2 and all("LIMIT" in q.upper() for q in case_queries), case_queries
    assert len(built) <= 5, len(built)


def _explain_generic(sql: str, params: dict) -> tuple[int, set]:
    """EXPLAIN ANALYZE of the check's statement as intake runs it: prepared, with the one plan
    PostgreSQL may settle on for every point (forced here; it does so after five runs when that plan
    costs no more than the ones made for each point)."""
    text, names = onewrite._numbered(sql)
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('plan_cache_mode')")
        mode = cur.fetchone()[0]  # the connection's own (onewrite.plan_prepared_statements_generically), put back
        cur.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cur.execute(f"PREPARE dup_check AS {text}")
            args = ", ".join(["%s"] * len(names))
            cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE dup_check({args})", [params[n] for n in names])
            plan = cur.fetchone()[0]
        finally:
            cur.execute("DEALLOCATE ALL")
            cur.execute("SELECT set_config('plan_cache_mode', %s, false)", [mode])
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return rows_read(plan[0]["Plan"])


def test_the_check_reads_the_cells_around_the_point_not_the_class_across_the_city(t, cats):
    """PostgreSQL: with 4,000 open reports of the class across the district in the window, a hot spot of
    3,000 flagged reports and 20,000 older reports, both looks read the cells around the point — a
    handful of rows, not the hot spot's crowd nor every report of the class in the window — in the plan
    made for the point and in the one plan a prepared statement may keep for every point, before the
    table has statistics and after; at the hot spot the original is found."""
    if connection.vendor != "postgresql":
        pytest.skip("the cell indexes are PostgreSQL's")
    first = _report(t, cats, P_A1a, T0)
    _crowd(first, 3000)
    rng = random.Random(19)
    nowhere = (116.0302, 39.9149)  # inside the district; none of the 4,000 within ~150 m of it
    spread = []
    while len(spread) < 4000:
        lng, lat = rng.uniform(116.001, 116.039), rng.uniform(39.901, 39.919)
        if abs(lng - nowhere[0]) > 0.002 or abs(lat - nowhere[1]) > 0.0015:
            spread.append((lng, lat))

    def report(number, lng, lat, created_at, state):  # bulk rows of the class in the first's grid
        return Case(number=number, channel="grid_worker", category=first.category, description="占道", lng=lng,
                    lat=lat, region=first.region, grid=first.grid, community=first.community, street=first.street,
                    district=first.district, state=state, tier=first.tier, created_at=created_at, version=1)

    Case.objects.bulk_create([report(f"CT{i:08d}", lng, lat, T0 - dt.timedelta(minutes=i % 3000), W.REPORTED)
                              for i, (lng, lat) in enumerate(spread)], batch_size=2000)
    # A district's history: most reports are originals (not flagged), older than the window. Without
    # it a 7,000-row table makes "every original report" look like a cheap thing to read.
    Case.objects.bulk_create([report(f"OL{i:08d}", rng.uniform(116.001, 116.039), rng.uniform(39.901, 39.919),
                                     T0 - dt.timedelta(days=10, minutes=i), W.CLOSED)
                              for i in range(20000)], batch_size=5000)
    bounded = {"case_dup_root_spots", "case_dup_spots", "Bitmap Heap Scan"}  # a bitmap scan of these
    for stats in ("none yet", "analyzed"):
        if stats == "analyzed":
            with connection.cursor() as cur:
                cur.execute("ANALYZE cases_case")  # what autovacuum keeps up to date
        for point, expect_first in ((P_A1a, True), (nowhere, False)):
            sql, params = S._pg_candidates_sql(first.category, lng=point[0], lat=point[1], grid=None,
                                               now=T0 + H, exclude_pk=None, limit=1)
            assert "= ANY(%(spots)s" in sql
            for how, run in (("for the point", explain), ("prepared, one plan for all", _explain_generic)):
                read, used = run(sql, params)
                assert read <= 60 and used <= bounded, (stats, point, how, read, used)
                if not expect_first:  # the second look ran: through the spots of every report
                    assert "case_dup_spots" in used, (stats, how, used)
            found = S.duplicate_candidates(first.category, lng=point[0], lat=point[1], now=T0 + H)
            assert found[:1] == [(first.pk, 0.0)] if expect_first else found == []


def test_intake_keeps_the_checks_generic_plan_when_the_window_lies_beyond_the_statistics(t, cats):
    """PostgreSQL: the table was analyzed while every report was older than the window (a big table's
    statistics lag by weeks); 3,000 originals of the class have come in across the district since.
    Intake's prepared check runs only its generic plan — never one made for the point, which here
    read the window through the created_at index, more with every report — and that plan reads a
    handful of rows through the spot indexes."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements and plan_cache_mode are PostgreSQL's")
    first = _report(t, cats, P_A1a, T0)
    rng = random.Random(23)

    def report(number, created_at, state):  # bulk rows of the class in the first's grid
        return Case(number=number, channel="grid_worker", category=first.category, description="占道",
                    lng=rng.uniform(116.001, 116.039), lat=rng.uniform(39.901, 39.919), region=first.region,
                    grid=first.grid, community=first.community, street=first.street, district=first.district,
                    state=state, tier=first.tier, created_at=created_at, version=1)

    Case.objects.bulk_create([report(f"OL{i:08d}", T0 - dt.timedelta(days=5 + i % 25, minutes=i), W.CLOSED)
                              for i in range(10000)], batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE cases_case")
    Case.objects.bulk_create([report(f"NW{i:08d}", T0 - dt.timedelta(minutes=i % 4000), W.REPORTED)
                              for i in range(3000)], batch_size=3000)
    with connection.cursor() as cur:
        cur.execute("DEALLOCATE ALL")  # this connection's earlier tests prepared the check already
    nowhere = (116.0302, 39.9149)
    for k in range(8):  # past the five runs PostgreSQL plans for the values by default
        _report(t, cats, (nowhere[0] + 0.0004 * k, nowhere[1]), T0 + H)
    with connection.cursor() as cur:
        cur.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
                    ["WITH ids AS (%"])
        plans = cur.fetchall()
    assert len(plans) == 1 and plans[0][0] >= 8 and plans[0][1] == 0, plans
    sql, params = S._pg_candidates_sql(first.category, lng=nowhere[0], lat=nowhere[1], grid=None, now=T0 + H,
                                       exclude_pk=None, limit=1)
    read, used = _explain_generic(sql, params)
    assert read <= 60 and used <= {"case_dup_root_spots", "case_dup_spots", "Bitmap Heap Scan"}, (read, used)


def test_cells_cover_every_point_of_the_box():
    """dup_cells lists the cell of every point in the box (the same floor as DUP_CELL_SQL's), and gives up
    (None: the plain query) when a radius set very wide would list too many."""
    rng = random.Random(7)
    for _ in range(2000):
        lat, lng = rng.uniform(18, 53), rng.uniform(73, 135)
        d = rng.uniform(1e-5, 6e-4)
        cells = set(S.dup_cells(lat - d, lat + d, lng - d, lng + d))
        for _ in range(5):
            y, x = rng.uniform(lat - d, lat + d), rng.uniform(lng - d, lng + d)
            assert math.floor(y * 2000) * 1_000_000 + math.floor(x * 2000) in cells
    assert S.dup_cells(39.0, 39.1, 116.0, 116.1) is None
