"""Issue 11 items 9 and 10 (imports), issue 13 item 18: spreadsheet bombs refused in the request
without parsing, uploads encrypted and deleted, rejections without clear personal data, header-less
files, header variants, templates, and a report the clerk can fix and upload again."""
import csv
import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from civicgrid.core.models import AuditEntry
from civicgrid.people import importer
from civicgrid.people.models import ImportJob, ImportRejection, Person

from .conftest import ident

CT = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>'''
RELS = '''<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>'''
WB = '''<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="居民" sheetId="1" r:id="rId1"/></sheets></workbook>'''
WB_RELS = '''<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>'''


def _xlsx(sheet_rows, shared: list[str] | bytes = ("姓名",)) -> bytes:
    """A minimal valid xlsx written with zipfile, streaming the sheet (the bomb never exists unzipped)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if isinstance(shared, bytes):
                for _ in range(len(shared) // 1_000_000):
                    fh.write(shared[:1_000_000])
            else:
                for s in shared:
                    fh.write(f"<si><t>{s}</t></si>".encode())
            fh.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for chunk in sheet_rows:
                fh.write(chunk)
            fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def _rows(n):
    yield b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    block = []
    for i in range(2, n + 2):
        block.append(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i))
        if len(block) == 10000:
            yield b"".join(block)
            block = []
    yield b"".join(block)


def _refused_quickly(user, raw: bytes, name="居民.xlsx"):
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(ValidationError) as exc:
        importer.create_job(user, SimpleUploadedFile(name, raw), "residents")
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return "；".join(exc.value.messages), seconds, peak


def test_300k_rows_in_a_small_xlsx_are_refused_before_parsing(homes):
    raw = _xlsx(_rows(300_000))
    assert len(raw) < 1_500_000  # a small file
    message, seconds, peak = _refused_quickly(homes["t"].users["staff_A1"], raw)
    assert "行数超过上限" in message and "200,000" in message
    assert seconds < 5 and peak < 40 * 1024 * 1024, (seconds, peak)
    assert not ImportJob.objects.exists() and not list((Path(importer.settings.MEDIA_ROOT)).rglob("*.xlsx*"))


def test_huge_shared_strings_are_refused_before_openpyxl_loads_them(homes):
    filler = b"<si><t>" + b"A" * 990 + b"</t></si>"
    raw = _xlsx(_rows(3), shared=filler * 1010 * 72)  # ~72 MB of shared strings, a few hundred KB zipped
    assert len(raw) < 1_000_000
    message, seconds, peak = _refused_quickly(homes["t"].users["staff_A1"], raw)
    assert "压缩" in message or "共享字符串" in message or "解压后过大" in message
    assert seconds < 5 and peak < 40 * 1024 * 1024, (seconds, peak)


def test_oversized_upload_and_too_many_csv_lines_are_refused(homes, settings):
    staff = homes["t"].users["staff_A1"]
    settings.PEOPLE_IMPORT_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="文件过大"):
        importer.create_job(staff, SimpleUploadedFile("a.csv", b"x" * 2000), "residents")
    settings.PEOPLE_IMPORT_MAX_BYTES = 10_000_000
    settings.PEOPLE_IMPORT_MAX_ROWS = 10
    with pytest.raises(ValidationError, match="行数超过上限"):
        importer.create_job(staff, SimpleUploadedFile("a.csv", ("姓名\n" + "张三\n" * 11).encode()), "residents")


def _csv(rows) -> SimpleUploadedFile:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return SimpleUploadedFile("居民.csv", buf.getvalue().encode("utf-8-sig"))


def _run(user, upload, mapping=None, mode="accept_good"):
    job = importer.create_job(user, upload, "residents")
    job = importer.configure_job(user, job, job.mapping if mapping is None else mapping, mode)
    assert job.status == "queued"
    importer.run(job.pk)
    job.refresh_from_db()
    return job


def test_upload_is_encrypted_at_rest_and_deleted_after_the_run(homes):
    staff = homes["t"].users["staff_A1"]
    number = ident(401)
    job = importer.create_job(staff, _csv([["姓名", "身份证号", "社区"], ["王一", number, "A1社区"]]), "residents")
    stored = Path(job.file_path).read_bytes()
    assert number.encode() not in stored and "王一".encode() not in stored
    job = importer.configure_job(staff, job, job.mapping, "accept_good")
    importer.run(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.accepted == 1 and not job.file_path
    assert not list(Path(importer.settings.MEDIA_ROOT).rglob("*.enc"))


def test_uploads_never_configured_are_purged(homes):
    staff = homes["t"].users["staff_A1"]
    job = importer.create_job(staff, _csv([["姓名", "社区"], ["王二", "A1社区"]]), "residents")
    path = Path(job.file_path)
    assert importer.purge_stale_uploads() == 0 and path.exists()  # fresh: kept
    later = timezone.now() + timezone.timedelta(hours=25)
    assert importer.purge_stale_uploads(now=later) >= 1
    job.refresh_from_db()
    assert not path.exists() and job.status == "failed" and "已删除" in job.error


def test_rejections_hold_no_clear_personal_data_and_the_report_round_trips(homes, client):
    staff = homes["t"].users["staff_A1"]
    bad_number = ident(402)[:-1] + ("0" if ident(402)[-1] != "0" else "1")
    rows = [["姓名", "身份证号码", "联系电话", "社区", "房号", "备注", "紧急联系人"],
            ["赵一", bad_number, "13911112222", "A1社区", "", "=cmd|' /C calc'!A0 本人 110101199003071234",
             "女儿 13722223333"],
            ["钱二", ident(403), "", "火星社区", "", "@SUM(1+1)", ""]]
    job = _run(staff, _csv(rows))
    assert job.rejected == 2 and job.mapping["room"] == 4  # 房号 → 室
    # What the database holds in clear: masked values only; the original row is ciphertext.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT reasons, \"values\", original FROM people_importrejection")
        dump = " ".join(str(c) for row in cur.fetchall() for c in row)
    for secret in (bad_number, "13911112222", "110101199003071234", "13722223333"):
        assert secret not in dump
    assert "enc1:" in dump
    # The uploader (community staff: may reveal) gets the original values to fix and re-upload, audited.
    client.force_login(staff)
    resp = client.get(reverse("people:import_report", args=[job.pk]))
    assert "导入未通过行" in resp["Content-Disposition"] or "%E5%AF%BC%E5%85%A5" in resp["Content-Disposition"]
    report = resp.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0][:2] == ["源文件行号", "错误原因"] and lines[0][2:] == rows[0]
    assert lines[1][0] == "2" and lines[1][3] == bad_number and lines[1][7].startswith("'=cmd")  # inert
    assert lines[2][0] == "3" and lines[2][7] == "'@SUM(1+1)"
    entry = AuditEntry.objects.filter(action="people.import_report").latest("pk")
    assert entry.detail == {"rows": 2, "masked": False}
    # Fixing the community and uploading the report again imports the row (the apostrophe comes off).
    lines[2][5] = "A1社区"
    fixed = io.StringIO()
    csv.writer(fixed).writerows([lines[0], lines[2]])
    again = _run(staff, SimpleUploadedFile("改正.csv", fixed.getvalue().encode("utf-8-sig")))
    assert again.accepted == 1 and Person.objects.get(name="钱二").note == "@SUM(1+1)"
    # Someone else in scope (a street dispatcher) sees the masked values only.
    dispatcher = homes["t"].users["dispatcher_A"]
    masked = importer.rejection_report_csv(job, dispatcher).decode("utf-8-sig")
    assert bad_number not in masked and "13911112222" not in masked and "110101199003071234" not in masked
    assert "139****2222" in masked


def test_headerless_csv_keeps_no_personal_data_as_headers(homes):
    staff = homes["t"].users["staff_A1"]
    job = importer.create_job(staff, _csv([["王三", ident(404), "13900001234", "A1社区"],
                                           ["李四", ident(405), "", "A1社区"]]), "residents")
    assert job.headers == ["列1", "列2", "列3", "列4"] and not job.has_header and job.total == 2
    assert ident(404) not in str(job.headers) and job.mapping == {}
    job = importer.configure_job(staff, job, {"name": 0, "id_number": 1, "phone": 2, "community": 3}, "accept_good")
    importer.run(job.pk)
    job.refresh_from_db()
    assert job.accepted == 2  # the first row is data, and imported
    assert Person.objects.filter(name="王三").exists()


def test_header_variants_are_mapped(homes):
    headers = ["* 姓 名", "身份证号码", "联系电话（手机）", "所属社区", "楼栋号", "单元号", "房号", "备注"]
    mapping = importer.guess_mapping("residents", headers)
    assert mapping == {"name": 0, "id_number": 1, "phone": 2, "community": 3, "building": 4, "entrance": 5,
                       "room": 6, "note": 7}
    assert importer.guess_mapping("households", ["户号", "楼号", "房号", "户主身份证"]) == \
        {"number": 0, "building": 1, "room": 2, "head_id": 3}


@pytest.mark.parametrize("kind", ["residents", "households", "buildings"])
def test_template_download_per_kind(homes, client, kind):
    client.force_login(homes["t"].users["staff_A1"])
    resp = client.get(reverse("people:import_template", args=[kind]))
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header == [t.label for t in importer.TARGETS[kind]]
    assert wb.worksheets[0]["B2"].number_format == "@"  # text: Excel keeps 18 digits whole
    # The template imports as it is once filled in: its headers map onto every field.
    assert set(importer.guess_mapping(kind, header)) == {t.key for t in importer.TARGETS[kind]}
    assert client.get(reverse("people:import_template", args=["nope"])).status_code == 404


def test_import_refuses_numbers_outside_scope_without_saying_they_exist(homes):
    staff = homes["t"].users["staff_A1"]
    job = _run(staff, _csv([["姓名", "身份证号", "社区"], ["李建华", ident(22), "A1社区"]]))  # lives in B1
    reasons = ImportRejection.objects.get(job=job).reasons
    assert not any("登记库" in r for r in reasons) and any("不能使用" in r for r in reasons)
    assert AuditEntry.objects.filter(action="person.id_conflict", detail__where="import").exists()
