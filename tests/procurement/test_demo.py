"""The two seeders fill the demo district: 60+ organisations and filed groups, a cohort, a year of
inspections and grades, catalogue history with leavers, calls in every state, a paid instalment, a
ledger that reconciles; once."""
from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_demo_seeders_fill_the_demo_district_once():
    from civicgrid.orgs import demo as orgs_demo
    from civicgrid.orgs.models import CatalogueSpell, Filing, Grade, Incubation, Inspection, Organisation
    from civicgrid.procurement import demo, services
    from civicgrid.procurement.models import Call, FundSource, Milestone, Payment
    from civicgrid.regions import demo as regions_demo

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    assert orgs_demo.run()["organisations"] >= 60
    assert Organisation.objects.count() >= 60 and Filing.objects.count() >= 15
    assert Inspection.objects.exclude(result="pending").exists() and Grade.objects.exists()
    assert {"incubating", "graduated", "exited"} <= set(Incubation.objects.values_list("state", flat=True))
    assert CatalogueSpell.objects.filter(left_at__isnull=False).exists()
    assert CatalogueSpell.objects.filter(left_at__isnull=True).exists()
    assert demo.run() == {"calls": 4}
    assert {"draft", "published", "awarded"} <= set(Call.objects.values_list("state", flat=True))
    assert {"paid", "reported", "rejected", "planned"} <= set(Milestone.objects.values_list("state", flat=True))
    assert Payment.objects.count() == 1
    assert all(services.reconcile(f)["ok"] for f in FundSource.objects.all())
    assert orgs_demo.run() == {} and demo.run() == {}
