import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.cases.models import Case
from civicgrid.core.models import AuditEntry
from civicgrid.hotline import selectors, services
from civicgrid.hotline.models import Contact

from .helpers import cat

pytestmark = pytest.mark.django_db


def _call(t, **kw):
    kw.setdefault("subject", "咨询低保申请需要什么材料")
    kw.setdefault("caller_phone", "13900001111")
    return services.record_contact(t.users["operator"], **kw)


def test_record_contact_encrypts_phone_and_resolves_address_to_community(territory):
    t = territory
    c = _call(t, address="A1社区3号楼")
    assert c.outcome == Contact.PENDING and c.number.startswith("RX")
    assert c.region == t.communities["A1"]
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT caller_phone FROM hotline_contact WHERE id = %s", [c.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("enc1:") and "13900001111" not in raw
    assert c.caller_phone_masked == "139****1111"


def test_map_pin_resolves_to_grid(territory):
    c = _call(territory, lng=116.015, lat=39.905)
    assert c.grid == territory.grid("A1b") and c.region == territory.grid("A1b")


def test_unresolved_address_falls_back_to_operator_district(territory):
    c = _call(territory, address="不存在的地方")
    assert c.region == territory.district and c.grid is None


def test_outcome_answered_records_article(territory):
    t = territory
    a = services.save_article(t.users["operator"], None, category="procedure", title="低保申请材料",
                              body="身份证、户口簿、收入证明。", keywords="低保 救助")
    c = services.answer(t.users["operator"], _call(t), note="", article=a)
    a.refresh_from_db()
    assert c.outcome == Contact.ANSWERED and c.article == a and c.article_version == 1
    assert a.used_count == 1 and a.last_used_at is not None
    assert AuditEntry.objects.filter(action="hotline.answer", object_id=str(c.pk)).exists()


def test_outcome_case_goes_into_workflow_with_hotline_channel(territory):
    t = territory
    c = _call(t, subject="楼道堆放杂物", address="A1社区", urgent=True)
    c = services.to_case(t.users["operator"], c, category=cat("06002"))
    case = Case.objects.get(pk=c.case_id)
    assert c.outcome == Contact.CASE
    assert case.channel == "hotline" and case.state == "reported" and case.urgent
    assert case.requester_phone == "13900001111" and case.community == t.communities["A1"]
    assert case.accept_due is not None  # the workflow's clock runs from intake


def test_outcome_forwarded_needs_target(territory):
    t = territory
    c = _call(t)
    with pytest.raises(ValidationError):
        services.forward(t.users["operator"], c, to="")
    c.refresh_from_db()
    assert c.outcome == Contact.PENDING
    c = services.forward(t.users["operator"], c, to="12315", note="消费纠纷")
    assert c.outcome == Contact.FORWARDED and c.forwarded_to == "12315"


def test_outcome_invalid_needs_reason_and_cannot_be_processed_twice(territory):
    t = territory
    c = _call(t)
    with pytest.raises(ValidationError):
        services.mark_invalid(t.users["operator"], c, note="")
    c = services.mark_invalid(t.users["operator"], c, note="骚扰电话")
    assert c.outcome == Contact.INVALID
    with pytest.raises(ValidationError):
        services.answer(t.users["operator"], c, note="再答一次")


def test_only_operators_record_contacts(territory):
    with pytest.raises(PermissionDenied):
        services.record_contact(territory.users["dispatcher_A"], subject="x")


def test_caller_history_shows_earlier_contacts_and_cases(territory):
    t = territory
    first = services.to_case(t.users["operator"], _call(t, address="A1社区"), category=cat("06002"))
    second = _call(t, caller_phone="139-0000-1111")
    _call(t, caller_phone="13700000000")
    h = selectors.caller_history(t.users["operator"], "13900001111", exclude=second.pk)
    assert [c.number for c in h["contacts"]] == [first.number]
    assert [k.number for k in h["cases"]] == [first.case.number]
    # a street dispatcher of B does not see A's calls
    assert selectors.caller_history(t.users["dispatcher_B"], "13900001111")["contacts"] == []


def test_urgent_contacts_jump_the_queue(territory):
    t = territory
    a = _call(t, subject="普通一")
    b = _call(t, subject="普通二")
    u = _call(t, subject="燃气泄漏", urgent=True)
    assert [c.pk for c in selectors.queue_for(t.users["operator"])] == [u.pk, a.pk, b.pk]


def test_console_pages_render_and_record(territory, client):
    t = territory
    client.force_login(t.users["operator"])
    r = client.post("/hotline/", {"subject": "路灯不亮", "caller_phone": "13900002222", "channel": "phone",
                                  "address": "A2社区"})
    assert r.status_code == 302
    c = Contact.objects.get()
    r = client.get(f"/hotline/contacts/{c.number}/")
    assert r.status_code == 200 and "路灯不亮" in r.content.decode()
    r = client.post(f"/hotline/contacts/{c.number}/", {"outcome": "case", "category": "01037", "description": "路灯不亮"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.outcome == Contact.CASE and c.case.category.code == "01037"
    # bad input: a clear Chinese error, nothing lost
    r = client.post("/hotline/", {"subject": "", "caller_phone": "abc"})
    assert r.status_code == 400 and "请填写来电诉求内容" in r.content.decode()
    # out of jurisdiction → 404
    client.force_login(t.users["dispatcher_B"])
    assert client.get(f"/hotline/contacts/{c.number}/").status_code in (403, 404)
