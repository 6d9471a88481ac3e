"""The demo seeder: 30+ items across departments, windows, and a month of applications in every state."""
from __future__ import annotations

import time

import pytest


@pytest.mark.django_db
def test_demo_seeder_fills_a_month_in_every_state_quickly_and_once(client):
    from civicgrid.affairs import demo
    from civicgrid.affairs import workflow as W
    from civicgrid.affairs.models import Application, ApplicationEvent, Item, Notice, Rating
    from civicgrid.regions import demo as regions_demo

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    started = time.monotonic()
    out = demo.run()
    took = time.monotonic() - started
    assert Item.objects.count() >= 30 and Item.objects.values("department").distinct().count() >= 10
    assert set(Application.objects.values_list("state", flat=True)) == set(W.STATE_LABELS)
    assert Application.objects.filter(is_overdue=True, escalations=1).exists()
    assert Notice.objects.filter(resolved_at__isnull=True, application__state=W.CORRECTION).exists()
    assert Rating.objects.filter(score__in=W.POOR, answered_at__isnull=True).exists()
    assert Rating.objects.filter(score__in=W.POOR, answered_at__isnull=False).exists()
    # Every application's history is whole: one event per version, the last one reaching its state.
    for a in Application.objects.order_by("?")[:50]:
        seqs = list(ApplicationEvent.objects.filter(application=a).values_list("seq", "to_state"))
        assert [s for s, _ in seqs] == list(range(1, a.version + 1)) and seqs[-1][1] == a.state, a.number
    assert out["applications"] == Application.objects.count() > 400
    assert took < 30, took  # 13–23 s measured on a 2-core machine shared by a dozen test runs
    assert demo.run() == {}  # idempotent
    # The demo window's clerk can work with it.
    from civicgrid.core.models import User

    client.force_login(User.objects.get(username="demo-affairs-clerk"))
    assert client.get("/affairs/").status_code == 200
    assert client.get("/affairs/stats/").status_code == 200
