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


@task()
def prepare_partitions() -> list:
    """Daily: on a partitioned database (partitions.py), the monthly partitions of the case and event
    tables exist three months ahead, so no row of a new month falls into the DEFAULT partition.
    Nothing on an unpartitioned one."""
    from . import partitions

    return partitions.ensure()
