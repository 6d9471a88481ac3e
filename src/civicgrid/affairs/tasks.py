"""Background tasks (Django Tasks API); the manifest registers the sweep with the worker."""
from __future__ import annotations

from django_tasks import task


@task()
def sweep_deadlines() -> dict:
    """Warn, flag overdue and supervise late applications; chase unanswered poor ratings (services.sweep)."""
    from . import services

    return services.sweep()
