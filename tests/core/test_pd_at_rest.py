"""Issue 11 items 10 and 13: personal data does not sit in clear outside the encrypted columns —
sessions, audit details, notifications, idempotency records, logs, the console SMS — and one
reveal rule for residents and case requesters."""
import json
import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from civicgrid.api import services as api_services
from civicgrid.api.models import IdempotencyRecord
from civicgrid.cases import services as S
from civicgrid.cases.models import Category
from civicgrid.core import sms
from civicgrid.core.logmask import MaskPII, mask_line
from civicgrid.core.models import AuditEntry, Notification
from civicgrid.core.sms import MemorySMSBackend
from tests.people.conftest import homes, ident  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _table_text(table: str) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return " ".join(str(c) for row in cur.fetchall() for c in row)


def _session_dump() -> str:
    return " ".join(s.session_data + json.dumps(s.get_decoded(), ensure_ascii=False) for s in Session.objects.all())


def test_resident_phone_is_encrypted_in_the_session(territory, client):
    client.post("/r/", {"step": "send_code", "phone": PHONE})
    code = re.search(r"验证码是 (\d{6})", MemorySMSBackend.outbox[-1][1]).group(1)
    r = client.post("/r/", {"step": "verify", "code": code})
    assert "已验证手机号" in r.content.decode()
    r = client.post("/r/", {"step": "report", "category": "06002", "description": "楼道里堆满杂物",
                            "lng": "116.005", "lat": "39.905"})
    assert r.status_code == 302
    assert PHONE not in _session_dump() and "enc1:" in _session_dump()
    # …and the session still works: the resident sees the case just reported.
    assert client.get(r["Location"]).status_code == 200


def test_search_text_mixing_words_and_numbers_is_masked_in_the_audit_log(homes, client):
    staff = homes["t"].users["staff_A1"]
    client.force_login(staff)
    for q in (f"史 {ident(11)}", "张 139 1234 5678", f"{ident(11)[:6]} {ident(11)[6:14]} {ident(11)[14:]}"):
        client.get("/people/", {"q": q})
    text = _table_text("core_auditentry")
    assert ident(11) not in re.sub(r"\s", "", text) and "13912345678" not in re.sub(r"[\s]", "", text)
    qs = [e.detail.get("q") for e in AuditEntry.objects.filter(action="person.search")]
    assert any(q and q.startswith("史 ") and "*" in q for q in qs), qs


def test_reasons_and_details_are_masked_whoever_writes_them(territory):
    from civicgrid.core import audit

    e = audit.record(territory.users["admin"], "person.view", None, object_type="people.person",
                     detail={"note": f"来电 {PHONE}", "nested": [{"id": ident(55)}]}, reason=f"核实 {PHONE}")
    e.refresh_from_db()
    assert PHONE not in json.dumps(e.detail) + e.reason and ident(55) not in json.dumps(e.detail)
    assert e.detail["note"] == "来电 139****5678"


def test_notification_bodies_and_sms_hold_no_resident_numbers(territory, settings):
    cat = Category.objects.get(code="06002")
    S.intake(territory.users["operator"], channel="hotline", category=cat, grid=territory.grid("A1a"),
             description=f"楼道堆物，联系我 {PHONE}，身份证 {ident(56)}", urgent=True)
    text = _table_text("core_notification")
    assert Notification.objects.exists() and PHONE not in text and ident(56) not in text
    assert "139****5678" in text


def test_idempotency_records_store_ciphertext(territory, client):
    raw = api_services.issue_token(None, user=territory.users["operator"], name="t")[1]
    body = {"category_code": "06002", "description": f"楼道堆物 联系人电话 {PHONE}", "lng": 116.005, "lat": 39.905,
            "requester_phone": PHONE, "requester_name": "王小明"}
    for _ in range(2):
        r = client.post("/api/v1/cases", data=json.dumps(body), content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_IDEMPOTENCY_KEY="k-1")
        assert r.status_code == 201
    assert r["Idempotent-Replayed"] == "true" and r.json()["number"]
    stored = IdempotencyRecord.objects.get().body
    assert stored.startswith("enc1:") and PHONE not in stored and "楼道堆物" not in stored


def test_access_log_lines_are_masked():
    line = f'"GET /people/?q={ident(11)[:6]}+{ident(11)[6:14]}+{ident(11)[14:]} HTTP/1.1" 200 1234'
    assert ident(11)[6:14] not in mask_line(line)
    assert PHONE not in mask_line(f'"GET /hotline/caller/?phone={PHONE} HTTP/1.1" 200')
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET /people/?q=%E5%8F%B2%20{ident(11)} HTTP/1.1", "200", "5"), None)
    assert MaskPII().filter(record) and ident(11) not in record.getMessage()
    from django.conf import settings

    assert "mask_pii" in settings.LOGGING["handlers"]["django.server"]["filters"]
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "deploy"
    assert "%(U)s" in (root / "gunicorn.conf.py").read_text() and "%(r)s" not in \
        (root / "gunicorn.conf.py").read_text().split("access_log_format", 1)[1]
    assert "$uri" in (root / "nginx.conf").read_text() and "civicgrid_nopii" in (root / "nginx.conf").read_text()


def test_console_sms_masks_the_phone_and_shows_the_code(capsys, caplog):
    with caplog.at_level(logging.INFO, logger="civicgrid.sms"):
        sms.ConsoleSMSBackend().send(PHONE, "【civicgrid】您的验证码是 123456，5 分钟内有效。")
    out = capsys.readouterr().out + caplog.text
    assert PHONE not in out and "139****5678" in out and "123456" in out


def test_caller_lookup_is_post_only(territory, client):
    client.force_login(territory.users["operator"])
    assert client.get("/hotline/caller/", {"phone": PHONE}).status_code == 405
    r = client.post("/hotline/caller/", {"caller_phone": PHONE})
    assert r.status_code == 200


def test_one_reveal_rule_for_requesters_and_residents(homes, client):
    t = homes["t"]
    cat = Category.objects.get(code="01037")
    c = S.intake(t.users["operator"], channel="hotline", category=cat, description="x", lng=116.005, lat=39.905,
                 requester_name="王小明", requester_phone="13812345678")
    client.force_login(t.users["dispatcher_A"])
    r = client.post(f"/cases/{c.number}/reveal/", {"reason": "看"}, follow=True)
    assert "13812345678" not in r.content.decode() and "至少4个字" in r.content.decode()
    assert not AuditEntry.objects.filter(action="case.reveal_requester").exists()
    r = client.post(f"/cases/{c.number}/reveal/", {"reason": "联系核实情况"})
    assert "13812345678" in r.content.decode() and r["Cache-Control"] == "no-store"
    case_entry = AuditEntry.objects.get(action="case.reveal_requester")
    client.force_login(t.users["staff_A1"])
    r = client.post(f"/people/p/{homes['p_a'].pk}/reveal/", {"field": "phone", "reason": "看"})
    assert r.status_code == 400 and "至少4个字" in r.content.decode()
    r = client.post(f"/people/p/{homes['p_a'].pk}/reveal/", {"field": "phone", "reason": "核实来电人身份"})
    assert r["Cache-Control"] == "no-store"
    person_entry = AuditEntry.objects.get(action="person.reveal")
    # Audited the same way: the fields shown and the reason.
    assert set(case_entry.detail) == set(person_entry.detail) == {"fields"}
    assert case_entry.reason == "联系核实情况" and person_entry.reason == "核实来电人身份"
