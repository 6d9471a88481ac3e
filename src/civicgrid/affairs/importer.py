"""Importing the item catalogue from Excel (事项目录.xlsx): one row per item, each row publishing the
item's next version. The file goes through the register importer's safe reading first (size limit,
zip-bomb and row-count checks: people/sheetcheck), then openpyxl in streaming mode.

All or nothing: every row is checked first; if any row is bad nothing is published and the answer
lists every bad row with its reason. A catalogue is small (hundreds of rows), so this runs in the
request; MAX_ROWS bounds it.
"""
from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from civicgrid.core.spreadsheet import unquote
from civicgrid.people import sheetcheck

from . import catalogue as C
from . import services
from . import workflow as W

MAX_ROWS = 2000
LEVELS = {v: k for k, v in W.LEVEL_LABELS.items()}
RESULTS = {"证照": "certificate", "待遇发放": "payment", "登记备案": "record"}
# (key, header, required, note)
COLUMNS = [
    ("code", "事项编码", True, "唯一编码，如 MZ-001"),
    ("name", "事项名称", True, ""),
    ("department", "主管部门", True, "部门编码或名称（须已在部门库中）"),
    ("category", "类别", False, "如 社会救助、养老服务"),
    ("legal_basis", "设定依据", True, "法律法规及条款"),
    ("accept_level", "受理层级", True, "社区/街道/区"),
    ("review_level", "审核层级", True, "社区/街道/区"),
    ("decide_level", "决定层级", True, "社区/街道/区"),
    ("materials", "材料清单", True, "每行一项：名称|原件/复印件/原件及复印件|份数|可选|信息库"),
    ("fields", "表单字段", False, "每行一项：字段名|标签|类型|规则（必填,max_length=20,prefill=name …）"),
    ("fee", "收费（元）", False, "不收费填 0"),
    ("review_days", "审核时限（工作日）", True, ""),
    ("decide_days", "审批时限（工作日）", True, ""),
    ("deliver_days", "送达时限（工作日）", True, ""),
    ("total_days", "承诺时限（工作日）", True, ""),
    ("result_kind", "办理结果", True, "证照/待遇发放/登记备案"),
    ("result_name", "结果名称", False, "如 老年人高龄津贴发放"),
    ("note", "变更说明", False, ""),
]


def _rows(raw: bytes):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ValidationError("无法读取 Excel 文件：文件已损坏或不是 .xlsx") from exc
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else unquote(str(v)).strip() for v in row]
    finally:
        wb.close()


def _department(value: str, departments):
    for d in departments:
        if value in (d.code, d.name, d.short_name) or d.code.endswith(f"-{value}"):
            return d
    raise ValidationError(f"部门“{value}”不在部门库中。")


def _int(value: str, label: str) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise ValidationError(f"{label}须为整数。")


def parse_row(values: dict, departments) -> dict:
    for key, header, required, _ in COLUMNS:
        if required and not values.get(key):
            raise ValidationError(f"缺少“{header}”。")
    levels = {}
    for key in ("accept_level", "review_level", "decide_level"):
        if values[key] not in LEVELS:
            raise ValidationError(f"层级“{values[key]}”无效（社区/街道/区）。")
        levels[key] = LEVELS[values[key]]
    if values["result_kind"] not in RESULTS:
        raise ValidationError("办理结果须为 证照/待遇发放/登记备案。")
    return dict(
        code=values["code"], name=values["name"], department=_department(values["department"], departments),
        category=values.get("category", ""), legal_basis=values["legal_basis"], **levels,
        materials=C.parse_materials_text(values["materials"]), fields=C.parse_fields_text(values.get("fields", "")),
        fee=values.get("fee") or 0,
        limits={"review": _int(values["review_days"], "审核时限"), "decide": _int(values["decide_days"], "审批时限"),
                "deliver": _int(values["deliver_days"], "送达时限")},
        total_days=_int(values["total_days"], "承诺时限"), result_kind=RESULTS[values["result_kind"]],
        result_name=values.get("result_name", ""), note=values.get("note", ""))


def import_catalogue(actor, upload) -> dict:
    """{'published': [ItemVersion], 'errors': [(row number, reason)]}; nothing published on any error."""
    from civicgrid.core.scoping import require_role, visible_to
    from civicgrid.departments.models import Department

    require_role(actor, *services.CATALOGUE_KEEPERS)
    if upload is None:
        raise ValidationError("请选择要导入的 Excel 文件。")
    raw = sheetcheck.read_upload(upload)
    rows = sheetcheck.check_xlsx(raw)
    if rows > MAX_ROWS + 1:
        raise ValidationError(f"事项目录最多 {MAX_ROWS} 行，请拆分后导入。")
    departments = list(visible_to(actor, Department.objects.all()))
    it = _rows(raw)
    header = next(it, None)
    if not header:
        raise ValidationError("文件是空的。")
    index = {}
    for key, label, required, _ in COLUMNS:
        if label in header:
            index[key] = header.index(label)
        elif required:
            raise ValidationError(f"表头缺少“{label}”列（请使用导入模板的列名）。")
    parsed, errors, seen = [], [], set()
    for n, row in enumerate(it, start=2):
        if not any(row):
            continue
        values = {k: (row[i] if i < len(row) else "") for k, i in index.items()}
        try:
            spec = parse_row(values, departments)
            if spec["code"] in seen:
                raise ValidationError(f"事项编码“{spec['code']}”在文件中重复。")
            seen.add(spec["code"])
            parsed.append((n, spec))
        except ValidationError as exc:
            errors.append((n, "；".join(exc.messages)))
    if errors:
        return {"published": [], "errors": errors}
    published = []
    try:
        with transaction.atomic():
            for n, spec in parsed:
                try:
                    published.append(services.publish(actor, **spec))
                except ValidationError as exc:
                    errors.append((n, "；".join(exc.messages)))
            if errors:
                raise _Rollback()
    except _Rollback:
        return {"published": [], "errors": errors}
    except PermissionDenied:
        raise
    return {"published": published, "errors": []}


class _Rollback(Exception):
    pass
