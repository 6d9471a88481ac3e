"""The demo seeder: mediators, rooms, screenings and a season of disputes in the demo district, fast."""
from __future__ import annotations

import time

import pytest


@pytest.mark.django_db
def test_demo_seeder_fills_the_demo_district_quickly_and_once():
    from civicgrid.mediation import demo
    from civicgrid.mediation import workflow as W
    from civicgrid.mediation.models import Dispute, MediationRoom, Mediator, Screening
    from civicgrid.regions import demo as regions_demo

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    started = time.monotonic()
    out = demo.run()
    took = time.monotonic() - started
    states = set(Dispute.objects.values_list("state", flat=True))
    assert {W.REGISTERED, W.MEDIATING, W.AGREED, W.RESOLVED, W.CLOSED_REFERRED} <= states
    kinds = set(Mediator.objects.values_list("kind", flat=True))
    assert kinds == {"people", "volunteer", "professional", "lawyer"} and MediationRoom.objects.exists()
    assert Screening.objects.filter(found=0).exists() and out["disputes"] == Dispute.objects.count()
    assert took < 30, took
    assert demo.run() == {}  # idempotent
