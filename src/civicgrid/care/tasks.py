"""Background tasks (Django Tasks API); the manifest registers them with the worker."""
from __future__ import annotations

from django_tasks import task


@task()
def sweep_alerts() -> dict:
    """Escalate unacknowledged alerts by minutes along their chain; flag late arrivals."""
    from . import services

    return services.sweep_alerts()


@task()
def sweep_misses() -> dict:
    """Flag rhythms whose window ended without a reached contact (and escalate, and alert)."""
    from . import services

    return services.sweep_misses()


@task()
def purge_nonces() -> int:
    from . import devices

    return devices.purge_nonces()
