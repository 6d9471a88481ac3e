"""Token values: generated, hashed, looked up. Only the SHA-256 of a token is ever stored."""
from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

TOKEN_PREFIX = "cg_"


def generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def resolve(raw: str | None):
    """The active ApiToken for a raw value, or None. Marks it used (at most once a minute)."""
    from .models import ApiToken

    if not raw or len(raw) > 200:
        return None
    token = (ApiToken.objects.select_related("user", "client__user")
             .filter(token_hash=digest(raw.strip())).first())
    if token is None or not token.active:
        return None
    user = token.acting_user
    if user is None or not user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
