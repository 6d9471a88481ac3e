"""Background tasks (Django Tasks API). `civicgrid worker` enqueues the sweep every five minutes."""
from __future__ import annotations

from django_tasks import task


@task()
def sweep_deadlines() -> dict:
    """Warn, flag overdue and escalate; see services.sweep."""
    from . import services

    return services.sweep()
