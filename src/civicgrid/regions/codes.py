"""Region codes by the national rules.

- city and district: 6-digit administrative division codes (GB/T 2260);
  a city ends in "00", a district shares the city's first four digits.
- street/town and community/village: 12-digit statistical division codes:
  6-digit district + 3-digit street + 3-digit community ("000" for a street).
- grid: 15 digits = the community's 12-digit code + a 3-digit serial
  (GB/T 30428.1 / CJ/T 213 unit-grid identifier).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError

CITY, DISTRICT, STREET, COMMUNITY, GRID = "city", "district", "street", "community", "grid"
LEVELS = [CITY, DISTRICT, STREET, COMMUNITY, GRID]
LEVEL_LABELS = {CITY: "市", DISTRICT: "区", STREET: "街道/镇", COMMUNITY: "社区/村", GRID: "网格"}
PARENT_LEVEL = {CITY: None, DISTRICT: CITY, STREET: DISTRICT, COMMUNITY: STREET, GRID: COMMUNITY}
CODE_LENGTH = {CITY: 6, DISTRICT: 6, STREET: 12, COMMUNITY: 12, GRID: 15}


def code_errors(level: str, code: str, parent_level: str | None, parent_code: str | None) -> list[str]:
    """Every reason `code` is not a valid code for a region of `level` under the given parent."""
    if level not in CODE_LENGTH:
        return [f"未知的层级“{level}”"]
    label = LEVEL_LABELS[level]
    errors: list[str] = []
    code = code or ""
    want = CODE_LENGTH[level]
    if not code:
        return [f"{label}编码不能为空（应为 {want} 位数字）"]
    if not code.isdigit() or not code.isascii():
        errors.append(f"{label}编码只能由数字组成（收到“{code}”）")
        return errors
    if len(code) != want:
        errors.append(f"{label}编码应为 {want} 位数字，收到 {len(code)} 位（“{code}”）")
        return errors
    expected_parent = PARENT_LEVEL[level]
    if expected_parent is None:
        if parent_level is not None:
            errors.append(f"{label}不能有上级区域")
    elif parent_level != expected_parent:
        errors.append(f"{label}的上级必须是{LEVEL_LABELS[expected_parent]}")
        return errors
    parent_code = parent_code or ""
    if level == CITY:
        if code.endswith("0000") or not code.endswith("00"):
            errors.append(f"市级编码应形如 XXXX00（后两位为 00，前四位不为 XX00），收到“{code}”")
    elif level == DISTRICT:
        if code[:4] != parent_code[:4]:
            errors.append(f"区编码“{code}”的前 4 位应与所属市编码“{parent_code}”的前 4 位一致")
        if code.endswith("00"):
            errors.append(f"区编码“{code}”的后两位不能为 00")
    elif level == STREET:
        if code[:6] != parent_code:
            errors.append(f"街道编码“{code}”的前 6 位应等于所属区编码“{parent_code}”")
        if code[6:9] == "000":
            errors.append(f"街道编码“{code}”的第 7–9 位（街道序号）不能为 000")
        if code[9:] != "000":
            errors.append(f"街道编码“{code}”的后 3 位应为 000")
    elif level == COMMUNITY:
        if code[:9] != parent_code[:9]:
            errors.append(f"社区编码“{code}”的前 9 位应与所属街道编码“{parent_code}”的前 9 位一致")
        if code[9:] == "000":
            errors.append(f"社区编码“{code}”的后 3 位（社区序号）不能为 000")
    elif level == GRID:
        if code[:12] != parent_code:
            errors.append(f"网格编码“{code}”的前 12 位应等于所属社区编码“{parent_code}”")
        if code[12:] == "000":
            errors.append(f"网格编码“{code}”的后 3 位（网格序号）不能为 000")
    return errors


def validate_code(level: str, code: str, parent_level: str | None, parent_code: str | None) -> None:
    errors = code_errors(level, code, parent_level, parent_code)
    if errors:
        raise ValidationError({"code": errors})
