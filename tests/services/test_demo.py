"""The demo seeder: every state, idempotent (run on the demo district)."""
import pytest

pytestmark = pytest.mark.django_db


def test_demo_orders_in_every_state():
    from civicgrid.regions import demo as regions_demo
    from civicgrid.services import demo

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    from civicgrid.services import workflow as W
    from civicgrid.services.models import Order, ServiceItem

    out = demo.run()
    states = set(Order.objects.values_list("state", flat=True))
    assert states == set(W.STATE_LABELS), set(W.STATE_LABELS) - states
    assert ServiceItem.objects.count() >= 40 and out["providers"] >= 8
    assert Order.objects.filter(is_overdue=True).exists() and Order.objects.exclude(declined_by=[]).exists()
    assert demo.run() == {}  # idempotent
