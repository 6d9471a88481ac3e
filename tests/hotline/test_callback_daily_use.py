"""Call-backs in daily use (issue 13 items 9, 10, 12): no silent reopening, dialling with an audited
reveal, typed text kept, case numbers linked, caller history on any input."""
import pytest
from django.core.exceptions import ValidationError

from civicgrid.cases import workflow as W
from civicgrid.core.models import AuditEntry, Notification
from civicgrid.hotline import services
from civicgrid.hotline.models import CallBack

from .helpers import close_case, hotline_case

pytestmark = pytest.mark.django_db


def test_unhappy_callback_goes_to_review_by_default_and_the_case_stays_closed(territory, client):
    t = territory
    case = close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    client.force_login(t.users["operator"])
    # 已联系上 + 解决 + 不满意: the case from the issue (2026112700005) went back to 待派遣 silently.
    r = client.post("/hotline/callbacks/", {"callback": cb.pk, "reached": "yes", "solved": "yes",
                                            "satisfaction": "dissatisfied", "note": "态度不好"}, follow=True)
    html = r.content.decode()
    case.refresh_from_db()
    cb.refresh_from_db()
    assert case.state == W.CLOSED and cb.follow_up == "review"
    assert f"案件 {case.number} 仍为已结案，已提交回访复核" in html
    # The reviewers hear of it, and see it in 回访复核.
    note = Notification.objects.get(recipient=t.users["dispatcher_A"], title__startswith="回访不满意待复核")
    client.force_login(t.users["dispatcher_A"])
    assert case.number in client.get("/hotline/reviews/").content.decode()
    # Deciding the review answers that notice (item 11).
    client.post("/hotline/reviews/", {"callback": cb.pk, "decision": "accept", "note": "已解释，维持办结"})
    note.refresh_from_db()
    assert note.done_at is not None and note.read_at is not None
    case.refresh_from_db()
    assert case.state == W.CLOSED


def test_operator_cannot_reopen_unless_the_rules_allow_it(territory, settings):
    settings.HOTLINE_UNHAPPY_ACTION = "review"
    t = territory
    case = close_case(t, hotline_case(t))
    with pytest.raises(ValidationError, match="须提交回访复核"):
        services.record_callback(t.users["operator"], CallBack.objects.get(), reached=True, solved=False,
                                 satisfaction="dissatisfied", note="仍有杂物", follow_up="reopen")
    case.refresh_from_db()
    assert case.state == W.CLOSED and CallBack.objects.get().state == CallBack.PENDING


def test_direct_reopen_needs_confirmation_and_a_reason(territory, client, settings):
    settings.HOTLINE_UNHAPPY_ACTION = "reopen"
    t = territory
    case = close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    client.force_login(t.users["operator"])
    base = {"callback": cb.pk, "reached": "yes", "solved": "no", "satisfaction": "dissatisfied",
            "follow_up": "reopen"}
    # Not confirmed: refused, and everything typed comes back.
    r = client.post("/hotline/callbacks/", {**base, "note": "杂物又堆回来了"})
    html = r.content.decode()
    assert r.status_code == 400 and "须勾选确认" in html
    assert ">杂物又堆回来了</textarea>" in html
    assert 'name="solved" value="no" checked' in html and 'name="satisfaction" value="dissatisfied" checked' in html
    assert 'name="follow_up" value="reopen" checked' in html
    # Confirmed but no reason: refused.
    r = client.post("/hotline/callbacks/", {**base, "confirm_reopen": "yes"})
    assert r.status_code == 400 and "写明理由" in r.content.decode()
    case.refresh_from_db()
    assert case.state == W.CLOSED
    r = client.post("/hotline/callbacks/", {**base, "confirm_reopen": "yes", "note": "杂物又堆回来了"}, follow=True)
    case.refresh_from_db()
    assert case.state == W.COMMUNITY_HANDLING
    assert f"案件 {case.number} 已从已结案退回重新办理，当前状态：社区处置中" in r.content.decode()
    ev = case.events.order_by("-seq").first()
    assert ev.action == "reopen" and ev.note == "回访未解决：杂物又堆回来了"


def test_missing_answer_keeps_the_callback_note(territory, client):
    t = territory
    close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    client.force_login(t.users["operator"])
    r = client.post("/hotline/callbacks/", {"callback": cb.pk, "reached": "yes", "satisfaction": "basic",
                                            "note": "居民说灯已修好"})
    html = r.content.decode()
    assert r.status_code == 400 and "请选择问题是否解决" in html
    assert ">居民说灯已修好</textarea>" in html and 'value="basic" checked' in html


def test_callback_queue_reveals_the_number_for_dialling_with_an_audited_reason(territory, client):
    t = territory
    case = close_case(t, hotline_case(t, phone="13911112222"))
    cb = CallBack.objects.get()
    client.force_login(t.users["operator"])
    html = client.get("/hotline/callbacks/").content.decode()
    assert "13911112222" not in html and "tel:" not in html
    assert f'<a href="/cases/{case.number}/" class="case-no">{case.number}</a>' in html
    r = client.post(f"/hotline/callbacks/{cb.pk}/reveal/", {"reason": ""})
    assert r.status_code == 400 and "请填写事由" in r.content.decode()
    r = client.post(f"/hotline/callbacks/{cb.pk}/reveal/", {"reason": "电话回访"})
    html = r.content.decode()
    assert r.status_code == 200 and 'href="tel:13911112222"' in html and r["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="case.reveal_requester")
    assert entry.actor == t.users["operator"] and entry.reason == "电话回访" and entry.object_id == str(case.pk)


def test_callback_reveal_refused_outside_the_operator_role(territory, client):
    t = territory
    close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    client.force_login(t.users["worker_A1a"])
    r = client.post(f"/hotline/callbacks/{cb.pk}/reveal/", {"reason": "想看"})
    assert r.status_code == 403 and "仅限热线话务员" in r.content.decode()
    assert not AuditEntry.objects.filter(action="case.reveal_requester").exists()


def test_caller_history_links_cases_and_reads_the_inputs_own_name(territory, client):
    t = territory
    case = hotline_case(t, phone="13900001111")
    client.force_login(t.users["operator"])
    html = client.post("/hotline/caller/", {"caller_phone": "139 0000 1111"}).content.decode()
    assert f'<a href="/cases/{case.number}/" class="case-no">{case.number}</a>' in html
    console = client.get("/hotline/").content.decode()
    assert 'hx-trigger="input changed' in console and "js:" not in console and "keyup" not in console


def test_contact_page_keeps_what_was_typed_in_the_refused_form(territory, client):
    from civicgrid.hotline.models import Contact

    t = territory
    contact = services.record_contact(t.users["operator"], subject="楼下饭店油烟很大", caller_phone="13900001111")
    client.force_login(t.users["operator"])
    url = f"/hotline/contacts/{contact.number}/"
    r = client.post(url, {"outcome": "case", "category": "", "description": "油烟直排，晚上六点到九点最严重"})
    html = r.content.decode()
    assert r.status_code == 400 and "请选择问题类别" in html
    assert "<details class=\"hl-action\" open><summary>转为案件" in html
    assert ">油烟直排，晚上六点到九点最严重</textarea>" in html
    r = client.post(url, {"outcome": "forwarded", "forwarded_to": "", "note": "请供电公司联系"})
    html = r.content.decode()
    assert r.status_code == 400 and 'name="note" value="请供电公司联系"' in html
    assert Contact.objects.get(pk=contact.pk).outcome == Contact.PENDING


def test_resident_report_names_the_photos_to_choose_again(territory, client):
    import io

    from tests.hotline.test_resident import _verify

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "GIF")
    _verify(client)
    r = client.post("/r/", {"step": "report", "category": "06002", "description": "楼道堆物",
                            "photos": [SimpleUploadedFile("楼道.gif", buf.getvalue(), content_type="image/gif")]})
    html = r.content.decode()
    assert r.status_code == 400 and "请重新选择：楼道.gif" in html and ">楼道堆物</textarea>" in html
