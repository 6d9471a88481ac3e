"""Duplicate detection at a hot spot: one LIMITed query, the nearest open report, and the case a hot
spot's reports gather on shows how many reports it stands for."""
from __future__ import annotations

import datetime as dt
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case

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
