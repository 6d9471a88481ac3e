"""Background tasks of core."""
from __future__ import annotations

from django_tasks import task


@task()
def prune_login_throttle() -> int:
    """Hourly: forget sign-in failure counts that have lapsed (core/throttle.py)."""
    from .throttle import prune

    return prune()
