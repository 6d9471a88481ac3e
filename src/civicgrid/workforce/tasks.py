"""Background tasks (Django Tasks API); the manifest registers them with the worker."""
from __future__ import annotations

from django_tasks import task


@task()
def expire_time_bank_hours() -> int:
    """Daily: hours older than each district's rule expire (idempotent: what already expired counts as
    spent, so a second run the same day moves nothing)."""
    from . import services
    from .models import TimeBankRule

    return sum(services.expire_hours(rule.district)
               for rule in TimeBankRule.objects.filter(enabled=True, expire_months__gt=0).select_related("district"))
