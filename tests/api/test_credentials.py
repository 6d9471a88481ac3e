"""Three credentials, three scopes: a session (people), an API token (a user's, /api/v1 only as that
user), an Open311 api_key (a client application's, /open311/v2/ only)."""
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civicgrid.api import services
from civicgrid.api.auth import OPEN311_KEY_REFUSED
from civicgrid.api.models import ApiToken, ClientKey
from civicgrid.cases.models import Case
from civicgrid.core.models import User

BASE = "/open311/v2"


def _h(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _refused_as_key(r):
    assert r.status_code == 403, r.content.decode()
    err = r.json()["error"]
    assert err["code"] == OPEN311_KEY_REFUSED == "open311_key_not_accepted"
    assert "Open311" in err["message"] and "/api/v1" in err["message"]


def _open311_post(client, key, **extra):
    return client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "01037", "lat": "39.905",
                                                 "long": "116.005", "description": "路灯不亮", **extra})


@pytest.fixture
def app_key(territory):
    return services.create_client(None, name="合作App", region=territory.district)[1]


@pytest.mark.django_db
def test_open311_key_is_refused_everywhere_on_api_v1_with_the_reason(territory, client, app_key):
    # A case the key's hotline seat would see and could act on, if the key were a token.
    op = services.issue_token(None, user=territory.users["operator"])[1]
    number = client.post("/api/v1/cases", json.dumps({"category_code": "06002", "description": "楼道堆物",
                                                      "lng": 116.005, "lat": 39.905}),
                         content_type="application/json", **_h(op)).json()["number"]
    before = Case.objects.get(number=number)
    _refused_as_key(client.get("/api/v1/people", **_h(app_key)))
    _refused_as_key(client.get("/api/v1/cases", **_h(app_key)))
    _refused_as_key(client.get(f"/api/v1/cases/{number}", **_h(app_key)))
    _refused_as_key(client.post(f"/api/v1/cases/{number}/actions", json.dumps({"action": "verify_pass"}),
                                content_type="application/json", **_h(app_key)))
    _refused_as_key(client.post("/api/v1/cases", json.dumps({"category_code": "06002", "description": "x",
                                                             "lng": 116.005, "lat": 39.905}),
                                content_type="application/json", **_h(app_key)))
    after = Case.objects.get(number=number)
    assert (after.state, after.version) == (before.state, before.version) and Case.objects.count() == 1
    # A revoked key is still named for what it is, not taken for a bad token.
    key = ClientKey.objects.get()
    services.revoke_client_key(None, key)
    _refused_as_key(client.get("/api/v1/cases", **_h(app_key)))
    # The user's own token keeps working, and sees what the operator sees.
    r = client.get("/api/v1/cases", **_h(op))
    assert r.status_code == 200 and [c["number"] for c in r.json()["items"]] == [number]


@pytest.mark.django_db
def test_open311_key_still_posts_and_reads_on_open311(territory, client, app_key):
    r = _open311_post(client, app_key)
    assert r.status_code == 200, r.content
    number = r.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.channel == "api" and case.source == "open311:合作App"
    got = client.get(f"{BASE}/requests/{number}.json", {"api_key": app_key}).json()[0]
    assert got["service_request_id"] == number and got["status"] == "open"
    assert number in [x["service_request_id"] for x in client.get(f"{BASE}/requests.json").json()]
    # a user's token is not an api_key, and a revoked key is refused
    token = services.issue_token(None, user=territory.users["operator"])[1]
    assert _open311_post(client, token).status_code == 403
    services.revoke_client_key(None, ClientKey.objects.get())
    r = _open311_post(client, app_key)
    assert r.status_code == 403 and "api_key" in r.json()[0]["description"]
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_service_user_can_hold_no_token_and_open_no_session(territory, client, app_key):
    from django.core.exceptions import ValidationError

    app_user = ClientKey.objects.get().client.user
    with pytest.raises(ValidationError, match="服务账号不能持有接口令牌"):
        services.issue_token(None, user=app_user)
    # A token slipped in by hand (an old row, a database edit) is not honoured either.
    from civicgrid.api import tokens

    raw = tokens.generate()
    ApiToken.objects.create(user=app_user, prefix=raw[:10], token_hash=tokens.digest(raw))
    assert client.get("/api/v1/cases", **_h(raw)).json()["error"]["code"] == "unauthorized"
    # Even with a password set, the service user cannot log in.
    app_user.set_password("service-pass-99")
    app_user.save()
    r = client.post("/login/", {"username": app_user.username, "password": "service-pass-99"})
    assert r.status_code == 400 and "_auth_user_id" not in client.session
    # The admin's token form does not offer it.
    client.force_login(territory.users["admin"])
    r = client.post("/admin/api/apitoken/add/", {"user": app_user.pk, "name": "x"})
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    assert not ApiToken.objects.filter(user=app_user, name="x").exists()


@pytest.mark.django_db
def test_user_token_still_works_and_sees_its_users_scope(territory, client):
    raw = services.issue_token(None, user=territory.users["dispatcher_A"])[1]
    r = client.get("/api/v1/regions", **_h(raw))
    assert r.status_code == 200
    codes = {x["code"] for x in r.json()["items"]} if isinstance(r.json(), dict) else {x["code"] for x in r.json()}
    assert territory.streets["A"].code in codes and territory.streets["B"].code not in codes


# serialized_rollback: the flush after this test must not recreate content types under new ids, or the
# later serialized-rollback tests (tests/cases/test_concurrency.py) fail to restore theirs.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_moves_existing_client_keys_off_the_api(client):
    """A key issued before the split (an ApiToken row of a client) stops working on /api/v1 and keeps
    working on Open311 with the same value."""
    from civicgrid.api import tokens

    executor = MigrationExecutor(connection)
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "api"]
    executor.migrate([("api", "0001_initial")])
    apps = executor.loader.project_state([("api", "0001_initial"), *others]).apps
    from civicgrid.core.models import Role
    from tests.factories import build_territory

    t = build_territory()
    svc = User.objects.create(username="app-old", display_name="接入应用：旧App")
    Role.objects.create(user=svc, role="hotline_operator", region=t.district, title="接入应用")
    HClient = apps.get_model("api", "ClientApplication")
    HToken = apps.get_model("api", "ApiToken")
    app = HClient.objects.create(name="旧App", user_id=svc.pk, region_id=t.district.pk)
    key_raw, tok_raw, user_raw = tokens.generate(), tokens.generate(), tokens.generate()
    HToken.objects.create(client_id=app.pk, name="api_key", prefix=key_raw[:10], token_hash=tokens.digest(key_raw))
    HToken.objects.create(user_id=svc.pk, name="偷签", prefix=tok_raw[:10], token_hash=tokens.digest(tok_raw))
    HToken.objects.create(user_id=t.users["operator"].pk, name="脚本", prefix=user_raw[:10],
                          token_hash=tokens.digest(user_raw))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert ClientKey.objects.filter(client__name="旧App", key_hash=tokens.digest(key_raw)).exists()
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["脚本"]
    _refused_as_key(client.get("/api/v1/people", **_h(key_raw)))
    assert client.get("/api/v1/cases", **_h(tok_raw)).status_code == 401
    assert client.get("/api/v1/cases", **_h(user_raw)).status_code == 200
    assert _open311_post(client, key_raw).status_code == 200
