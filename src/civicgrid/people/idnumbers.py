"""GB 11643-1999 citizen identity numbers (居民身份证号码): structure and check digit.

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male), check
character. The check character is ISO 7064 MOD 11-2 over the first 17 digits.
"""
from __future__ import annotations

import datetime as dt
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")


class InvalidIdNumber(ValueError):
    """The message is Chinese and shown to the user as is."""


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def normalise(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def parse(value: str, *, today: dt.date | None = None) -> tuple[str, dt.date, str]:
    """(normalised number, birth date, sex "M"/"F"), or InvalidIdNumber with the reason."""
    v = normalise(value)
    if len(v) == 15 and v.isdigit():
        raise InvalidIdNumber("15位旧身份证号请换算为18位后再录入")
    if len(v) != 18:
        raise InvalidIdNumber(f"身份证号应为18位，实际{len(v)}位")
    if not _SHAPE.match(v):
        raise InvalidIdNumber("身份证号格式不正确：前17位须为数字，末位为数字或X")
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号中的出生日期不存在") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise InvalidIdNumber("身份证号中的出生日期不可能")
    if check_char(v[:17]) != v[17]:
        raise InvalidIdNumber("身份证号校验位错误")
    sex = "M" if int(v[16]) % 2 else "F"
    return v, birth, sex


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidIdNumber:
        return False
    return True


def make(area: str, birth: dt.date, sequence: int) -> str:
    """A well-formed number (for synthetic demo and test data only)."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
