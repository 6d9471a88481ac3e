"""One phone normaliser: the same number typed differently is one number in every app."""
import pytest
from django.core.exceptions import ValidationError

from civicgrid.api import services as api_services
from civicgrid.core.phones import PhoneError, clean_phone, normalise_phone, phone_hash
from civicgrid.hotline import selectors as hotline_selectors
from civicgrid.hotline import services as hotline

SAME = ["13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678", "+86-13912345678", "008613912345678",
        "8613912345678", "（139）1234 5678", "１３９１２３４５６７８"]


@pytest.mark.parametrize("raw", SAME)
def test_every_spelling_is_one_number(raw):
    assert clean_phone(raw) == "13912345678"
    assert phone_hash(raw) == phone_hash("13912345678")


@pytest.mark.parametrize("raw, ok", [("010-6512 3456", "01065123456"), ("12345", "12345"), ("+86 10 6512 3456", "1065123456")])
def test_landlines_and_service_numbers(raw, ok):
    assert clean_phone(raw) == ok


@pytest.mark.parametrize("raw, why", [("abc", "只能包含数字"), ("1234", "5–15"), ("+1 415 555 0100", "中国大陆"),
                                      ("23912345678", "11 位号码"), ("12012345678", "第二位"), ("", "请填写")])
def test_refusals_say_why(raw, why):
    with pytest.raises(PhoneError, match=why) as exc:
        clean_phone(raw, required=True)
    assert isinstance(exc.value, ValidationError) and exc.value.code == "core.invalid_phone"


def test_mobile_only_where_an_sms_is_sent():
    assert clean_phone("+86 139 1234 5678", mobile=True) == "13912345678"
    with pytest.raises(PhoneError, match="11 位手机号码"):
        clean_phone("010 6512 3456", mobile=True)
    assert normalise_phone(None) == "" and phone_hash("") == ""


@pytest.mark.django_db
def test_open311_case_with_plus86_is_in_the_hotline_callers_history(territory, client):
    """Open311 used to keep "8613912345678" (digits only) and the hotline "13912345678": two hashes,
    so the operator never saw the caller's earlier report."""
    t = territory
    key = api_services.create_client(None, name="app", region=t.district)[1]
    r = client.post("/open311/v2/requests.json", {"api_key": key, "service_code": "01037", "lat": "39.905",
                                                   "long": "116.005", "phone": "+86 139-1234-5678"})
    assert r.status_code == 200, r.content.decode()
    contact = hotline.record_contact(t.users["operator"], subject="又来电", caller_phone="139 1234 5678")
    assert contact.caller_phone == "13912345678"
    history = hotline_selectors.caller_history(t.users["operator"], "+8613912345678")
    assert [c.number for c in history["cases"]] == [r.json()[0]["service_request_id"]]
    assert history["cases"][0].requester_phone == "13912345678"


@pytest.mark.django_db
def test_case_intake_refuses_a_bad_phone_with_the_reason(territory):
    from civicgrid.cases import services as cs
    from civicgrid.cases.models import Category

    with pytest.raises(ValidationError, match="只能包含数字"):
        cs.intake(territory.users["operator"], channel="hotline", category=Category.objects.get(code="06002"),
                  description="x", grid=territory.grid("A1a"), requester_phone="139abc")


@pytest.mark.django_db
def test_people_register_stores_the_canonical_number(territory):
    from civicgrid.people.validation import clean_person

    out, errors = clean_person({"name": "张三", "phone": "+86 138-1234-5678"})
    assert out["phone"] == "13812345678" and not errors
    out, errors = clean_person({"name": "张三", "phone": "23812345678"})
    assert any("联系电话格式不正确" in e for e in errors)


@pytest.mark.django_db
def test_staff_and_place_contact_numbers_use_it_too(territory):
    from civicgrid.core import services as core_services

    u = core_services.create_user(territory.users["admin"], username="new-worker", password="pw-12345678",
                                  phone="+86 138-0000-1234")
    assert u.phone == "13800001234"
    with pytest.raises(PhoneError):
        core_services.create_user(territory.users["admin"], username="bad-phone", password="pw-12345678", phone="138x")
