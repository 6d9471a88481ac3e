"""An uploaded sheet before anything parses it: size limits, zip-bomb checks, storage at rest.

The upload request does only bounded work: it reads the bytes (up to the size limit), checks the
zip members' declared sizes and compression ratios (Python's zipfile never inflates a member past
its declared size — a member that lies fails its CRC), counts rows with a byte scan (no XML or CSV
parsing), reads the header row, and stores the file encrypted. Every data row is parsed only by the
task worker, in openpyxl's streaming (read_only) mode, which stops at the same row limit.

Why each limit: a 44 KB xlsx can declare 300k rows (16 s of parsing) and a 211 KB one can inflate
to 72 MB of shared strings, which openpyxl keeps in memory whole (348 MB, never released).
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError

MB = 1024 * 1024


def _setting(name: str, env: str, default: int) -> int:
    return int(getattr(settings, name, os.environ.get(env, default)))


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_unzipped: int
    max_shared_strings: int
    max_ratio: int


def limits() -> Limits:
    return Limits(
        max_bytes=_setting("PEOPLE_IMPORT_MAX_BYTES", "CIVICGRID_IMPORT_MAX_BYTES", 20 * MB),
        max_rows=_setting("PEOPLE_IMPORT_MAX_ROWS", "CIVICGRID_IMPORT_MAX_ROWS", 200_000),
        max_unzipped=_setting("PEOPLE_IMPORT_MAX_UNZIPPED", "CIVICGRID_IMPORT_MAX_UNZIPPED", 200 * MB),
        max_shared_strings=_setting("PEOPLE_IMPORT_MAX_SHARED_STRINGS", "CIVICGRID_IMPORT_MAX_SHARED", 24 * MB),
        # Real sheets compress 5–20 times; a bomb hundreds or thousands of times.
        max_ratio=_setting("PEOPLE_IMPORT_MAX_RATIO", "CIVICGRID_IMPORT_MAX_RATIO", 100),
    )


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def read_upload(uploaded) -> bytes:
    """The uploaded bytes, refused as soon as they pass the size limit."""
    lim = limits()
    buf = io.BytesIO()
    chunks = uploaded.chunks() if hasattr(uploaded, "chunks") else [uploaded.read()]
    for chunk in chunks:
        buf.write(chunk)
        if buf.tell() > lim.max_bytes:
            raise ValidationError(f"文件过大（超过 {_mb(lim.max_bytes)}），请拆分成几个文件分批导入")
    return buf.getvalue()


def too_many_rows(n: int, lim: Limits) -> ValidationError:
    return ValidationError(f"文件行数超过上限（每个文件最多 {lim.max_rows:,} 行），请拆分成几个文件分批导入")


# ---------------------------------------------------------------- xlsx

_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,10}:)?row[\s/>]")  # at most 17 bytes long
_KEEP = 32  # bytes carried to the next block so a tag split between blocks is counted once


def _first_sheet(z: zipfile.ZipFile) -> str:
    """The member holding the workbook's first sheet (the one the importer reads)."""
    names = {i.filename for i in z.infolist()}
    try:
        if z.getinfo("xl/workbook.xml").file_size > MB or z.getinfo("xl/_rels/workbook.xml.rels").file_size > MB:
            raise ValidationError("无法读取 Excel 文件：工作簿结构异常")
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        ns_r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        first = next(el for el in wb.iter() if el.tag.endswith("}sheet") or el.tag == "sheet")
        rid = first.get(ns_r)
        target = next(el.get("Target") for el in rels.iter() if el.get("Id") == rid)
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        if path in names:
            return path
    except (KeyError, StopIteration, ET.ParseError, TypeError):
        pass
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    if not sheets:
        raise ValidationError("无法读取 Excel 文件：找不到工作表")
    return sheets[0]


def count_xlsx_rows(z: zipfile.ZipFile, member: str, stop_after: int) -> int:
    """<row> elements in the sheet, by a byte scan of the inflated stream; stops past `stop_after`."""
    n = 0
    carry = b""
    with z.open(member) as fh:
        while True:
            block = fh.read(1 << 20)
            data = carry + block
            if not block:
                return n + len(_ROW_TAG.findall(data))
            cut = max(len(data) - _KEEP, 0)
            n += sum(1 for m in _ROW_TAG.finditer(data) if m.start() < cut)
            carry = data[cut:]
            if n > stop_after:
                return n


def check_xlsx(raw: bytes) -> int:
    """Refuses a bomb; returns the number of rows the first sheet declares by its <row> elements."""
    lim = limits()
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError("无法读取 Excel 文件：不是有效的 .xlsx 文件（请用 Excel 另存为 .xlsx）") from None
    if len(infos) > 2000:
        raise ValidationError("无法读取 Excel 文件：压缩包内文件过多，疑似异常文件")
    unzipped = sum(i.file_size for i in infos)
    if unzipped > lim.max_unzipped:
        raise ValidationError(f"文件解压后过大（{_mb(unzipped)}，上限 {_mb(lim.max_unzipped)}），疑似异常文件，已拒绝")
    for i in infos:
        if i.file_size > MB and i.file_size > lim.max_ratio * max(i.compress_size, 1):
            raise ValidationError(f"文件压缩比异常（{i.filename} 解压后放大约 {i.file_size // max(i.compress_size, 1)} "
                                  f"倍），疑似“压缩炸弹”，已拒绝")
        if i.filename.lower().endswith("sharedstrings.xml") and i.file_size > lim.max_shared_strings:
            raise ValidationError(f"文件中的文字内容过大（共享字符串表 {_mb(i.file_size)}，上限 "
                                  f"{_mb(lim.max_shared_strings)}），请拆分后分批导入")
    try:
        rows = count_xlsx_rows(z, _first_sheet(z), lim.max_rows + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ValidationError("无法读取 Excel 文件：文件已损坏") from None
    if rows > lim.max_rows + 1:  # + the header row
        raise too_many_rows(rows, lim)
    return rows


def count_csv_rows(raw: bytes) -> int:
    """Lines, as an upper bound of rows (a quoted cell may hold a line break)."""
    lim = limits()
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    if lines > lim.max_rows + 1:
        raise too_many_rows(lines, lim)
    return lines


# ---------------------------------------------------------------- at rest

ENC_SUFFIX = ".enc"


def encrypt_bytes(raw: bytes) -> bytes:
    from civicgrid.core.crypto import fernet

    return fernet().encrypt(raw)


def open_plain(path) -> io.BytesIO:
    """The stored upload's bytes (decrypted in memory; the plaintext never touches the disk)."""
    from civicgrid.core.crypto import fernet

    data = open(path, "rb").read()
    if str(path).endswith(ENC_SUFFIX):
        data = fernet().decrypt(data)
    return io.BytesIO(data)


def real_suffix(path) -> str:
    name = str(path)
    if name.endswith(ENC_SUFFIX):
        name = name[: -len(ENC_SUFFIX)]
    return os.path.splitext(name)[1].lower()
