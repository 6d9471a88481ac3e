"""Open311 GeoReport v2: each endpoint's fields, formats and errors as the specification gives them."""
import re
import xml.etree.ElementTree as ET

import pytest

from civicgrid.api import services as api_services
from civicgrid.cases.models import Case
from civicgrid.open311.models import RequestToken, ServiceAttribute
from tests.hotline.helpers import close_case, hotline_case

pytestmark = pytest.mark.django_db
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
BASE = "/open311/v2"


@pytest.fixture
def api_key(territory):
    return api_services.create_client(None, name="test-app", region=territory.district)[1]


def xml(r):
    assert r["Content-Type"].startswith("text/xml")
    return ET.fromstring(r.content)


def test_discovery(territory, client):
    d = client.get(f"{BASE}/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(d)
    ep = d["endpoints"][0]
    assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2" and ep["type"] == "production"
    assert set(ep["formats"]) == {"text/xml", "application/json"} and ISO.match(ep["changeset"])
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format") is not None


def test_services_list_published_categories(territory, client):
    ServiceAttribute.objects.create(service_code="01037", code="count", datatype="number", description="坏了几盏？")
    data = client.get(f"{BASE}/services.json").json()
    by = {s["service_code"]: s for s in data}
    assert set(by["01037"]) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert by["01037"]["service_name"] == "路灯" and by["01037"]["metadata"] is True and by["01037"]["type"] == "realtime"
    assert by["06002"]["metadata"] is False
    assert not any(code.startswith("5") for code in by)  # social-governance matters are not published
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    svc = [s for s in root.findall("service") if s.findtext("service_code") == "01037"][0]
    assert svc.findtext("metadata") == "true"


def test_service_definition(territory, client):
    ServiceAttribute.objects.create(service_code="01037", code="kind", datatype="singlevaluelist", required=True,
                                    order=1, description="情况", values=[{"key": "1", "name": "不亮"}, {"key": "2", "name": "倒杆"}])
    d = client.get(f"{BASE}/services/01037.json").json()
    assert d["service_code"] == "01037"
    a = d["attributes"][0]
    assert set(a) == {"variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"}
    assert a["values"] == [{"key": "1", "name": "不亮"}, {"key": "2", "name": "倒杆"}]
    root = xml(client.get(f"{BASE}/services/01037.xml"))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/name").text == "不亮"
    r = client.get(f"{BASE}/services/99999.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404 and r.json()[0]["description"]
    r = client.get(f"{BASE}/services/99999.xml")
    root = xml(r)
    assert r.status_code == 404 and root.tag == "errors" and root.findtext("error/code") == "404"


def _post(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_post_errors(territory, client, api_key):
    r = _post(client, service_code="01037", lat="39.905", long="116.005")
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    root = xml(_post(client, "xml", api_key="wrong", service_code="01037", lat="39.905", long="116.005"))
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    r = _post(client, api_key=api_key, lat="39.905", long="116.005")
    assert r.status_code == 400 and "service_code" in r.json()[0]["description"]
    r = _post(client, api_key=api_key, service_code="01037")
    assert r.status_code == 400 and "location" in r.json()[0]["description"]
    r = _post(client, api_key=api_key, service_code="99999", lat="39.905", long="116.005")
    assert r.status_code == 404
    ServiceAttribute.objects.create(service_code="01037", code="kind", datatype="singlevaluelist", required=True,
                                    description="情况", values=[{"key": "1", "name": "不亮"}])
    r = _post(client, api_key=api_key, service_code="01037", lat="39.905", long="116.005")
    assert r.status_code == 400 and "attribute[kind]" in r.json()[0]["description"]
    r = _post(client, api_key=api_key, service_code="01037", lat="30", long="100", **{"attribute[kind]": "1"})
    assert r.status_code == 400  # outside every grid
    # a user's token is not an api_key
    user_token = api_services.issue_token(None, user=territory.users["operator"])[1]
    assert _post(client, api_key=user_token, service_code="01037", lat="39.905", long="116.005").status_code == 403
    assert Case.objects.count() == 0


def test_post_then_get_request_and_token(territory, client, api_key):
    ServiceAttribute.objects.create(service_code="01037", code="kind", datatype="singlevaluelist",
                                    description="情况", values=[{"key": "1", "name": "不亮"}])
    r = _post(client, api_key=api_key, service_code="01037", lat="39.905", long="116.005", description="路灯不亮",
              first_name="明", last_name="王", phone="139-0000-2222", email="x@example.com", device_id="d1",
              account_id="acc-9", media_url="https://example.com/p.jpg", **{"attribute[kind]": "1"})
    assert r.status_code == 200, r.content
    out = r.json()[0]
    assert set(out) == {"service_request_id", "token", "service_notice", "account_id"} and out["account_id"] == "acc-9"
    case = Case.objects.get(number=out["service_request_id"])
    assert case.channel == "api" and case.source == "open311:test-app" and "情况：不亮" in case.description
    assert case.requester_name == "王明" and case.requester_phone == "13900002222" and case.grid == territory.grid("A1a")
    # the XML form of the POST answer
    root = xml(_post(client, "xml", api_key=api_key, service_code="01037", lat="39.905", long="116.005"))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id")
    # tokens/{token}
    t = client.get(f"{BASE}/tokens/{out['token']}.json").json()
    assert t == [{"service_request_id": case.number, "token": out["token"]}]
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404
    assert xml(client.get(f"{BASE}/tokens/{out['token']}.xml")).findtext("request/service_request_id") == case.number
    # requests/{id}
    req = client.get(f"{BASE}/requests/{case.number}.json").json()[0]
    fields = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
              "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
              "address", "address_id", "zipcode", "lat", "long", "media_url"}
    assert set(req) == fields
    assert req["status"] == "open" and req["service_code"] == "01037" and req["lat"] == 39.905
    assert ISO.match(req["requested_datetime"]) and ISO.match(req["updated_datetime"])
    assert req["expected_datetime"] is None or ISO.match(req["expected_datetime"])
    assert req["agency_responsible"]
    root = xml(client.get(f"{BASE}/requests/{case.number}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/status") == "open"
    r = client.get(f"{BASE}/requests/NOPE.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


def test_get_requests_filters_and_closed_status(territory, client):
    t = territory
    open_case = hotline_case(t, code="01037")
    closed = close_case(t, hotline_case(t, code="06002"))
    hidden = hotline_case(t, code="50001")  # a social-governance matter: never public
    all_ = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert set(all_) == {open_case.number, closed.number}
    assert all_[closed.number]["status"] == "closed" and all_[closed.number]["status_notes"] == "已办结"
    assert all_[closed.number]["expected_datetime"] is None
    only_closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in only_closed] == [closed.number]
    by_code = client.get(f"{BASE}/requests.json", {"service_code": "01037"}).json()
    assert [r["service_request_id"] for r in by_code] == [open_case.number]
    ids = client.get(f"{BASE}/requests.json", {"service_request_id": f"{closed.number},{hidden.number}",
                                                "status": "open"}).json()
    assert [r["service_request_id"] for r in ids] == [closed.number]  # ids override other filters
    none = client.get(f"{BASE}/requests.json", {"start_date": "2000-01-01T00:00:00+08:00",
                                                "end_date": "2000-01-02T00:00:00+08:00"}).json()
    assert none == []
    r = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert r.status_code == 400 and r.json()[0]["code"] == 400
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests" and len(root.findall("request")) == 2


def test_unknown_endpoint_is_an_open311_error(client, db):
    r = client.get(f"{BASE}/nothing.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    assert RequestToken.objects.count() == 0


def test_post_with_idempotency_key_is_made_once_and_replayed(territory, client, api_key):
    """A partner that retries after a timeout (or a server killed mid-request) gets the first answer
    again and no second case; the same key with another request is refused; XML replays as XML."""
    form = dict(api_key=api_key, service_code="01037", lat="39.905", long="116.005", description="路灯不亮")
    first = client.post(f"{BASE}/requests.json", form, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    again = client.post(f"{BASE}/requests.json", form, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and Case.objects.count() == 1
    other = client.post(f"{BASE}/requests.json", {**form, "description": "另一件事"}, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert other.status_code == 422 and "幂等键" in other.json()[0]["description"] and Case.objects.count() == 1
    x1 = client.post(f"{BASE}/requests.xml", form, HTTP_IDEMPOTENCY_KEY="retry-x")
    x2 = client.post(f"{BASE}/requests.xml", form, HTTP_IDEMPOTENCY_KEY="retry-x")
    assert x2["Content-Type"].startswith("text/xml") and x2.content == x1.content and Case.objects.count() == 2
    # a refusal is an answer too: replayed, still no case
    bad = dict(form, service_code="99999")
    assert client.post(f"{BASE}/requests.json", bad, HTTP_IDEMPOTENCY_KEY="bad-1").status_code == 404
    replay = client.post(f"{BASE}/requests.json", bad, HTTP_IDEMPOTENCY_KEY="bad-1")
    assert replay.status_code == 404 and replay["Idempotent-Replayed"] == "true" and Case.objects.count() == 2
    assert client.post(f"{BASE}/requests.json", form).status_code == 200 and Case.objects.count() == 3  # no key


def test_revoked_key_is_refused_at_once(territory, client):
    """The key lookup is cached; revoking through the service clears the cache at once."""
    from civicgrid.api.models import ClientKey

    raw = api_services.create_client(None, name="revoke-app", region=territory.district)[1]
    form = dict(api_key=raw, service_code="01037", lat="39.905", long="116.005", description="路灯不亮")
    assert client.post(f"{BASE}/requests.json", form).status_code == 200
    key = ClientKey.objects.get(client__name="revoke-app")
    api_services.revoke_client_key(None, key, reason="泄露")
    r = client.post(f"{BASE}/requests.json", form)
    assert r.status_code == 403 and Case.objects.count() == 1
