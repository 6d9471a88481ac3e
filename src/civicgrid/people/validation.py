"""Field-level checks shared by the forms, the services and the importer (one set of rules)."""
from __future__ import annotations

import datetime as dt
import re

from civicgrid.core.params import DATE_MAX, DATE_MIN
from civicgrid.core.params import FAR_FUTURE as PARSE_MAX
from civicgrid.core.phones import PhoneError, clean_phone, normalise_phone

from . import idnumbers
from .models import ID_TYPE_CHOICES, REGISTRATION_CHOICES, RELATION_CHOICES

_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·•．.\- ]{1,60}$")

SEX_WORDS = {"男": "M", "女": "F", "M": "M", "F": "F", "未知": "U", "U": "U", "": ""}
ID_TYPE_WORDS = {label: code for code, label in ID_TYPE_CHOICES} | {code: code for code, _ in ID_TYPE_CHOICES} | {
    "身份证": "resident_id", "": "resident_id"}
REGISTRATION_WORDS = {label: code for code, label in REGISTRATION_CHOICES} | {
    code: code for code, _ in REGISTRATION_CHOICES} | {"户籍": "local", "流动": "floating", "境外": "overseas", "": "local"}
RELATION_WORDS = {label: code for code, label in RELATION_CHOICES} | {code: code for code, _ in RELATION_CHOICES} | {
    "本人": "head", "妻": "spouse", "夫": "spouse", "子": "child", "女": "child", "儿子": "child", "女儿": "child",
    "父亲": "parent", "母亲": "parent", "": ""}


def parse_date(value) -> dt.date | None:
    """Dates as Excel gives them (datetime) or as clerks type them (2020-1-2, 2020/01/02, 20200102, 2020年1月2日)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if not m:
        raise ValueError(f"日期“{s}”无法识别，请写成 2020-01-31")
    try:
        d = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"日期“{s}”不存在") from None
    # Year 1 or 9999 parses, then overflows the first age or deadline computed from it. A merely
    # implausible date (a birth in 2999) is left to the field's own rule, which says why.
    if not DATE_MIN <= d <= PARSE_MAX:
        raise ValueError(f"日期“{s}”超出范围（{DATE_MIN.year}–{DATE_MAX.year} 年）")
    return d


def clean_person(raw: dict, *, today: dt.date | None = None) -> tuple[dict, list[str]]:
    """Normalise a resident's fields; returns (clean values, reasons). Reasons are Chinese sentences."""
    today = today or dt.date.today()
    errors: list[str] = []
    out: dict = {}
    name = "".join(str(raw.get("name") or "").split()) if raw.get("name") is not None else ""
    if not name:
        errors.append("姓名不能为空")
    elif not _NAME.match(name):
        errors.append("姓名含有不允许的字符")
    out["name"] = name

    id_type = ID_TYPE_WORDS.get(str(raw.get("id_type") or "").strip())
    if id_type is None:
        errors.append(f"证件类型“{raw.get('id_type')}”无法识别")
        id_type = "other"
    out["id_type"] = id_type
    id_number = idnumbers.normalise(str(raw.get("id_number") or ""))
    derived_birth = derived_sex = None
    if id_number:
        if id_type == "resident_id":
            try:
                id_number, derived_birth, derived_sex = idnumbers.parse(id_number, today=today)
            except idnumbers.InvalidIdNumber as exc:
                errors.append(str(exc))
        elif not re.fullmatch(r"[0-9A-Z]{5,30}", id_number):
            errors.append("证件号码格式不正确")
    out["id_number"] = id_number

    sex = SEX_WORDS.get(str(raw.get("sex") or "").strip())
    if sex is None:
        errors.append(f"性别“{raw.get('sex')}”无法识别")
        sex = ""
    if derived_sex and sex and sex != "U" and sex != derived_sex:
        errors.append("性别与身份证号不一致")
    out["sex"] = derived_sex or sex or "U"

    try:
        birth = parse_date(raw.get("birth_date"))
    except ValueError as exc:
        errors.append(f"出生日期：{exc}")
        birth = None
    if birth and (birth > today or birth.year < 1890):
        errors.append("出生日期不可能（晚于今天或早于1890年）")
        birth = None
    if birth and derived_birth and birth != derived_birth:
        errors.append("出生日期与身份证号不一致")
    out["birth_date"] = derived_birth or birth

    try:
        phone = clean_phone(raw.get("phone"))  # the one normaliser: the hash matches cases and calls
    except PhoneError as exc:
        errors.append(f"联系电话格式不正确：{exc.messages[0]}")
        phone = normalise_phone(raw.get("phone"))
    out["phone"] = phone

    registration = REGISTRATION_WORDS.get(str(raw.get("registration") or "").strip())
    if registration is None:
        errors.append(f"户籍类别“{raw.get('registration')}”无法识别（户籍/流动/境外）")
        registration = "local"
    out["registration"] = registration

    for field, label in (("moved_in", "迁入日期"), ("moved_out", "迁出日期")):
        try:
            out[field] = parse_date(raw.get(field))
        except ValueError as exc:
            errors.append(f"{label}：{exc}")
            out[field] = None
        if out[field] and out[field] > today:
            errors.append(f"{label}不能晚于今天")
    if out.get("moved_in") and out.get("moved_out") and out["moved_out"] < out["moved_in"]:
        errors.append("迁出日期早于迁入日期")
    if out.get("moved_in") and out.get("birth_date") and out["moved_in"] < out["birth_date"]:
        errors.append("迁入日期早于出生日期")

    relation = RELATION_WORDS.get(str(raw.get("relation") or "").strip())
    if relation is None:
        errors.append(f"与户主关系“{raw.get('relation')}”无法识别")
        relation = ""
    out["relation"] = relation
    return out, errors
