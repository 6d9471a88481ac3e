"""Background tasks (Django Tasks API); the manifest registers the sweep with the worker."""
from __future__ import annotations

from django_tasks import task


@task()
def sweep_deadlines() -> dict:
    """Lapse proposals short of support, flag overdue decisions, remind of missing monthly summaries."""
    from . import services

    return services.sweep()
