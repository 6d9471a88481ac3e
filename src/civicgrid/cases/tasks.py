"""Background tasks (Django Tasks API). `civicgrid worker` enqueues the sweep every five minutes."""
from __future__ import annotations

from django_tasks import task


@task()
def sweep_deadlines() -> dict:
    """Warn, flag overdue and escalate; see services.sweep."""
    from . import services

    return services.sweep()


@task()
def prepare_serials() -> list:
    """Hourly: today's and tomorrow's number counters exist before the first intake of the day needs
    them (serials.py), so no intake pays for creating one."""
    from . import serials

    return serials.prepare_ahead()
