"""Background tasks of the API: forgetting stored idempotent replies once their time is up."""
from __future__ import annotations

from django_tasks import task


@task()
def prune_idempotency() -> int:
    """Hourly: delete replies older than IDEMPOTENCY_TTL_HOURS (a retry after that is a new request)."""
    from .idempotency import prune

    return prune()
