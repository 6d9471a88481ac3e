"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters: 1 registration-authority code, 2 organisation-type code, 3–8 the administrative
division code (GB/T 2260, six digits), 9–17 the organisation identifier (GB 11714), 18 the check
character. The alphabet is the 31 characters 0-9 and A-Y without I, O, Z, S, V (confusable with
1, 0, 2, 5, U); a character's value is its index. With weights W_i = 3^(i-1) mod 31 (i = 1…17):

    C18 = 31 - (Σ C_i·W_i mod 31), and 31 is written as 0.

Social organisations are registered by 民政 (authority code 5) with type 1 社会团体, 2 民办非企业单位
(社会服务机构), 3 基金会, 9 其他 — `KIND_PREFIX` maps the registry's kinds to their two leading characters.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
LENGTH = 18


class CreditCodeError(ValueError):
    """Why a string is not a valid unified social credit code (the message is shown to users)."""


def check_character(body: str) -> str:
    """The 18th character for the first 17 (which must use the code's alphabet)."""
    if len(body) != 17:
        raise CreditCodeError("计算校验码需要前 17 位。")
    total = 0
    for ch, w in zip(body, WEIGHTS):
        if ch not in VALUE:
            raise CreditCodeError(f"统一社会信用代码不能含有字符“{ch}”（不使用 I、O、Z、S、V）。")
        total += VALUE[ch] * w
    return ALPHABET[(31 - total % 31) % 31]


def normalise(raw: str) -> str:
    """Upper case, spaces and full-width forms removed: what people paste from certificates."""
    out = []
    for ch in (raw or "").strip():
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII
            ch = chr(code - 0xFEE0)
        if ch.isspace() or ch == "-":
            continue
        out.append(ch.upper())
    return "".join(out)


def validate(raw: str) -> str:
    """The normalised code, or CreditCodeError with the reason."""
    code = normalise(raw)
    if len(code) != LENGTH:
        raise CreditCodeError(f"统一社会信用代码应为 18 位，现为 {len(code)} 位。")
    for i, ch in enumerate(code, 1):
        if ch not in VALUE:
            raise CreditCodeError(f"第 {i} 位“{ch}”不是统一社会信用代码使用的字符（不使用 I、O、Z、S、V）。")
    if not code[2:8].isdigit():
        raise CreditCodeError("第 3–8 位应为登记管理机关的行政区划码（6 位数字）。")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"统一社会信用代码校验位不正确（第 18 位应为“{expected}”），请核对是否抄错。")
    return code


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except CreditCodeError:
        return False
    return True


def make(authority: str, kind: str, division: str, identifier: str) -> str:
    """A code from its parts (demo data, tests): the check character appended."""
    body = f"{authority}{kind}{division}{identifier}"
    return body + check_character(body)
