"""Sign-in throttling per client address and per (address, account), with exponential back-off.

Replaces the old per-account lock (five wrong passwords locked an account for everyone, so anyone
could lock out its owner, and the messages told real from unknown usernames apart):

- a pair (address, username) may fail LOGIN_PAIR_FAILURES times; then it is blocked for
  LOGIN_BACKOFF_SECONDS, doubling with each further failure, up to LOGIN_BACKOFF_MAX_SECONDS;
- an address may fail LOGIN_ADDRESS_FAILURES times over any usernames, with the same back-off, so
  one machine cannot spray passwords across accounts;
- there is deliberately no per-account lock: an attacker elsewhere never locks the owner out;
- an unknown username counts and answers exactly like a real one (same messages, same password
  hashing work: Django's ModelBackend hashes once for an unknown name), and while blocked no
  password is checked at all, for either;
- counts lapse after LOGIN_THROTTLE_WINDOW_SECONDS without failures; a correct password clears
  the pair (not the address: one valid account must not reset a spray from that machine).

Enforced in the authentication backend (core/backends.py), so the staff login page and the admin
login share it. Rows hold keyed hashes only (see LoginThrottle).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .middleware import client_ip
from .models import LoginThrottle


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _digest(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"login-throttle:{kind}:{value}".encode(),
                    hashlib.sha256).hexdigest()


def keys_for(request, username: str) -> list[tuple[str, int]]:
    """(hashed key, failures allowed before back-off) for this request's address and pair."""
    ip = client_ip(request) or "unknown"
    name = (username or "").strip().casefold()
    return [(_digest("addr", ip), _setting("LOGIN_ADDRESS_FAILURES", 20)),
            (_digest("pair", f"{ip}\x00{name}"), _setting("LOGIN_PAIR_FAILURES", 5))]


def seconds_blocked(request, username: str) -> int:
    """How long this address/pair must still wait; 0 when it may try."""
    now = timezone.now()
    keys = [k for k, _ in keys_for(request, username)]
    until = (LoginThrottle.objects.filter(key__in=keys, blocked_until__gt=now)
             .order_by("-blocked_until").values_list("blocked_until", flat=True).first())
    return 0 if until is None else max(1, int((until - now).total_seconds() + 0.999))


def _backoff(failures: int, limit: int) -> dt.timedelta:
    base, cap = _setting("LOGIN_BACKOFF_SECONDS", 60), _setting("LOGIN_BACKOFF_MAX_SECONDS", 3600)
    return dt.timedelta(seconds=min(cap, base * 2 ** min(failures - limit, 20)))


def _bump(key: str, limit: int, now) -> None:
    window = dt.timedelta(seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS", 24 * 3600))
    for _ in range(2):  # a concurrent first failure may create the row between our get and create
        try:
            with transaction.atomic():
                row = LoginThrottle.objects.select_for_update().filter(key=key).first()
                if row is None:
                    row = LoginThrottle(key=key, failures=0, updated_at=now)
                elif row.updated_at < now - window:
                    row.failures, row.blocked_until = 0, None
                row.failures += 1
                row.updated_at = now
                if row.failures >= limit:
                    row.blocked_until = now + _backoff(row.failures, limit)
                row.save()
                return
        except IntegrityError:
            continue


def record_failure(request, username: str) -> None:
    now = timezone.now()
    for key, limit in keys_for(request, username):
        _bump(key, limit, now)


def record_success(request, username: str) -> None:
    pair = keys_for(request, username)[1][0]
    LoginThrottle.objects.filter(key=pair).delete()


def prune() -> int:
    """Drop rows idle for longer than the window and no longer blocking (run hourly)."""
    now = timezone.now()
    window = dt.timedelta(seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS", 24 * 3600))
    stale = LoginThrottle.objects.filter(updated_at__lt=now - window).exclude(blocked_until__gt=now)
    return stale.delete()[0]
