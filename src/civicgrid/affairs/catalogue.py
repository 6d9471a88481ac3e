"""The item catalogue's declared parts as data: form fields with validation rules, the material list.

An item version stores its fields and materials as JSON lists of plain dicts (so an Excel sheet,
the admin or the demo can declare them); this module is the one place that checks a declaration and
validates an applicant's form against it.

Field: {"key", "label", "type", "required", "rules": {...}, "prefill": register attribute or ""}
  types: text, textarea, int, decimal, date, choice, phone, id_number, bool
  rules: max_length, min, max (numbers), choices (list), pattern (regex), min_age (date of birth),
         not_future (date)
Material: {"code", "name", "form": "original"|"copy"|"both", "copies", "required", "register": bool}
  `register`: the register already holds it (户口簿, 身份证 …): a resident whose record is used with
  consent need not bring it again.
"""
from __future__ import annotations

import datetime as dt
import decimal
import re

from django.core.exceptions import ValidationError

FIELD_TYPES = {"text": "文本", "textarea": "多行文本", "int": "整数", "decimal": "金额/小数", "date": "日期",
               "choice": "选项", "phone": "手机号", "id_number": "身份证号", "bool": "是/否"}
RULES = {"max_length", "min", "max", "choices", "pattern", "min_age", "not_future"}
MATERIAL_FORMS = {"original": "原件", "copy": "复印件", "both": "原件及复印件"}
# What the register can prefill, and where it comes from on people.Person.
PREFILL = {"name": "姓名", "id_number": "证件号码", "phone": "联系电话", "birth_date": "出生日期", "sex": "性别",
           "address": "现住址", "registration": "户籍类别", "community": "所在社区"}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEXT_MAX = 500


def _bad(msg: str):
    raise ValidationError(msg)


def check_fields(fields) -> list[dict]:
    """A field declaration, normalised; refuses unknown types, rules or duplicate keys."""
    if not isinstance(fields, list) or len(fields) > 60:
        _bad("表单字段须为列表，且不超过 60 项。")
    out, seen = [], set()
    for f in fields:
        if not isinstance(f, dict):
            _bad("表单字段声明无效。")
        key, label, typ = str(f.get("key", "")), str(f.get("label", "")).strip(), f.get("type", "text")
        if not KEY.match(key):
            _bad(f"字段名“{key}”无效（小写字母开头，字母数字下划线，不超过 40 位）。")
        if key in seen:
            _bad(f"字段名“{key}”重复。")
        seen.add(key)
        if not label or len(label) > 40:
            _bad(f"字段“{key}”须有不超过 40 字的中文名称。")
        if typ not in FIELD_TYPES:
            _bad(f"字段“{label}”的类型“{typ}”无效。")
        rules = dict(f.get("rules") or {})
        unknown = set(rules) - RULES
        if unknown:
            _bad(f"字段“{label}”有未知规则：{'、'.join(sorted(unknown))}")
        if typ == "choice" and not rules.get("choices"):
            _bad(f"选项字段“{label}”须列出可选值。")
        if "pattern" in rules:
            try:
                re.compile(rules["pattern"])
            except re.error:
                _bad(f"字段“{label}”的格式规则不是有效的正则表达式。")
        prefill = f.get("prefill") or ""
        if prefill and prefill not in PREFILL:
            _bad(f"字段“{label}”的预填来源“{prefill}”无效。")
        out.append({"key": key, "label": label, "type": typ, "required": bool(f.get("required")), "rules": rules,
                    "prefill": prefill})
    return out


def check_materials(materials) -> list[dict]:
    if not isinstance(materials, list) or len(materials) > 40:
        _bad("材料清单须为列表，且不超过 40 项。")
    out, seen = [], set()
    for i, m in enumerate(materials, start=1):
        if not isinstance(m, dict):
            _bad("材料声明无效。")
        name = str(m.get("name", "")).strip()
        if not name or len(name) > 80:
            _bad(f"第 {i} 项材料须有不超过 80 字的名称。")
        code = str(m.get("code") or f"m{i}")
        if code in seen:
            _bad(f"材料编码“{code}”重复。")
        seen.add(code)
        form = m.get("form", "copy")
        if form not in MATERIAL_FORMS:
            _bad(f"材料“{name}”的形式“{form}”无效（原件/复印件/原件及复印件）。")
        copies = int(m.get("copies") or 1)
        if not 1 <= copies <= 10:
            _bad(f"材料“{name}”的份数须在 1–10 之间。")
        out.append({"code": code, "name": name, "form": form, "copies": copies,
                    "required": m.get("required", True) is not False, "register": bool(m.get("register"))})
    return out


def check_limits(limits: dict, total: int) -> dict:
    out = {}
    for step in ("review", "decide", "deliver"):
        try:
            n = int(limits.get(step, 0))
        except (TypeError, ValueError):
            _bad("时限须为整数个工作日。")
        if not 0 < n <= 120:
            _bad(f"{ {'review': '审核', 'decide': '审批', 'deliver': '送达'}[step] }时限须在 1–120 个工作日之间。")
        out[step] = n
    if not 0 < int(total) <= 240:
        _bad("承诺时限须在 1–240 个工作日之间。")
    if int(total) < out["review"] + out["decide"]:
        _bad("承诺时限不能短于审核与审批时限之和。")
    return out


# -- validating an applicant's form -------------------------------------------------------------------
def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _one(f: dict, raw, today: dt.date):
    """The cleaned value of one field, or raise ValidationError with the field's Chinese message."""
    label, typ, rules = f["label"], f["type"], f["rules"]
    if typ == "bool":
        return raw in (True, "1", "true", "on", "yes", "是")
    text = "" if raw is None else str(raw).strip()
    if not text:
        if f["required"]:
            _bad(f"请填写{label}。")
        return None
    if typ in ("text", "textarea"):
        limit = int(rules.get("max_length") or TEXT_MAX)
        if len(text) > limit:
            _bad(f"{label}不能超过 {limit} 字。")
        if rules.get("pattern") and not re.fullmatch(rules["pattern"], text):
            _bad(f"{label}格式不正确。")
        return text
    if typ == "int":
        try:
            value = int(text)
        except ValueError:
            _bad(f"{label}须为整数。")
    elif typ == "decimal":
        try:
            value = decimal.Decimal(text.replace(",", ""))
        except decimal.InvalidOperation:
            _bad(f"{label}须为数字。")
        if not value.is_finite() or abs(value) > 10**12:
            _bad(f"{label}超出范围。")
    elif typ == "date":
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            _bad(f"{label}须为日期（如 1940-05-01）。")
        if rules.get("not_future") and value > today:
            _bad(f"{label}不能晚于今天。")
        if rules.get("min_age") and _age(value, today) < int(rules["min_age"]):
            _bad(f"{label}：申请人须年满 {int(rules['min_age'])} 周岁。")
        return value.isoformat()
    elif typ == "choice":
        if text not in [str(c) for c in rules["choices"]]:
            _bad(f"{label}须从以下选项中选择：{'、'.join(map(str, rules['choices']))}。")
        return text
    elif typ == "phone":
        from civicgrid.core.phones import clean_phone

        try:
            return clean_phone(text, mobile=True)
        except ValidationError:
            _bad(f"{label}不是有效的手机号码。")
    elif typ == "id_number":
        from civicgrid.people.idnumbers import InvalidIdNumber, parse

        try:
            return parse(text)[0]
        except InvalidIdNumber as exc:
            _bad(f"{label}有误：{exc}")
    if "min" in rules and value < decimal.Decimal(str(rules["min"])):
        _bad(f"{label}不能小于 {rules['min']}。")
    if "max" in rules and value > decimal.Decimal(str(rules["max"])):
        _bad(f"{label}不能大于 {rules['max']}。")
    return str(value) if typ == "decimal" else value


def validate_form(fields: list[dict], data: dict, *, today: dt.date | None = None) -> dict:
    """The cleaned form, or one ValidationError whose error_dict names every bad field."""
    today = today or dt.date.today()
    cleaned, errors = {}, {}
    for f in fields:
        try:
            cleaned[f["key"]] = _one(f, data.get(f["key"]), today)
        except ValidationError as exc:
            errors[f["key"]] = exc.messages
    if errors:
        raise ValidationError({k: v for k, v in errors.items()})
    return cleaned


# -- the one-line syntax the Excel sheet uses ---------------------------------------------------------
def parse_fields_text(text: str) -> list[dict]:
    """One field a line: `key|标签|type|规则` — rules comma-separated: 必填, max_length=20, min=0, max=9,
    choices=甲/乙, min_age=80, not_future, pattern=…, prefill=name."""
    out = []
    for line in (text or "").replace("\r", "").split("\n"):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3:
            _bad(f"字段“{line[:30]}”格式应为 字段名|标签|类型|规则。")
        f = {"key": parts[0], "label": parts[1], "type": parts[2], "rules": {}, "required": False, "prefill": ""}
        for rule in (parts[3].split(",") if len(parts) > 3 and parts[3] else []):
            name, _, value = rule.strip().partition("=")
            if name in ("必填", "required"):
                f["required"] = True
            elif name == "prefill":
                f["prefill"] = value
            elif name == "choices":
                f["rules"]["choices"] = [c for c in value.split("/") if c]
            elif name == "not_future":
                f["rules"]["not_future"] = True
            elif name in ("max_length", "min_age"):
                try:
                    f["rules"][name] = int(value)
                except ValueError:
                    _bad(f"字段“{parts[1]}”的规则 {name} 须为整数。")
            elif name in ("min", "max"):
                try:
                    f["rules"][name] = str(decimal.Decimal(value))
                except decimal.InvalidOperation:
                    _bad(f"字段“{parts[1]}”的规则 {name} 须为数字。")
            else:
                f["rules"][name] = value
        out.append(f)
    return check_fields(out)


FORM_WORDS = {"原件": "original", "复印件": "copy", "原件及复印件": "both"}


def parse_materials_text(text: str) -> list[dict]:
    """One material a line: `名称|原件/复印件/原件及复印件|份数|可选|信息库` (the last three optional)."""
    out = []
    for i, line in enumerate((text or "").replace("\r", "").split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        flags = set(parts[2:])
        copies = next((int(p) for p in parts[2:] if p.isdigit()), 1)
        out.append({"code": f"m{len(out) + 1}", "name": parts[0], "form": FORM_WORDS.get(parts[1] if len(parts) > 1 else "复印件", "?"),
                    "copies": copies, "required": "可选" not in flags, "register": "信息库" in flags})
    return check_materials(out)
