"""The pages: the window's acceptance with consent, the printed papers, reveal, and the applicant's phone page."""
import pytest

from civicgrid.affairs import services as S
from civicgrid.affairs import workflow as W
from civicgrid.affairs.models import Application
from civicgrid.core.models import AuditEntry

from .conftest import FORM, accept


def test_the_window_accepts_with_consent_and_prefill_is_audited(world, client):
    t = world
    client.force_login(t.users["clerk_A1"])
    base = f"/affairs/accept/?window={t.windows['A1'].pk}&item=MZ-GLJT"
    html = client.get(base + "&q=张桂兰").content.decode()
    assert f"person={t.resident.pk}" in html and "李秀英" not in html  # the B1 resident is not the window's
    html = client.get(base + f"&person={t.resident.pk}").content.decode()
    assert 'value="13912345678"' not in html and not AuditEntry.objects.filter(action="affairs.prefill").exists()
    html = client.get(base + f"&person={t.resident.pk}&consent=1").content.decode()
    assert 'value="13912345678"' in html and 'value="1940-05-01"' in html
    assert AuditEntry.objects.filter(action="affairs.prefill", actor=t.users["clerk_A1"]).count() == 1
    resp = client.post("/affairs/accept/", {"window": t.windows["A1"].pk, "item": "MZ-GLJT", "person": t.resident.pk,
                                            "consent": "1", "provided": ["bank"],
                                            **{f"f_{k}": v for k, v in FORM.items()}})
    a = Application.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/affairs/{a.number}/"
    assert a.state == W.REVIEW and a.prefill_consent and a.person == t.resident


def test_a_bad_form_is_shown_again_with_each_fields_error_and_nothing_saved(world, client):
    t = world
    client.force_login(t.users["clerk_A1"])
    resp = client.post("/affairs/accept/", {"window": t.windows["A1"].pk, "item": "MZ-GLJT", "name": "张桂兰",
                                            "phone": "13912345678", "f_name": "张桂兰", "f_birth": "1990-01-01",
                                            "f_phone": "13912345678", "f_bank": "工商银行", "f_account": "x"})
    html = resp.content.decode()
    assert resp.status_code == 400 and not Application.objects.exists()
    assert 'id="error-birth"' in html and "年满 80 周岁" in html and 'id="error-account"' in html
    assert 'value="张桂兰"' in html  # what was typed is kept


def test_papers_reveal_and_refusals(world, client):
    t = world
    a = accept(t, provided=("id", "hukou"))
    client.force_login(t.users["clerk_A1"])
    html = client.get(f"/affairs/{a.number}/").content.decode()
    assert "张*兰" in html and "13912345678" not in html and "139****5678" in html
    notice = client.get(f"/affairs/{a.number}/notice/1/").content.decode()
    assert "一次性告知书" in notice and "本人社会保障卡或银行卡" in notice and "户口簿" not in notice
    for fmt in ("a4", "thermal"):
        r = client.get(f"/affairs/{a.number}/receipt/?format={fmt}")
        assert r.status_code == 200 and a.number in r.content.decode()
    assert client.get(f"/affairs/{a.number}/receipt/?format=<script>").status_code == 400
    resp = client.post(f"/affairs/{a.number}/reveal/", {"field": "phone", "reason": "电话通知补正"})
    assert resp.status_code == 200 and "13912345678" in resp.content.decode() and resp["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="affairs.reveal").count() == 1
    client.force_login(t.users["clerk_B1"])
    assert client.get(f"/affairs/{a.number}/").status_code == 404
    assert client.post(f"/affairs/{a.number}/reveal/", {"field": "phone", "reason": "越权查看"}).status_code == 404
    client.force_login(t.users["worker_A1a"])
    resp = client.post(f"/affairs/{a.number}/act/", {"action": "supplement", "provided": ["bank"]})
    assert resp.status_code == 403 and "办理申请需要以下角色之一" in resp.content.decode()
    a.refresh_from_db()
    assert a.state == W.CORRECTION


def test_the_applicant_follows_by_number_and_phone_and_rates(world, client):
    t = world
    a = accept(t, person=t.resident, consent=True)
    resp = client.post("/r/affairs/", {"number": a.number, "phone": "13900000000"})
    assert resp.status_code == 400 and "未找到该申请" in resp.content.decode()
    assert client.get(f"/r/affairs/{a.number}/").status_code == 404  # no session yet
    resp = client.post("/r/affairs/", {"number": a.number.lower(), "phone": "139-1234-5678"})
    assert resp.status_code == 302
    html = client.get(f"/r/affairs/{a.number}/").content.decode()
    assert "正在审核" in html and "受理" in html and "请为本次服务评价" not in html
    assert "张桂兰" not in html and "13912345678" not in html
    a = S.act(t.users["reviewer_A"], a, "pass_review")
    a = S.act(t.users["civil_district"], a, "approve")
    a = S.act(t.users["clerk_A1"], a, "deliver", method="post", signed_by="张桂兰")
    html = client.get(f"/r/affairs/{a.number}/").content.decode()
    assert "已办结" in html and "请为本次服务评价" in html
    resp = client.post(f"/r/affairs/{a.number}/", {"score": "9"})
    assert resp.status_code == 400 and "请选择评价等级" in resp.content.decode()
    resp = client.post(f"/r/affairs/{a.number}/", {"score": "5", "comment": "一次办好，很方便"})
    assert resp.status_code == 302 and a.rating.score == 5
    html = client.get("/r/affairs/rates/").content.decode()
    assert "高龄津贴" in html and "100.0%" in html


@pytest.mark.parametrize("url", ["/affairs/?x=%00", "/affairs/list/?state=<x>&page=-1", "/affairs/accept/?person=abc",
                                 "/affairs/accept/?window=9999999999999999999&item=%00", "/affairs/stats/?start=0001-13-01",
                                 "/affairs/catalogue/%E2%80%AE/?v=x", "/affairs/NOPE/notice/99999999999/"])
def test_garbage_is_answered_without_a_500(world, client, url):
    client.force_login(world.users["clerk_A1"])
    assert client.get(url).status_code in (200, 302, 400, 404)
