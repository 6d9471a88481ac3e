import json

import pytest
from django.core.management import call_command

from civicgrid.api import services
from civicgrid.api.models import ApiToken, ClientApplication, ClientKey, IdempotencyRecord
from civicgrid.cases.models import Case

pytestmark = pytest.mark.django_db


def _token(user) -> str:
    return services.issue_token(None, user=user, name="test")[1]


def _h(raw, **extra):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", **extra}


def _err(r, status, code=None):
    assert r.status_code == status, r.content.decode()
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_no_or_bad_token_is_401_in_error_shape(territory, client):
    _err(client.get("/api/v1/regions"), 401, "unauthorized")
    _err(client.get("/api/v1/regions", HTTP_AUTHORIZATION="Bearer cg_nope"), 401, "unauthorized")


def test_token_is_stored_hashed_and_can_be_revoked(territory, client):
    t = territory
    token, raw = services.issue_token(t.users["admin"], user=t.users["dispatcher_A"], name="脚本")
    assert raw not in token.token_hash and token.prefix == raw[:10]
    assert client.get("/api/v1/regions", **_h(raw)).status_code == 200
    services.revoke_token(t.users["admin"], token)
    _err(client.get("/api/v1/regions", **_h(raw)), 401)


def test_create_token_command_prints_a_working_token(territory, client, capsys):
    call_command("create-token", "operator")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("cg_")
    assert client.get("/api/v1/categories", **_h(raw)).status_code == 200


def test_create_api_key_command_makes_client_with_service_user(territory, capsys):
    call_command("create-api-key", "随手拍App")
    raw = capsys.readouterr().out.strip()
    app = ClientApplication.objects.get(name="随手拍App")
    assert app.region == territory.district
    assert app.user.roles.get().role == "hotline_operator"
    assert raw.startswith("o311_") and ClientKey.objects.get(client=app).prefix == raw[:10]
    assert not ApiToken.objects.filter(user=app.user).exists()


def test_regions_are_scoped(territory, client):
    t = territory
    raw = _token(t.users["dispatcher_A"])
    codes = [r["code"] for r in client.get("/api/v1/regions", {"limit": 500}, **_h(raw)).json()["items"]]
    assert t.streets["A"].code in codes and t.streets["B"].code not in codes
    assert all(c.startswith("110108001") for c in codes)
    _err(client.get(f"/api/v1/regions/{t.streets['B'].code}", **_h(raw)), 404, "not_found")
    r = client.get(f"/api/v1/regions/{t.grid('A1a').code}", **_h(raw)).json()
    assert r["level"] == "grid" and r["geometry"]["type"] == "Polygon"


def test_grid_lookup(territory, client):
    t = territory
    raw = _token(t.users["operator"])
    r = client.get("/api/v1/grid-lookup", {"lng": 116.035, "lat": 39.915}, **_h(raw)).json()
    assert r["grid"]["code"] == t.grid("B2b").code and r["street"]["code"] == t.streets["B"].code
    _err(client.get("/api/v1/grid-lookup", {"lng": 100, "lat": 30}, **_h(raw)), 404)
    e = _err(client.get("/api/v1/grid-lookup", {"lng": 500, "lat": 30}, **_h(raw)), 422, "invalid")
    assert e["details"] and e["details"][0]["loc"][-1] == "lng"


def _create(client, raw, key=None, **body):
    payload = {"category_code": "06002", "description": "楼道堆物", "lng": 116.005, "lat": 39.905, **body}
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/cases", json.dumps(payload), content_type="application/json", **_h(raw, **extra))


def test_create_case_and_idempotent_retry(territory, client):
    raw = _token(territory.users["operator"])
    first = _create(client, raw, key="k-1")
    assert first.status_code == 201
    number = first.json()["number"]
    again = _create(client, raw, key="k-1")
    assert again.status_code == 201 and again.json()["number"] == number
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    e = _err(_create(client, raw, key="k-1", description="另一件事"), 422, "idempotency_key_reused")
    assert "幂等键" in e["message"]
    assert Case.objects.count() == 1
    # a new key makes a new case; no key at all also works
    assert _create(client, raw, key="k-2").json()["number"] != number
    assert _create(client, raw).status_code == 201
    assert Case.objects.count() == 3 and IdempotencyRecord.objects.count() == 2
    # the same key from another credential is another request
    other = _token(territory.users["commander"])
    assert _create(client, other, key="k-1").json()["number"] != number


def test_create_validation_errors_have_details(territory, client):
    raw = _token(territory.users["operator"])
    e = _err(_create(client, raw, category_code="abc"), 422, "invalid")
    assert any(d["loc"][-1] == "category_code" for d in e["details"])
    e = _err(_create(client, raw, category_code="99999"), 422, "invalid")
    assert "类别" in e["message"]
    e = _err(_create(client, raw, lng=100.0, lat=30.0), 422)
    assert "网格" in e["message"]
    assert Case.objects.count() == 0


def test_list_read_and_act_scoped(territory, client):
    t = territory
    op = _token(t.users["operator"])
    a = _create(client, op).json()["number"]
    b = _create(client, op, lng=116.035, lat=39.915).json()["number"]
    staff = _token(t.users["staff_A1"])
    page = client.get("/api/v1/cases", {"state": "reported", "limit": 1}, **_h(op)).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert [c["number"] for c in client.get("/api/v1/cases", **_h(staff)).json()["items"]] == [a]
    _err(client.get(f"/api/v1/cases/{b}", **_h(staff)), 404)
    detail = client.get(f"/api/v1/cases/{a}", **_h(staff)).json()
    assert "take" in detail["available_actions"] and detail["events"][0]["action"] == "report"
    r = client.post(f"/api/v1/cases/{a}/actions", json.dumps({"action": "take", "expected_version": 1}),
                    content_type="application/json", **_h(staff))
    assert r.status_code == 200 and r.json()["state"] == "community_handling"
    e = _err(client.post(f"/api/v1/cases/{a}/actions", json.dumps({"action": "take"}),
                         content_type="application/json", **_h(staff)), 409)
    assert "不能" in e["message"] or "已被" in e["message"]
    _err(client.post(f"/api/v1/cases/{a}/actions", json.dumps({"action": "fly"}),
                     content_type="application/json", **_h(staff)), 422)


def test_openapi_and_docs(territory, client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cases" in spec["paths"] and "/api/v1/grid-lookup" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_admin_issues_and_revokes_tokens(territory, client):
    t = territory
    client.force_login(t.users["admin"])
    r = client.post("/admin/api/apitoken/add/", {"user": t.users["dispatcher_A"].pk, "name": "报表脚本"}, follow=True)
    assert r.status_code == 200
    msg = [str(m) for m in r.context["messages"]]
    raw = next(m.split("：", 1)[1] for m in msg if "新令牌" in m)
    token = ApiToken.objects.get(name="报表脚本")
    assert token.prefix == raw[:10]
    assert client.get("/api/v1/regions", **_h(raw)).status_code == 200
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    r = client.post("/admin/api/clientapplication/add/", {"name": "合作App", "region": t.district.pk}, follow=True)
    assert any("api_key" in str(m) for m in r.context["messages"])
    assert ClientApplication.objects.filter(name="合作App").exists()


def test_stored_replies_are_pruned_hourly_after_their_time(territory, client, settings):
    import datetime as dt

    from django.utils import timezone

    from civicgrid.api import tasks
    from civicgrid.core import periodic

    assert periodic.registered()[tasks.prune_idempotency.module_path].every == dt.timedelta(hours=1)
    settings.IDEMPOTENCY_TTL_HOURS = 24
    raw = _token(territory.users["operator"])
    _create(client, raw, key="old")
    _create(client, raw, key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert tasks.prune_idempotency.call() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    # After the prune the old key is a new request again: a second case, not a replay.
    assert _create(client, raw, key="old").status_code == 201 and Case.objects.count() == 3
