"""Background tasks (Django Tasks API), registered as periodic in the manifest."""
from __future__ import annotations

from django_tasks import task


@task()
def close_due_calls() -> int:
    """Close bidding on calls whose deadline passed (the call workflow's SYSTEM step)."""
    from . import services

    return services.close_due()
