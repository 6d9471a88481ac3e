"""Importing street offices' sheets (Excel or CSV): upload → mapping → validation → write → report.

Two modes, chosen by the user:
- all_or_nothing: a first pass validates every row; if any row is bad nothing is written and the
  report lists every bad row. Only a clean file is written, in one transaction, by a second pass.
- accept_good: one pass; each chunk's good rows are written in their own transaction, bad rows go
  to the report.
Progress (processed/total, phase) is stored on the ImportJob row after every chunk and committed,
so the upload page can poll it and survives a reload. The upload request only checks the file
(size, zip bombs, row count: see sheetcheck) and reads its header row; every data row is parsed by
`civicgrid worker`, never in a request. The upload is stored encrypted and deleted when the job
finishes (or, for a job never configured, by the periodic cleanup): the register and the rejection
report (masked values, originals encrypted) are all that remain of it.

One audit entry per job (counts, mode, file name) rather than one per row: the rows themselves
carry created_at, and a million audit rows would bury the log.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core.crypto import mask_id_number, mask_phone
from civicgrid.core.params import parse_int
from civicgrid.core.pii import contains_pii, redact
from civicgrid.core.spreadsheet import csv_bytes, unquote
from civicgrid.core.textclean import clean_text
from civicgrid.core.scoping import region_paths, sees_everything, visible_to
from civicgrid.regions.models import Region

from . import capabilities as C
from . import sheetcheck
from .models import Building, Entrance, Household, ImportJob, ImportRejection, Person, Room
from .permissions import require_capability
from .validation import clean_person

log = logging.getLogger(__name__)
CHUNK = 1000


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False


TARGETS: dict[str, list[Target]] = {
    "residents": [
        Target("name", "姓名", ("姓名", "名字", "居民姓名", "人员姓名"), True),
        Target("sex", "性别", ("性别",)),
        Target("birth_date", "出生日期", ("出生日期", "生日", "出生年月日", "出生年月")),
        Target("id_type", "证件类型", ("证件类型",)),
        Target("id_number", "证件号码", ("身份证号", "身份证号码", "公民身份号码", "证件号码", "证件号", "身份证",
                                         "身份证件号码", "居民身份证号码", "证件编号")),
        Target("phone", "联系电话", ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码",
                                     "联系手机", "移动电话", "本人电话")),
        Target("registration", "户籍类别", ("户籍类别", "人口类型", "户籍性质", "人员类别")),
        Target("community", "社区", ("社区", "所属社区", "社区名称", "社区编码", "居委会")),
        Target("building", "楼栋", ("楼栋", "楼号", "楼栋号", "楼", "楼栋名称", "幢", "栋")),
        Target("entrance", "单元", ("单元", "单元号")),
        Target("room", "室", ("室", "房间", "房间号", "室号", "门牌号", "房号", "户室号", "门牌")),
        Target("household", "户号", ("户号", "户编号")),
        Target("relation", "与户主关系", ("与户主关系", "关系")),
        Target("moved_in", "迁入日期", ("迁入日期", "入住日期", "居住起始日期", "迁入时间")),
        Target("note", "备注", ("备注", "说明")),
    ],
    "buildings": [
        Target("community", "社区", ("社区", "所属社区", "社区名称", "社区编码"), False),
        Target("name", "楼栋", ("楼栋", "楼号", "楼栋名称", "名称"), True),
        Target("address", "地址", ("地址", "门牌地址", "街路巷")),
        Target("lng", "经度", ("经度", "lng", "lon", "longitude")),
        Target("lat", "纬度", ("纬度", "lat", "latitude")),
        Target("floors", "层数", ("层数", "楼层数")),
    ],
    "households": [
        Target("community", "社区", ("社区", "所属社区", "社区名称", "社区编码")),
        Target("number", "户号", ("户号", "户编号"), True),
        Target("building", "楼栋", ("楼栋", "楼号"), True),
        Target("entrance", "单元", ("单元", "单元号")),
        Target("room", "室", ("室", "房间号", "室号", "门牌号", "房号", "户室号", "门牌"), True),
        Target("head_id", "户主证件号码", ("户主身份证号", "户主证件号码", "户主身份证号码", "户主身份证", "户主证件号")),
        Target("kind", "户别", ("户别", "户类型")),
    ],
}


# ---------------------------------------------------------------- reading sheets

def _cell(value) -> str | object:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else value  # a long number Excel has already rounded
    if isinstance(value, str):
        # Control characters out at the door (see core.textclean); a formula-guard apostrophe from our
        # own rejection report comes off, so a corrected report can be uploaded again.
        return unquote(clean_text(value).strip())
    return value


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValidationError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")


def _rows_of(fh, suffix: str) -> Iterator[list]:
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(fh, read_only=True, data_only=True)  # streaming: one row in memory at a time
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise ValidationError(f"无法读取 Excel 文件：{exc}") from None
        try:
            for row in wb.worksheets[0].iter_rows(values_only=True):
                if row is None or all(v in (None, "") for v in row):
                    continue
                yield [_cell(v) for v in row]
        finally:
            wb.close()
    elif suffix == ".csv":
        for row in csv.reader(io.StringIO(_decode(fh.read()))):
            if not any(c.strip() for c in row):
                continue
            yield [_cell(c) for c in row]
    else:
        raise ValidationError("只支持 .xlsx 和 .csv 文件")


def read_rows(path: str | Path, *, max_rows: int | None = None) -> Iterator[list]:
    """Yields the first row, then each further row as a list of cell values; stops past `max_rows`."""
    rows = _rows_of(sheetcheck.open_plain(path), sheetcheck.real_suffix(path))
    limit = sheetcheck.limits().max_rows + 1 if max_rows is None else max_rows
    for n, row in enumerate(rows, start=1):
        if n > limit:
            raise sheetcheck.too_many_rows(n, sheetcheck.limits())
        yield row


def _norm_header(h) -> str:
    """"联系电话（手机）", "* 姓 名：" → "联系电话", "姓名": how clerks decorate headers."""
    text = re.sub(r"[\s\u3000*＊:：]", "", str(h or ""))
    return re.sub(r"[（(【\[].*?[)）】\]]$", "", text)


def guess_mapping(kind: str, headers: list[str]) -> dict[str, int]:
    mapping = {}
    normed = [_norm_header(h) for h in headers]
    for t in TARGETS[kind]:
        names = {_norm_header(a) for a in t.aliases} | {_norm_header(t.label)}
        for i, h in enumerate(normed):
            if h in names and i not in mapping.values():
                mapping[t.key] = i
                break
    return mapping


def _looks_like_data(kind: str, first: list) -> bool:
    """A header-less file: no cell names a known column, and some cell holds data (a number, a date)."""
    if guess_mapping(kind, [str(c) for c in first]):
        return False
    return any(contains_pii(str(c)) or re.fullmatch(r"[\d\-./X x年月日]{6,}", str(c)) for c in first)


def template_xlsx(kind: str) -> bytes:
    """An empty sheet with the expected headers (text-formatted columns) and a sheet explaining them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if kind not in TARGETS:
        raise ValidationError("未知的导入类型")
    wb = Workbook()
    ws = wb.active
    ws.title = dict(ImportJob.KIND_CHOICES)[kind]
    for i, t in enumerate(TARGETS[kind], start=1):
        c = ws.cell(row=1, column=i, value=t.label)
        c.font = Font(bold=True, color="C00000" if t.required else "000000")
        col = get_column_letter(i)
        ws.column_dimensions[col].width = max(10, len(t.label) * 2 + 4)
        # Text format, so Excel keeps an 18-digit identity number whole instead of rounding it.
        for r in range(2, 1002):
            ws.cell(row=r, column=i).number_format = "@"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "也可写作"])
    for t in TARGETS[kind]:
        notes.append([t.label, "是" if t.required else "", "、".join(a for a in t.aliases if a != t.label)])
    notes.append([])
    notes.append(["第一行必须是表头；证件号码、电话请按文本填写；日期写成 2026-01-31。红色列为必填。"])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["C"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- services

def _import_region(user) -> Region:
    """The node the import works under: the user's highest seat (all communities below it)."""
    if sees_everything(user):
        return Region.objects.filter(parent__isnull=True).order_by("code").first()
    paths = sorted(region_paths(user), key=len)
    if not paths:
        raise PermissionDenied("您没有区域岗位，不能导入")
    return Region.objects.get(path=paths[0])


def create_job(user, uploaded, kind: str) -> ImportJob:
    """Check and store the upload (encrypted), read its header row, guess the mapping.

    No data row is parsed here (see sheetcheck): the request's work is bounded whatever the file.
    """
    require_capability(user, C.IMPORT)
    if kind not in TARGETS:
        raise ValidationError("未知的导入类型")
    name = clean_text(os.path.basename(getattr(uploaded, "name", "upload")))
    ext = Path(name).suffix.lower()
    if ext not in (".xlsx", ".csv"):
        raise ValidationError("只支持 .xlsx 和 .csv 文件")
    raw = sheetcheck.read_upload(uploaded)
    if not raw.strip():
        raise ValidationError("文件是空的")
    lines = sheetcheck.check_xlsx(raw) if ext == ".xlsx" else sheetcheck.count_csv_rows(raw)
    first = next(_rows_of(io.BytesIO(raw), ext), None) if lines else None
    if not first:
        raise ValidationError("文件是空的")
    has_header = not _looks_like_data(kind, first)
    if has_header:
        # Headers are labels, yet a clerk's sheet can carry anything in row 1: masked like all free text.
        headers = [redact(str(h)) for h in first]
        total = lines - 1
    else:
        headers = [f"列{i + 1}" for i in range(len(first))]
        total = lines
    if total <= 0:
        raise ValidationError("文件只有表头，没有数据行")
    folder = Path(settings.MEDIA_ROOT) / "people-imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{ext}{sheetcheck.ENC_SUFFIX}"
    path.write_bytes(sheetcheck.encrypt_bytes(raw))
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(created_by=user, region=_import_region(user), kind=kind, file_path=str(path),
                                           original_name=name[:200], headers=headers, has_header=has_header,
                                           total=total, mapping=guess_mapping(kind, headers) if has_header else {})
            audit.record(user, "people.import.upload", job, detail={"file": name, "rows": total, "kind": kind})
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return job


def configure_job(user, job: ImportJob, mapping: dict[str, int | None], mode: str) -> ImportJob:
    """Save the mapping and the mode, then run the job (in the request if small, else as a task)."""
    require_capability(user, C.IMPORT)
    if job.created_by_id != user.pk:
        raise PermissionDenied("只能处理自己上传的文件")
    if job.status != "uploaded":
        raise ValidationError("该文件已提交处理")
    if mode not in dict(ImportJob.MODE_CHOICES):
        raise ValidationError("请选择导入方式")
    columns = {k: parse_int(v, "列", minimum=0, maximum=len(job.headers) - 1) for k, v in mapping.items()}
    clean = {k: v for k, v in columns.items() if v is not None}
    missing = [t.label for t in TARGETS[job.kind] if t.required and t.key not in clean]
    if missing:
        raise ValidationError("以下必填字段没有对应的列：" + "、".join(missing))
    used = list(clean.values())
    if len(used) != len(set(used)):
        raise ValidationError("同一列不能对应两个字段")
    ImportJob.objects.filter(pk=job.pk).update(mapping=clean, mode=mode, status="queued")
    from .tasks import run_import

    # Always the worker, however small the sheet: parsing a spreadsheet is never done in a request.
    run_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


# ---------------------------------------------------------------- running

class _Context:
    """Lookups shared by all rows of one job (communities, buildings, rooms, households)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.user = job.created_by
        communities = list(visible_to(self.user, Region.objects.filter(level="community")))
        self.by_code = {c.code: c for c in communities}
        self.by_name = {c.name: c for c in communities}
        self.default_community = communities[0] if len(communities) == 1 else None
        self.buildings: dict[tuple[int, str], Building | None] = {}
        self.rooms: dict[tuple[int, str, str], Room] = {}
        self.households: dict[tuple[int, str], Household] = {}
        self.seen_ids: set[str] = set()
        self.seen_numbers: set[tuple[int, str]] = set()

    def community(self, raw) -> tuple[Region | None, str | None]:
        text = str(raw or "").strip()
        if not text:
            if self.default_community:
                return self.default_community, None
            return None, "缺少社区"
        c = self.by_code.get(text) or self.by_name.get(text)
        if c is None:
            return None, f"未知社区“{text}”（不存在或不在您的管辖范围内）"
        return c, None

    def building(self, community: Region, name: str) -> Building | None:
        key = (community.pk, name)
        if key not in self.buildings:
            self.buildings[key] = Building.objects.filter(community=community, name=name).first()
        return self.buildings[key]

    def room(self, building: Building, entrance: str, number: str) -> Room:
        key = (building.pk, entrance, number)
        room = self.rooms.get(key)
        if room is None:
            ent, _ = Entrance.objects.get_or_create(building=building, name=entrance)
            room = Room.objects.filter(entrance=ent, number=number).first() or Room.objects.create(
                building=building, entrance=ent, number=number)
            self.rooms[key] = room
        return room

    def household(self, community: Region, number: str, room: Room | None) -> Household:
        key = (community.pk, number)
        hh = self.households.get(key)
        if hh is None:
            hh = Household.objects.filter(community=community, number=number).first()
            if hh is None:
                hh = Household.objects.create(community=community, number=number, room=room)
            self.households[key] = hh
        return hh


def _value(row: list, mapping: dict, key: str):
    i = mapping.get(key)
    if i is None or i >= len(row):
        return ""
    return row[i]


def _masked_values(job: ImportJob, row: list) -> dict:
    """What a rejected row shows to anyone: mapped identity numbers and phones masked, and every
    other cell (unmapped columns, 备注, names written into addresses …) with number-like personal
    data masked too — a clerk's sheet carries personal data in any column."""
    out = {}
    for i, header in enumerate(job.headers):
        v = row[i] if i < len(row) else ""
        key = next((k for k, idx in job.mapping.items() if idx == i), None)
        v = "" if v is None else str(v)
        if key in ("id_number", "head_id"):
            v = mask_id_number(v)
        elif key == "phone":
            v = mask_phone(v)
        else:
            v = redact(v)
        out[header or f"列{i + 1}"] = v
    return out


def _original_values(row: list) -> str:
    """The row as it was (an encrypted column): for the clerk allowed to see it, to fix and upload again."""
    return json.dumps(["" if v is None else str(v) for v in row], ensure_ascii=False)


def _check_resident(ctx: _Context, row: list) -> tuple[dict | None, list[str]]:
    m = ctx.job.mapping
    raw = {k: _value(row, m, k) for k in ("name", "sex", "birth_date", "id_type", "id_number", "phone",
                                         "registration", "relation", "moved_in")}
    reasons = []
    if not isinstance(raw["id_number"], str):
        reasons.append("证件号码被 Excel 存成了数字（末几位已丢失），请把该列设为文本后重新导出")
        raw["id_number"] = ""
    values, errors = clean_person(raw)
    reasons += errors
    community, err = ctx.community(_value(row, m, "community"))
    if err:
        reasons.append(err)
    building_name = str(_value(row, m, "building")).strip()
    room_number = str(_value(row, m, "room")).strip()
    entrance = str(_value(row, m, "entrance")).strip()
    building = None
    if community and building_name:
        building = ctx.building(community, building_name)
        if building is None:
            reasons.append(f"楼栋“{building_name}”不在{community.name}的登记中，请先导入楼栋")
        elif not room_number:
            reasons.append("有楼栋但缺少室号")
    elif room_number and not building_name:
        reasons.append("有室号但缺少楼栋")
    person = None
    if not reasons:
        person = Person(**{k: values[k] for k in ("name", "sex", "birth_date", "id_type", "id_number", "phone",
                                                  "registration", "relation", "moved_in")},
                        note=str(_value(row, m, "note")), community=community)
        person.fill_derived()
        if person.id_hash:
            if person.id_hash in ctx.seen_ids:
                reasons.append("证件号码在本文件中重复出现")
            ctx.seen_ids.add(person.id_hash)
    if reasons:
        return None, reasons
    return {"person": person, "community": community, "building": building, "entrance": entrance,
            "room": room_number, "household": str(_value(row, m, "household")).strip()}, []


def _write_residents(ctx: _Context, items: list[dict]) -> None:
    people = []
    for it in items:
        p = it["person"]
        if it["building"] is not None:
            room = ctx.room(it["building"], it["entrance"], it["room"])
            p.room = room
            p.grid_id = it["building"].grid_id
        if it["household"]:
            p.household = ctx.household(it["community"], it["household"], p.room)
        p.region_id = p.grid_id or p.community_id  # hashes and grams were derived when the row was checked
        people.append(p)
    insert_people(people)
    for p in people:
        if p.relation == "head" and p.household is not None and p.household.head_id is None:
            p.household.head = p
            Household.objects.filter(pk=p.household.pk, head__isnull=True).update(head=p)


def insert_people(people: list[Person]) -> None:
    """Insert fully derived Person objects and give them their primary keys.

    PostgreSQL: ids are drawn from the sequence first, then the rows go in with COPY — about twice
    as fast as a multi-row INSERT for a large sheet, and the ids let household heads be linked.
    Elsewhere: bulk_create (SQLite returns the ids itself).
    """
    if not people:
        return
    if connection.vendor != "postgresql":
        Person.objects.bulk_create(people, batch_size=CHUNK)
        return
    from civicgrid.core.crypto import EncryptedTextField, encrypt

    fields = Person._meta.concrete_fields
    encrypted = {f.attname for f in fields if isinstance(f, EncryptedTextField)}
    now = timezone.now()
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.wrap_database_errors, connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Person._meta.db_table, len(people)])
        ids = [r[0] for r in cur.fetchall()]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for p, pk in zip(people, ids):
                p.pk, p.created_at, p.updated_at = pk, now, now
                copy.write_row([encrypt(getattr(p, f.attname)) if f.attname in encrypted else getattr(p, f.attname)
                                for f in fields])
                p._state.adding, p._state.db = False, connection.alias


def _check_building(ctx: _Context, row: list) -> tuple[dict | None, list[str]]:
    m = ctx.job.mapping
    reasons = []
    community, err = ctx.community(_value(row, m, "community"))
    if err:
        reasons.append(err)
    name = str(_value(row, m, "name")).strip()
    if not name:
        reasons.append("楼栋名称不能为空")
    lng, lat = _value(row, m, "lng"), _value(row, m, "lat")
    grid = None
    try:
        lng = float(lng) if lng not in ("", None) else None
        lat = float(lat) if lat not in ("", None) else None
    except (TypeError, ValueError):
        reasons.append("经纬度不是数字")
        lng = lat = None
    if (lng is None) != (lat is None):
        reasons.append("经度和纬度必须同时填写")
    elif lng is not None and community is not None:
        from civicgrid.regions.geo import grid_at

        grid = grid_at(lng, lat)
        if grid is None or not grid.path.startswith(community.path):
            reasons.append("坐标不在该社区的任何网格内")
    floors = _value(row, m, "floors")
    try:
        floors = int(floors) if floors not in ("", None) else None
        if floors is not None and not 0 < floors < 200:
            raise ValueError
    except (TypeError, ValueError):
        reasons.append("层数不正确")
        floors = None
    if community and name:
        if (community.pk, name) in ctx.seen_numbers:
            reasons.append("楼栋在本文件中重复出现")
        elif Building.objects.filter(community=community, name=name).exists():
            reasons.append(f"{community.name}已有楼栋“{name}”")
        ctx.seen_numbers.add((community.pk, name))
    if reasons:
        return None, reasons
    return {"building": Building(community=community, grid=grid, name=name, lng=lng, lat=lat, floors=floors,
                                 address=str(_value(row, m, "address")).strip())}, []


def _write_buildings(ctx: _Context, items: list[dict]) -> None:
    objs = []
    for it in items:
        b = it["building"]
        b.region_id = b.grid_id or b.community_id
        objs.append(b)
    Building.objects.bulk_create(objs)


def _check_household(ctx: _Context, row: list) -> tuple[dict | None, list[str]]:
    from civicgrid.core.crypto import lookup_hash

    m = ctx.job.mapping
    reasons = []
    community, err = ctx.community(_value(row, m, "community"))
    if err:
        reasons.append(err)
    number = str(_value(row, m, "number")).strip()
    building_name = str(_value(row, m, "building")).strip()
    room_number = str(_value(row, m, "room")).strip()
    if not number:
        reasons.append("户号不能为空")
    building = None
    if community and building_name:
        building = ctx.building(community, building_name)
        if building is None:
            reasons.append(f"楼栋“{building_name}”不在{community.name}的登记中")
    if not room_number:
        reasons.append("缺少室号")
    head = None
    head_id = _value(row, m, "head_id")
    if head_id:
        head = Person.objects.filter(id_hash=lookup_hash(f"resident_id:{head_id}"),
                                     community=community).first() if community else None
        if head is None:
            reasons.append("户主证件号码在该社区的居民登记中找不到")
    if community and number:
        if (community.pk, number) in ctx.seen_numbers:
            reasons.append("户号在本文件中重复出现")
        elif Household.objects.filter(community=community, number=number).exists():
            reasons.append(f"户号“{number}”已存在")
        ctx.seen_numbers.add((community.pk, number))
    kind = {"": "family", "家庭户": "family", "集体户": "collective"}.get(str(_value(row, m, "kind")).strip())
    if kind is None:
        reasons.append("户别应为 家庭户 或 集体户")
    if reasons:
        return None, reasons
    return {"community": community, "number": number, "building": building, "room": room_number,
            "entrance": str(_value(row, m, "entrance")).strip(), "head": head, "kind": kind}, []


def _write_households(ctx: _Context, items: list[dict]) -> None:
    for it in items:
        room = ctx.room(it["building"], it["entrance"], it["room"])
        hh = Household.objects.create(community=it["community"], number=it["number"], room=room, kind=it["kind"],
                                      head=it["head"])
        if it["head"] is not None:
            Person.objects.filter(pk=it["head"].pk).update(household=hh, relation="head")


CHECKERS = {"residents": (_check_resident, _write_residents), "buildings": (_check_building, _write_buildings),
            "households": (_check_household, _write_households)}


def _register_duplicates(job: ImportJob, batch: list[tuple[int, list, dict | None, list[str]]]) -> None:
    """Identity numbers already in the register: one query per chunk.

    A number held by someone outside the clerk's jurisdiction gets the same answer as on the edit
    form ("cannot be used"), never "already registered": that would tell where a person lives.
    """
    if job.kind != "residents":
        return
    hashes = {item["person"].id_hash for _, _, item, _ in batch if item and item["person"].id_hash}
    if not hashes:
        return
    taken = set(Person.objects.filter(id_hash__in=hashes).values_list("id_hash", flat=True))
    if not taken:
        return
    visible = set(visible_to(job.created_by, Person.objects.filter(id_hash__in=taken))
                  .values_list("id_hash", flat=True))
    hidden = 0
    for entry in batch:
        item = entry[2]
        if item and item["person"].id_hash in taken:
            if item["person"].id_hash in visible:
                entry[3].append("证件号码已在登记库中（该居民已登记）")
            else:
                entry[3].append("该证件号码不能使用，请核对；如确认无误，请联系上级管理员核实")
                hidden += 1
    if hidden:
        audit.record(job.created_by, "person.id_conflict", job, detail={"where": "import", "rows": hidden})


def _chunks(job: ImportJob) -> Iterator[list[tuple[int, list, dict | None, list[str]]]]:
    ctx = _Context(job)
    check, _ = CHECKERS[job.kind]
    rows = read_rows(job.file_path)
    if job.has_header:
        next(rows, None)
    batch = []
    # Row numbers as Excel shows them (blank rows are skipped, so they can run ahead of the count).
    for n, row in enumerate(rows, start=2 if job.has_header else 1):
        item, reasons = check(ctx, row)
        batch.append((n, row, item, reasons))
        if len(batch) >= CHUNK:
            _register_duplicates(job, batch)
            yield ctx, batch
            batch = []
    if batch:
        _register_duplicates(job, batch)
        yield ctx, batch


def _progress(job: ImportJob, **fields) -> None:
    for k, v in fields.items():
        setattr(job, k, v)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _reject(job: ImportJob, bad: list) -> None:
    ImportRejection.objects.bulk_create([
        ImportRejection(job=job, row_number=n, reasons=[redact(r) for r in reasons], values=_masked_values(job, row),
                        original=_original_values(row))
        for n, row, _, reasons in bad])


def run(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in ("queued",):
        return job
    try:
        require_capability(job.created_by, C.IMPORT)
        _progress(job, status="running", phase="count", processed=0, accepted=0, rejected=0)
        # The exact count (blank rows skipped), streaming; read_rows stops at the row limit.
        exact = sum(1 for _ in read_rows(job.file_path)) - (1 if job.has_header else 0)
        _progress(job, total=max(exact, 0))
        if job.mode == "all_or_nothing":
            _run_all_or_nothing(job)
        else:
            _run_accept_good(job)
    except Exception as exc:  # the job must end in a state the page can show
        log.exception("import %s failed", job.pk)
        _progress(job, status="failed", error=str(getattr(exc, "messages", [exc])[0])[:1000],
                  finished_at=timezone.now())
    finally:
        if job.file_path:
            Path(job.file_path).unlink(missing_ok=True)
            ImportJob.objects.filter(pk=job.pk).update(file_path="")
    audit.record(job.created_by, "people.import", job, detail={
        "kind": job.kind, "mode": job.mode, "status": job.status, "accepted": job.accepted,
        "rejected": job.rejected, "file": job.original_name})
    return job


def _run_accept_good(job: ImportJob) -> None:
    _, write = CHECKERS[job.kind]
    _progress(job, phase="import")
    processed = accepted = rejected = 0
    for ctx, batch in _chunks(job):
        good = [e for e in batch if not e[3]]
        bad = [e for e in batch if e[3]]
        with transaction.atomic():
            if good:
                try:
                    with transaction.atomic():
                        write(ctx, [e[2] for e in good])
                except IntegrityError:
                    # Someone registered one of these people meanwhile: fall back to row by row.
                    # Rooms and households created in the rolled-back savepoint must not be reused.
                    ctx.rooms.clear()
                    ctx.households.clear()
                    good, late = _write_one_by_one(ctx, write, good)
                    bad += late
            _reject(job, bad)
            processed += len(batch)
            accepted += len(good)
            rejected += len(bad)
            _progress(job, processed=processed, accepted=accepted, rejected=rejected)
    _progress(job, status="done", finished_at=timezone.now())


def _write_one_by_one(ctx, write, good):
    ok, late = [], []
    for e in good:
        try:
            with transaction.atomic():
                write(ctx, [e[2]])
            ok.append(e)
        except IntegrityError:
            e[3].append("证件号码已在登记库中（导入过程中被他人登记）")
            late.append(e)
    return ok, late


def _run_all_or_nothing(job: ImportJob) -> None:
    _, write = CHECKERS[job.kind]
    _progress(job, phase="validate")
    processed = rejected = 0
    for _ctx, batch in _chunks(job):
        bad = [e for e in batch if e[3]]
        if bad:
            _reject(job, bad)
        processed += len(batch)
        rejected += len(bad)
        _progress(job, processed=processed, rejected=rejected)
    if rejected:
        _progress(job, status="rejected", accepted=0, finished_at=timezone.now())
        return
    _progress(job, phase="write", processed=0)
    processed = 0
    with transaction.atomic():
        # A second pass re-validates (the register may have changed) and writes; any bad row or
        # database error rolls back everything written by this pass.
        for ctx, batch in _chunks(job):
            bad = [e for e in batch if e[3]]
            if bad:
                raise ValidationError(f"第{bad[0][0]}行在写入时校验失败：{'；'.join(bad[0][3])}")
            write(ctx, [e[2] for e in batch])
            processed += len(batch)
    _progress(job, status="done", processed=processed, accepted=processed, finished_at=timezone.now())


def may_see_originals(user, job: ImportJob) -> bool:
    """Who gets a rejected row's original values: the clerk who uploaded the file (they hold it anyway)
    if they may also see full numbers in the register; everyone else gets the masked values."""
    from .permissions import has_capability

    if user is None or user.pk != job.created_by_id:
        return False
    return has_capability(user, C.REVEAL) or has_capability(user, C.EXPORT_UNMASKED)


def rejection_rows(job: ImportJob, user) -> tuple[list[str], list[list], bool]:
    """Header and rows of the rejection report: the source row number, the reasons, then the row's
    own columns under its own headers, so the clerk can fix the rows and upload the file again.
    Original values for those allowed to see them (the download is audited), masked otherwise."""
    originals = may_see_originals(user, job)
    headers = list(job.headers)
    out = []
    for r in job.rejections.all():
        values = None
        if originals and r.original:
            try:
                values = json.loads(r.original)
            except ValueError:
                values = None
        if values is None:
            values = [r.values.get(h or f"列{i + 1}", "") for i, h in enumerate(headers)]
        values = list(values) + [""] * (len(headers) - len(values))
        out.append([r.row_number, "；".join(r.reasons)] + values[:len(headers)])
    return ["源文件行号", "错误原因"] + headers, out, originals


def rejection_report_csv(job: ImportJob, user=None) -> bytes:
    """The rejection report as CSV (formula-safe, see core.spreadsheet); its download is logged."""
    header, rows, originals = rejection_rows(job, user)
    if user is not None:
        audit.record(user, "people.import_report", job, detail={"rows": len(rows), "masked": not originals})
    return csv_bytes(header, rows)


# ---------------------------------------------------------------- cleanup

STALE_AFTER_HOURS = 24


def purge_stale_uploads(now=None) -> int:
    """Uploaded files of jobs never configured (the clerk left the mapping page) and files no job
    points to any more: deleted after a day, so resident data does not pile up in var/media."""
    import datetime as dt

    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=STALE_AFTER_HOURS)
    n = 0
    for job in ImportJob.objects.filter(status="uploaded", created_at__lt=cutoff).exclude(file_path=""):
        Path(job.file_path).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(
            status="failed", file_path="", finished_at=now,
            error=f"上传后 {STALE_AFTER_HOURS} 小时内未提交导入，文件已删除；如需导入请重新上传")
        n += 1
    folder = Path(settings.MEDIA_ROOT) / "people-imports"
    if folder.is_dir():
        live = set(ImportJob.objects.exclude(file_path="").filter(status__in=("uploaded", "queued", "running"))
                   .values_list("file_path", flat=True))
        for f in folder.iterdir():
            if f.is_file() and str(f) not in live and f.stat().st_mtime < cutoff.timestamp():
                f.unlink(missing_ok=True)
                n += 1
    if n:
        log.info("deleted %s stale import upload(s)", n)
    return n
