"""Background tasks (Django Tasks API); the manifest registers them with the worker."""
from __future__ import annotations

from django_tasks import task


@task()
def sweep_deadlines() -> dict:
    """Warn, flag overdue acceptance/arrival and escalate orders; see services.sweep."""
    from . import services

    return services.sweep()


@task()
def remind_documents() -> int:
    """Vetting documents about to expire: tell the provider and the desk."""
    from . import services

    return services.remind_documents()
