"""Finding identity and phone numbers inside free text, and masking them.

People type numbers the way they say them: "138 2222 3333", "138-2222-3333", "+86 138.2222.3333",
"0086-13822223333", "110101 19900307 1234", "11010119900307123x". The patterns below allow one
separator (space, full-width space, dot, dash) between any two digits, and the international
prefixes for China, so every such spelling is caught; each match is then masked in its canonical
form. Used for everything published (Open311), everything written to the audit log, notification
bodies and access logs: one definition of "what looks like personal data".

What is deliberately not matched: case numbers (13 digits starting with the year), dates with or
without separators, 9- and 12-digit division codes. A 15-digit grid code whose middle reads as a
valid date is indistinguishable from a first-generation 15-digit identity number and is masked.
"""
from __future__ import annotations

import re

from .crypto import mask_id_number, mask_phone, normalise

_SEP = r"[ \u3000.\-]?"  # at most one separator between two digits


def _digits(pattern: list[str]) -> str:
    return _SEP.join(pattern)


# 18 digits: area (6) + yyyymmdd + sequence (3) + check (digit or X)
_ID18 = _digits([r"[1-9]"] + [r"\d"] * 5 + [r"[12]", r"\d", r"\d", r"\d", r"[01]", r"\d", r"[0-3]", r"\d"]
                + [r"\d"] * 3 + [r"[\dXx]"])
# 15 digits (first generation): area (6) + yymmdd + sequence (3)
_ID15 = _digits([r"[1-9]"] + [r"\d"] * 5 + [r"\d", r"\d", r"[01]", r"\d", r"[0-3]", r"\d"] + [r"\d"] * 3)
ID_RE = re.compile(rf"(?<![0-9A-Za-z])(?:{_ID18}|{_ID15})(?![0-9A-Za-z])")

_PREFIX = r"(?:(?:\+|＋|00)[ ]?86|\(\+?86\)|（\+?86）|86)[ \-.]?"
_MOBILE = _digits([r"1", r"[3-9]"] + [r"\d"] * 9)
MOBILE_RE = re.compile(rf"(?<![0-9])(?:{_PREFIX})?{_MOBILE}(?![0-9])")
# Landlines: area code 0xx/0xxx (optionally in brackets), local number of 7-8 digits starting 2-9.
LANDLINE_RE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[ \-]?[2-9]\d{2,3}[ \-]?\d{4}(?![0-9])")


def _mask_id(m: re.Match) -> str:
    return mask_id_number(normalise(m.group(0)).replace(".", "").replace("\u3000", ""))


def _mask_mobile(m: re.Match) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return mask_phone(digits[-11:])


def _mask_landline(m: re.Match) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return "*" * (len(digits) - 4) + digits[-4:]


def redact(text: str | None) -> str:
    """`text` with every identity and phone number in it masked."""
    if not text:
        return "" if text is None else text
    if not isinstance(text, str):
        return text
    text = ID_RE.sub(_mask_id, text)
    text = MOBILE_RE.sub(_mask_mobile, text)
    return LANDLINE_RE.sub(_mask_landline, text)


def redact_data(value):
    """Every string inside a JSON-like structure redacted (dict keys kept)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value


def contains_pii(text: str) -> bool:
    return bool(ID_RE.search(text) or MOBILE_RE.search(text) or LANDLINE_RE.search(text))


class SplitsPrivateText:
    """Model mixin: free text people type keeps its words in clear (it is searched, clustered and
    shown), but the identity and phone numbers in it are masked there, and the original text is kept
    in an encrypted companion column that only a logged reveal shows.

    PRIVATE_TEXT maps each free-text field to its EncryptedTextField companion.
    """

    PRIVATE_TEXT: dict[str, str] = {}

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        for field, private in self.PRIVATE_TEXT.items():
            if update_fields is not None and field not in update_fields:
                continue
            text = getattr(self, field) or ""
            masked = redact(text)
            if masked != text:
                setattr(self, private, text)
                setattr(self, field, masked)
                if update_fields is not None:
                    kwargs["update_fields"] = set(kwargs["update_fields"]) | {private}
        return super().save(*args, **kwargs)
