"""Rate limits counted in the database (table RateHit), so every app server and worker shares them.

`hit(bucket, limit, window)` records one request and refuses (RateLimited) when `bucket` already
has `limit` hits inside the sliding window. Old rows are pruned as we go.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .errors import RateLimited  # noqa: F401  (raised here; views map it to HTTP 429 by its code)
from .models import RateHit


def check(bucket: str, limit: int, window: dt.timedelta, *, now=None) -> bool:
    now = now or timezone.now()
    return RateHit.objects.filter(bucket=bucket[:100], at__gt=now - window).count() < limit


@transaction.atomic
def hit(bucket: str, limit: int, window: dt.timedelta, message: str, *, now=None) -> None:
    now = now or timezone.now()
    bucket = bucket[:100]
    recent = RateHit.objects.filter(bucket=bucket, at__gt=now - window).count()
    if recent >= limit:
        raise RateLimited(message)
    RateHit.objects.create(bucket=bucket, at=now)
    # Keep the table small: anything older than a day is irrelevant to every window we use.
    if recent == 0:
        RateHit.objects.filter(bucket=bucket, at__lt=now - dt.timedelta(days=1)).delete()
