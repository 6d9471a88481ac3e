"""Personal data at rest: encryption, keyed lookup hashes, masking.

- Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). settings.DATA_ENCRYPTION_KEYS is a
  list: the first key encrypts, every key decrypts, so a key is rotated by putting the new key first,
  running `civicgrid rotate-data-key` (re-encrypts every encrypted column), then dropping the old key.
- Exact lookup (an identity number typed in full, a phone number) goes through a keyed hash
  (HMAC-SHA256 with settings.DATA_LOOKUP_KEY) stored beside the ciphertext. The lookup key is separate
  from the encryption keys so rotating those does not require re-hashing.
- Masks: what every page, export and API shows unless a reveal was asked for and logged.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "enc1:"  # marks ciphertext so a plaintext value can never be mistaken for one


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("未配置个人信息加密密钥 CIVICGRID_DATA_KEYS")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.DATA_ENCRYPTION_KEYS))


def encrypt(value: str | None) -> str | None:
    if value is None or value == "":
        return value
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str | None:
    if token is None or token == "":
        return token
    if not token.startswith(PREFIX):
        raise ValueError("数据库中的个人信息字段不是密文")
    try:
        return fernet().decrypt(token[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("个人信息解密失败：密钥不匹配") from exc


def rotate_token(token: str | None) -> str | None:
    """Re-encrypt with the current first key (MultiFernet.rotate keeps the original timestamp)."""
    if not token:
        return token
    return PREFIX + fernet().rotate(token[len(PREFIX):].encode("ascii")).decode("ascii")


def normalise(value: str) -> str:
    """Canonical form before hashing: no spaces or dashes, upper-case X in identity numbers."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def lookup_hash(value: str | None) -> str:
    if not value:
        return ""
    key = settings.DATA_LOOKUP_KEY.encode("utf-8")
    return hmac.new(key, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()


def mask_id_number(value: str | None) -> str:
    """1101**********1234: the first four and last four characters."""
    if not value:
        return ""
    v = normalise(value)
    if len(v) <= 8:
        return v[:1] + "*" * (len(v) - 1)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_phone(value: str | None) -> str:
    """138****1234 for a mobile; other numbers keep their last four digits only."""
    if not value:
        return ""
    v = normalise(value)
    if len(v) == 11 and v.isdigit() and v.startswith("1"):
        return v[:3] + "****" + v[-4:]
    return "*" * max(0, len(v) - 4) + v[-4:]


def mask_name(value: str | None) -> str:
    """张*明 / 王* : for public pages that must not name the reporter."""
    if not value:
        return ""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


class EncryptedTextField(models.TextField):
    """A text column that holds only ciphertext in the database.

    Reads decrypt transparently; such a column cannot be filtered or ordered meaningfully — pair it
    with a hash column (lookup_hash) for exact search and a suffix column where "last digits"
    search is needed.
    """

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if value.startswith(PREFIX):
            return value
        return encrypt(value)


def redact_text(text: str | None) -> str:
    """Mask identity numbers and phone numbers that people type into free text (see core.pii)."""
    from .pii import redact

    return redact(text or "")
