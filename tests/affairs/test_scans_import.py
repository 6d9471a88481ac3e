"""Scanned documents checked by their bytes (real JPEG/PNG/PDF files), and the catalogue imported from Excel."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.affairs import scans
from civicgrid.affairs import services as S
from civicgrid.affairs import workflow as W
from civicgrid.affairs.errors import BadScan
from civicgrid.affairs.models import Application, Item

from .conftest import T0, accept


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (800, 600), (240, 240, 230))
    exif = Image.Exif()
    exif[0x010F] = "ScannerCo"  # Make
    exif[0x010E] = "GPS 39.9042N 116.4074E"  # ImageDescription
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (300, 400), 255).save(buf, "PNG")
    return buf.getvalue()


def pdf(extra: bytes = b"") -> bytes:
    """A one-page PDF written by hand (what a scanner's simple mode produces)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_images_are_reencoded_without_metadata():
    s = scans.prepare(upload("身份证.jpg", jpeg_with_exif(), "image/jpeg"))
    assert s.content_type == "image/jpeg" and s.file.name.endswith(".jpg")
    body = s.file.read()
    assert b"ScannerCo" not in body
    assert not Image.open(io.BytesIO(body)).getexif()
    assert scans.prepare(upload("户口簿.png", png())).content_type == "image/jpeg"


def test_a_plain_pdf_is_kept_and_active_pdfs_are_refused():
    good = scans.prepare(upload("银行卡.pdf", pdf(), "application/pdf"))
    assert good.content_type == "application/pdf" and good.file.read() == pdf()
    for extra, what in [(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ", "OpenAction"),
                        (b"/Names << /EmbeddedFiles 4 0 R >> ", "EmbeddedFiles"),
                        (b"/OpenAction << /S /J#61vaScript >> ", "OpenAction"),
                        (b"/AA << /O << /S /Launch /F (calc.exe) >> >> ", "AA")]:
        with pytest.raises(BadScan, match=what):
            scans.prepare(upload("材料.pdf", pdf(extra), "application/pdf"))
    with pytest.raises(BadScan, match="不是完整的 PDF"):
        scans.prepare(upload("材料.pdf", pdf()[:200], "application/pdf"))


def test_type_is_sniffed_not_taken_from_the_name_and_size_is_limited(settings):
    with pytest.raises(BadScan, match="不是图片（JPEG/PNG）或 PDF"):
        scans.prepare(upload("扫描.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg"))  # a Windows program
    with pytest.raises(BadScan, match="不是图片"):
        scans.prepare(upload("扫描.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"))
    with pytest.raises(BadScan, match="不是有效的图片"):
        scans.prepare(upload("扫描.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 50, "image/jpeg"))
    with pytest.raises(BadScan, match="空文件"):
        scans.prepare(upload("空.jpg", b""))
    big = SimpleUploadedFile("大.pdf", b"%PDF-1.4\n" + b"0" * (scans.MAX_BYTES + 10), content_type="application/pdf")
    with pytest.raises(BadScan, match="超过 10 MB"):
        scans.prepare(big)


def test_a_bad_scan_at_the_window_saves_nothing_and_a_good_one_is_served_only_in_scope(world, client):
    t = world
    with pytest.raises(BadScan):
        accept(t, provided=(), scans_by_code={"bank": upload("卡.pdf", pdf(b"/JS (x) "))})
    assert not Application.objects.exists()
    a = accept(t, person=t.resident, consent=True, provided=(),
               scans_by_code={"bank": upload("卡.jpg", jpeg_with_exif(), "image/jpeg")})
    m = a.materials.get(code="bank")
    assert a.state == W.REVIEW and m.status == "provided" and m.scan_type == "image/jpeg" and m.scan_size > 0
    url = m.scan.url
    client.force_login(t.users["clerk_A1"])
    resp = client.get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content)[:3] == b"\xff\xd8\xff"
    client.force_login(t.users["clerk_B1"])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_a_supplement_with_a_scan(world):
    t = world
    a = accept(t, provided=("id", "hukou"))
    with pytest.raises(BadScan):
        S.act(t.users["clerk_A1"], a, "supplement", scans_by_code={"bank": upload("x.gif", b"GIF89a....")})
    a.refresh_from_db()
    assert a.state == W.CORRECTION
    a = S.act(t.users["clerk_A1"], a, "supplement", scans_by_code={"bank": upload("卡.pdf", pdf())})
    assert a.state == W.REVIEW and a.materials.get(code="bank").scan_type == "application/pdf"


# -- the catalogue from Excel --------------------------------------------------------------------------------
def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    from civicgrid.affairs.importer import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([c[1] for c in COLUMNS])
    for r in rows:
        ws.append([r.get(c[0], "") for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROW = {"code": "MZ-LSJZ", "name": "临时救助", "department": "CIV", "category": "社会救助",
       "legal_basis": "《社会救助暂行办法》第四十七条", "accept_level": "社区", "review_level": "街道",
       "decide_level": "街道", "materials": "申请人身份证|原件及复印件|1|信息库\n困难情况说明|原件\n医疗费用票据|复印件|1|可选",
       "fields": "name|申请人姓名|text|必填,prefill=name,max_length=20\nreason|困难情况|textarea|必填,max_length=500\n"
                 "amount|申请金额（元）|decimal|必填,min=0,max=20000",
       "fee": 0, "review_days": 5, "decide_days": 5, "deliver_days": 2, "total_days": 12, "result_kind": "待遇发放",
       "result_name": "临时救助金"}


def test_the_catalogue_imports_from_excel_as_new_versions(world):
    from civicgrid.affairs import importer

    t = world
    admin = t.users["admin"]
    result = importer.import_catalogue(admin, upload("事项目录.xlsx", xlsx([ROW, {**ROW, "code": "MZ-GLJT",
                                                                                   "name": "高龄津贴"}])))
    assert result["errors"] == [] and len(result["published"]) == 2
    v = Item.objects.get(code="MZ-LSJZ").current
    assert v.version == 1 and v.review_level == "street" and v.decide_level == "street"
    assert [(m["name"], m["form"], m["required"], m["register"]) for m in v.materials] == [
        ("申请人身份证", "both", True, True), ("困难情况说明", "original", True, False),
        ("医疗费用票据", "copy", False, False)]
    assert v.fields[2] == {"key": "amount", "label": "申请金额（元）", "type": "decimal", "required": True,
                           "rules": {"min": "0", "max": "20000"}, "prefill": ""}
    assert Item.objects.get(code="MZ-GLJT").current.version == 2  # the fixture's item got its next version
    # One bad row: nothing at all is published, and every bad row is named.
    bad = [{**ROW, "name": "临时救助（修订）"}, {**ROW, "code": "X1", "decide_level": "省"},
           {**ROW, "code": "X2", "department": "外星局"}]
    result = importer.import_catalogue(admin, upload("事项目录.xlsx", xlsx(bad)))
    assert result["published"] == [] and [n for n, _ in result["errors"]] == [3, 4]
    assert "层级" in result["errors"][0][1] and "外星局" in result["errors"][1][1]
    assert Item.objects.get(code="MZ-LSJZ").versions.count() == 1
    with pytest.raises(ValidationError, match="不是有效的 .xlsx"):
        importer.import_catalogue(admin, upload("事项目录.xlsx", b"PK\x03\x04 not a zip"))
