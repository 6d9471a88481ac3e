"""Credential values: generated, hashed, looked up. Only the SHA-256 of a value is ever stored.

User tokens (/api/v1) and Open311 keys (/open311/v2) live in different tables and carry different
prefixes, so a value found in one lookup is never accepted by the other.
"""
from __future__ import annotations

import hashlib
import secrets

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


def is_service_user(user) -> bool:
    """A client application's service user: files Open311 requests, never a person's credential."""
    from .models import ClientApplication

    return ClientApplication.objects.filter(user_id=user.pk).exists()


def resolve(raw: str | None):
    """The active ApiToken (a user's /api/v1 token) for a raw value, or None."""
    from .models import ApiToken

    if not _usable(raw):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=digest(raw.strip())).first()
    if token is None or not token.active or not token.user.is_active or is_service_user(token.user):
        return None
    _mark_used(token)
    return token


def resolve_client_key(raw: str | None):
    """The active ClientKey (an Open311 api_key) for a raw value, or None."""
    from .models import ClientKey

    if not _usable(raw):
        return None
    key = ClientKey.objects.select_related("client__user", "client__region").filter(
        key_hash=digest(raw.strip())).first()
    if key is None or not key.active or not key.client.user.is_active:
        return None
    _mark_used(key)
    return key


def is_client_key(raw: str | None) -> bool:
    """Whether a value is an Open311 api_key (active or not), so /api/v1 can say why it refuses it."""
    from .models import ClientKey

    if not _usable(raw):
        return False
    raw = raw.strip()
    return raw.startswith(KEY_PREFIX) or ClientKey.objects.filter(key_hash=digest(raw)).exists()
