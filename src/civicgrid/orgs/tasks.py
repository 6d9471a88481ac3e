"""Background tasks (Django Tasks API), registered as periodic in the manifest."""
from __future__ import annotations

from django_tasks import task


@task()
def regenerate_catalogue() -> dict:
    """Nightly: grades expire and "the last N years" move with the calendar — for the credit status too,
    so it is derived again before the catalogue is."""
    from . import catalogue, services
    from .models import Organisation

    for org in Organisation.objects.filter(credit_events__isnull=False).distinct().prefetch_related("credit_events"):
        services.rederive_credit(org)
    return catalogue.regenerate(trigger="每日自动更新")


@task()
def remind_expiring() -> dict:
    """Daily: grades expiring within 90 days, annual inspections not submitted."""
    from . import services

    return services.remind()
