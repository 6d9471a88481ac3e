"""The demo seeder: a year of self-governance in the demo district, every state, fast, once."""
from __future__ import annotations

import time

import pytest


@pytest.mark.django_db
def test_demo_seeder_fills_every_state_quickly_and_once():
    from civicgrid.people import demo as people_demo
    from civicgrid.regions import demo as regions_demo
    from civicgrid.selfgov import demo
    from civicgrid.selfgov import workflow as W
    from civicgrid.selfgov.models import (Disclosure, FundEntry, GridReview, HearingStatement, Meeting, Poll, Proposal,
                                          Rating, TaskRequest)

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    people_demo.seed(residents=3000)
    started = time.monotonic()
    out = demo.run()
    took = time.monotonic() - started
    states = set(Proposal.objects.values_list("state", flat=True))
    assert {W.COLLECTING, W.MEETING, W.EXECUTING, W.REPORTED, W.REJECTED, W.LAPSED} <= states, states
    assert Proposal.objects.filter(is_overdue=True).exists()
    assert set(Meeting.objects.values_list("kind", flat=True)) >= {"representatives", "hearing", "coordination",
                                                                   "evaluation", "committee", "joint", "assembly"}
    assert HearingStatement.objects.count() >= 3
    assert set(Poll.objects.values_list("state", flat=True)) == {"open", "published"}
    assert Disclosure.objects.filter(kind="monthly").exists() and Disclosure.objects.filter(kind="subsidy").exists()
    assert set(TaskRequest.objects.values_list("state", flat=True)) == {"accepted", "refused"}
    assert FundEntry.objects.filter(kind="use").exists()
    assert Rating.objects.values("period").distinct().count() == 2 and GridReview.objects.exists()
    assert out["proposals"] == Proposal.objects.count()
    print(f"selfgov demo seeder: {took:.1f} s")
    assert took < 60, took  # ~16 s on SQLite on a loaded shared machine; a regression guard, not the target
    assert demo.run() == {}
