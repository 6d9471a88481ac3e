"""The one phone-number normaliser: every app stores, hashes and compares phones in this form.

A number arrives as a caller gives it: "138 1234 5678", "+86-138-1234-5678", "0086 13812345678",
"(010) 6512-3456", full-width digits from a Chinese input method. The canonical form is digits
only, without the country code +86, so the keyed lookup hash (core.crypto.lookup_hash) of the same
number is the same whichever channel took it: a hotline caller's history finds the case they
reported through Open311, and a resident's register entry finds their cases.

    normalise_phone(raw) -> "13812345678" | ""       never raises; what was typed, made canonical
    clean_phone(raw, *, required=False, mobile=False) -> str    raises PhoneError with the reason
    phone_hash(raw) -> str                                      lookup hash of the canonical form
"""
from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

from .crypto import lookup_hash

MIN_DIGITS, MAX_DIGITS = 5, 15  # 12345/95588-style service numbers … ITU E.164's maximum
_SEPARATORS = re.compile(r"[\s\-–—()（）.·]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class PhoneError(ValidationError):
    """A phone number that cannot be used; the message says why, in Chinese.

    A ValidationError, so every form and service that already reports validation problems shows it.
    """

    code = "core.invalid_phone"

    def __init__(self, message: str):
        super().__init__(message, code=self.code)


def normalise_phone(raw: str | None) -> str:
    """Digits only, country code removed. Input that is not a phone number is returned compacted
    (so clean_phone can say what is wrong); it never raises."""
    s = unicodedata.normalize("NFKC", str(raw or ""))  # full-width ０-９ and ＋ become ASCII
    s = _SEPARATORS.sub("", s)
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13 and s[2] == "1":
        s = s[2:]  # 86 + an 11-digit mobile, typed without the plus
    return s


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone or ""))


def clean_phone(raw: str | None, *, required: bool = False, mobile: bool = False) -> str:
    """The canonical number, or PhoneError. `mobile` demands an 11-digit mainland mobile (SMS)."""
    phone = normalise_phone(raw)
    if not phone:
        if required:
            raise PhoneError("请填写手机号码。" if mobile else "请填写联系电话。")
        return ""
    if phone.startswith("+"):
        raise PhoneError("只接受中国大陆电话号码（可带 +86）。")
    if not phone.isdigit():
        raise PhoneError("电话号码只能包含数字（可带空格、横线、括号或 +86）。")
    if not MIN_DIGITS <= len(phone) <= MAX_DIGITS:
        raise PhoneError(f"电话号码应为 {MIN_DIGITS}–{MAX_DIGITS} 位数字。")
    if mobile and not is_mobile(phone):
        raise PhoneError("请填写 11 位手机号码。")
    if len(phone) == 11 and phone[0] not in "01":
        # 11 digits is a mobile (1…) or a landline with its area code (0…); anything else is a typo.
        raise PhoneError("11 位号码应为手机号（以 1 开头）或带区号的固定电话（以 0 开头）。")
    if len(phone) == 11 and phone[0] == "1" and not is_mobile(phone):
        raise PhoneError("手机号码不正确（第二位应为 3–9）。")
    return phone


def phone_hash(raw: str | None) -> str:
    """The keyed lookup hash of the canonical form ("" for no number)."""
    phone = normalise_phone(raw)
    return lookup_hash(phone) if phone else ""
