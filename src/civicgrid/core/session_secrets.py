"""Personal data kept in a session is encrypted: Django's session store (django_session, or signed
cookies) only signs and encodes, so a resident's phone would otherwise sit readable in the table."""
from __future__ import annotations

from .crypto import PREFIX, decrypt, encrypt


def put(session, key: str, value: str) -> None:
    session[key] = encrypt(value) if value else value


def get(session, key: str, default: str = "") -> str:
    value = session.get(key)
    if not value:
        return default
    if isinstance(value, str) and value.startswith(PREFIX):
        try:
            return decrypt(value)
        except ValueError:  # a key rotated away: the resident verifies again
            return default
    return default  # a plaintext value from before: not trusted, not used
