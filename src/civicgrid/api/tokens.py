"""Credential values: generated, hashed, looked up. Only the SHA-256 of a value is ever stored.

User tokens (/api/v1) and Open311 keys (/open311/v2) live in different tables and carry different
prefixes, so a value found in one lookup is never accepted by the other.

Lookups are cached in the process for API_CREDENTIAL_CACHE_SECONDS (default 10), keyed by the
SHA-256 of the value, with the owner's roles loaded: a partner posting hundreds of requests a
minute costs one hash per request instead of the key, the user and the roles from the database.
Revocation bound: revoking a key or token, disabling a client application or a user, and any save
of these rows clears this process's cache at once (post_save, api/apps.py); other app servers
stop accepting the credential within API_CREDENTIAL_CACHE_SECONDS. A database edit that bypasses
the models (a bulk UPDATE) also takes effect within that bound.
"""
from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time

from django.conf import settings
from django.utils import timezone

TOKEN_PREFIX = "cg_"
KEY_PREFIX = "o311_"


def generate(prefix: str = TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def generate_key() -> str:
    return generate(KEY_PREFIX)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _usable(raw: str | None) -> bool:
    return bool(raw) and len(raw) <= 200


def _mark_used(obj) -> None:
    # At most one write a minute per credential: a busy client must not turn reads into writes.
    now = timezone.now()
    if obj.last_used_at is None or (now - obj.last_used_at).total_seconds() > 60:
        type(obj).objects.filter(pk=obj.pk).update(last_used_at=now)
        obj.last_used_at = now
        with _cache_lock:  # the cached copy too, or every request would write again
            for k, (exp, cached) in list(_cache.items()):
                if cached is not None and type(cached) is type(obj) and cached.pk == obj.pk:
                    cached.last_used_at = now


def is_service_user(user) -> bool:
    """A client application's service user: files Open311 requests, never a person's credential."""
    from .models import ClientApplication

    return ClientApplication.objects.filter(user_id=user.pk).exists()


_cache: dict[tuple[str, str], tuple[float, object]] = {}
_cache_lock = threading.Lock()
CACHE_MAX = 10_000  # distinct values remembered; beyond that the cache starts again (random junk keys)


def cache_seconds() -> float:
    return float(getattr(settings, "API_CREDENTIAL_CACHE_SECONDS", 10))


def forget_all(**kwargs) -> None:
    """Drop every cached lookup of this process (a credential, client or user was saved)."""
    with _cache_lock:
        _cache.clear()


def _fresh(obj, depth: int = 3):
    """A copy of a cached credential for one caller: each model instance along its loaded relations
    (key → client → user → region) copied, with its own state, and the user's role list its own;
    the Role rows in it are shared (read only). A deepcopy of the same graph cost about 6 ms a request."""
    from django.db.models import Model

    if depth == 0 or not isinstance(obj, Model):
        return obj
    c = copy.copy(obj)  # Model.__getstate__: its own __dict__, _state and fields_cache
    cache = c._state.fields_cache
    for name, related in list(cache.items()):
        cache[name] = _fresh(related, depth - 1)
    roles = c.__dict__.get("_civicgrid_roles")
    if roles is not None:
        c._civicgrid_roles = list(roles)
    return c


def _cached(kind: str, h: str, load):
    """load() once per cache period per value; each caller gets its own copy (threads, mutation)."""
    now = time.monotonic()
    hit = _cache.get((kind, h))
    if hit is None or hit[0] <= now:
        found = load()
        with _cache_lock:
            if len(_cache) >= CACHE_MAX:
                _cache.clear()
            _cache[(kind, h)] = (now + cache_seconds(), found)
        hit = _cache[(kind, h)]
    return _fresh(hit[1]) if hit[1] is not None else None


def _with_roles(user) -> None:
    from civicgrid.core.scoping import user_roles

    user_roles(user)  # loaded now, cached on the user: intake's role check reads them without a query


def resolve(raw: str | None):
    """The active ApiToken (a user's /api/v1 token) for a raw value, or None."""
    from .models import ApiToken

    if not _usable(raw):
        return None

    def load():
        token = ApiToken.objects.select_related("user").filter(token_hash=digest(raw.strip())).first()
        if token is None or not token.active or not token.user.is_active or is_service_user(token.user):
            return None
        _with_roles(token.user)
        return token

    token = _cached("token", digest(raw.strip()), load)
    if token is not None:
        _mark_used(token)
    return token


def resolve_client_key(raw: str | None):
    """The active ClientKey (an Open311 api_key) for a raw value, or None."""
    from .models import ClientKey

    if not _usable(raw):
        return None

    def load():
        key = ClientKey.objects.select_related("client__user", "client__region").filter(
            key_hash=digest(raw.strip())).first()
        if key is None or not key.active or not key.client.user.is_active:
            return None
        _with_roles(key.client.user)
        return key

    key = _cached("key", digest(raw.strip()), load)
    if key is not None:
        _mark_used(key)
    return key


def is_client_key(raw: str | None) -> bool:
    """Whether a value is an Open311 api_key (active or not), so /api/v1 can say why it refuses it."""
    from .models import ClientKey

    if not _usable(raw):
        return False
    raw = raw.strip()
    return raw.startswith(KEY_PREFIX) or ClientKey.objects.filter(key_hash=digest(raw)).exists()
