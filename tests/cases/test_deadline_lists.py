"""A deadline means the case is open, and the lists lean on it.

The clock runs only while a case is open; the database holds it (check case_deadline_only_while_open).
The worklist's deadline pieces then say their states as "none of the other open states"
(cases/selectors.py _states_q), which PostgreSQL estimates right: said as "one of these open states"
and "due before now" it multiplied two conditions that both mean "open", expected a handful of
overdue cases where a street had thousands, and sorted them all for a page of 30.
"""
from __future__ import annotations

import datetime as dt

import pytest

from django.db import IntegrityError, connection, transaction

from civicgrid.cases import selectors as CS
from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from tests.pgplans import explain

from .conftest import P_A1a, T0

H = dt.timedelta(hours=1)
VIEWS = ("todo", "open", "overdue", "all")


def test_the_database_refuses_a_deadline_on_a_closed_case(t, cats):
    case = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"], description="井盖缺失",
                    lng=P_A1a[0], lat=P_A1a[1], now=T0)
    assert case.due_at is not None  # the acceptance clock runs
    for state in sorted(W.TERMINAL):
        with pytest.raises(IntegrityError, match="case_deadline_only_while_open"), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(state=state)
    Case.objects.filter(pk=case.pk).update(state=W.CLOSED, due_at=None, warn_at=None)  # stopped: allowed
    assert Case.objects.get(pk=case.pk).state == W.CLOSED


def test_every_way_into_a_closed_state_stops_the_clock():
    """The transitions that end a case restart the clock (with no step: stopped); an action that keeps
    the clock running must not be one of them, or closing would hit the database's refusal."""
    into_terminal = [row for row in W.WORKFLOW.transitions if row.to_state in W.TERMINAL]
    assert {row.to_state for row in into_terminal} == set(W.TERMINAL)
    for row in into_terminal:
        assert row.action not in S.MACHINE.keeps_clock, row
        assert W.WORKFLOW.step_of_state.get(row.to_state) is None, row


def test_the_dated_form_selects_the_same_cases_with_a_deadline(t, cats):
    """_view_q(dated=True) over cases with a deadline = _view_q() over them, for every role and view."""
    from civicgrid.dashboard import seed

    seed.load(400, district=t.district, days=6, end=T0, seed=3)
    now = T0 - 30 * H
    with_deadline = Case.objects.filter(due_at__isnull=False)
    assert with_deadline.count() > 30 and Case.objects.filter(state__in=W.TERMINAL).count() > 100
    for who in ("admin", "commander", "dispatcher_A", "staff_A1", "worker_A1a", "urban_A", "operator"):
        user = t.users[who]
        for view in VIEWS:
            f = CS.Filters(view=view)
            plain = set(with_deadline.filter(CS._view_q(user, f, now)).values_list("pk", flat=True))
            dated = set(with_deadline.filter(CS._view_q(user, f, now, dated=True)).values_list("pk", flat=True))
            assert plain == dated, (who, view, len(plain), len(dated))
            if (who, view) in (("dispatcher_A", "todo"), ("admin", "open"), ("admin", "overdue")):
                assert plain, (who, view)  # the comparison had something to compare


def _bulk(t, cats, prefix: str, n: int, *, street: str, state: str, tier: str, due: dt.datetime | None,
          start: dt.datetime) -> list[Case]:
    comm, grid = t.communities[f"{street}1"], t.grids[f"{street}1a"]
    return [Case(number=f"{prefix}{i:08d}", channel="grid_worker", category=cats["01037"], description="占道",
                 lng=P_A1a[0], lat=P_A1a[1], region=grid, grid=grid, community=comm, street=t.streets[street],
                 district=t.district, state=state, tier=tier, created_at=start - dt.timedelta(minutes=i),
                 due_at=None if due is None else due - dt.timedelta(minutes=7 * i), version=1)
            for i in range(n)]


def test_a_street_to_do_page_reads_the_street_overdue_cases_by_deadline(t, cats):
    """PostgreSQL, a district's year in small: 20,000 closed cases (no deadline), and in street A 1,500
    overdue cases waiting for its dispatcher (filed) beside 1,500 overdue ones waiting for a department;
    as many in street B. The dispatcher's first page is the 30 most overdue of its own, and every
    query of the page — the rows and the count up to 1,000 — reads along the street's deadlines: a
    bounded number of rows, never sorting the street's overdue cases nor reading the whole district's."""
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    now = T0
    past = now - 2 * H
    Case.objects.bulk_create(
        _bulk(t, cats, "CL", 10000, street="A", state=W.CLOSED, tier=W.STREET, due=None, start=now - 60 * 24 * H)
        + _bulk(t, cats, "CB", 10000, street="B", state=W.CLOSED, tier=W.STREET, due=None, start=now - 60 * 24 * H)
        + _bulk(t, cats, "FA", 1500, street="A", state=W.FILED, tier=W.STREET, due=past, start=now - 24 * H)
        + _bulk(t, cats, "DA", 1500, street="A", state=W.DISPATCHED, tier=W.STREET, due=past + H, start=now - 24 * H)
        + _bulk(t, cats, "FB", 1500, street="B", state=W.FILED, tier=W.STREET, due=past, start=now - 24 * H),
        batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE cases_case")
    user = t.users["dispatcher_A"]
    f = CS.Filters(view="todo")

    ran = []

    def record(execute, sql, params, many, context):
        ran.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = CS.worklist_page(user, f, 1, now=now)
    expected = list(Case.objects.filter(street=t.streets["A"], state=W.FILED)
                    .order_by("due_at", "-created_at", "-id").values_list("number", flat=True)[:30])
    assert [c.number for c in page] == expected and expected[0] == "FA00001499"
    assert page.count_label == "超过 1,000"
    reads = [(sql, params) for sql, params in ran if "cases_case" in sql and "WHERE" in sql]

    def kind(sql):
        return "count" if "COUNT(" in sql else "rows" if '"cases_case"."id" IN (' in sql else "page"

    kinds = sorted(kind(sql) for sql, _ in reads)
    assert kinds == ["count", "page", "rows"], kinds  # the overdue piece's ids, its count, the page's rows by id
    # Read along the street's deadlines (case_street_due), never through an index of every state's or
    # every street's cases: the street's bitmap (its 11,500 cases), the filed cases of both streets
    # by deadline (case_state_due, then sorted), the district's tier (case_tier_state_due) or the
    # newest cases of the district. Bounded by the street's 3,000 overdue cases: their index entries
    # and rows once each, and the 1,001 counted. (With this little data PostgreSQL may sort the
    # street's 1,500 rather than walk; at 5M cases it walks: 0.3 ms.)
    bad = {"case_street_new", "case_state_due", "case_tier_state_due", "cases_case_created_at_1f9faaa8"}
    for sql, params in reads:
        read, used = explain(sql, params)
        if kind(sql) == "rows":
            assert "cases_case_pkey" in used and read <= 2 * 30, (read, used)
            continue
        assert "case_street_due" in used and not used & bad, (kind(sql), used)
        assert read <= 2 * 3000 + 1001 + 100, (kind(sql), read, used)
