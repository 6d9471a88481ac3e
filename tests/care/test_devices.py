"""The device endpoint: per-device keys, signed requests, timestamps and nonces (replay refused)."""
import json

import pytest

from civicgrid.care import devices as D
from civicgrid.care import services as S
from civicgrid.care.models import Alert, Device

pytestmark = pytest.mark.django_db
URL = "/api/v1/care/device/alerts"


@pytest.fixture
def device(care):
    d, key = S.register_device(care.users["staff_A1"], care.plan["A1"], "SOS-0001", "pendant")
    return d, key


def _post(client, body: dict, headers: dict):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_key_is_stored_encrypted_and_shown_once(care, device):
    from django.db import connection

    d, key = device
    with connection.cursor() as cur:
        cur.execute("SELECT key FROM care_device WHERE id = %s", [d.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("enc1:") and key not in stored
    assert Device.objects.get().key_hint == S.key_hint(key) and key not in S.key_hint(key)


def test_a_signed_call_raises_one_alert_with_its_location_and_health_protected(care, device, client):
    d, key = device
    body = json.dumps({"kind": "fall", "lng": 116.0051, "lat": 39.9049, "heart_rate": 128}).encode()
    r = client.post(URL, body, content_type="application/json", **D.signed_headers(key, d.serial, body))
    assert r.status_code == 201, r.content
    a = Alert.objects.get()
    assert r.json()["number"] == a.number and (a.source, a.kind, a.device) == ("device", "fall", d)
    assert a.location == "116.005100,39.904900" and a.health == "心率 128"
    assert "116.0051" not in r.content.decode()
    # Pressed again while help is on its way: the same alert, not a second one.
    r2 = client.post(URL, body, content_type="application/json", **D.signed_headers(key, d.serial, body))
    assert r2.status_code == 201 and r2.json()["number"] == a.number and Alert.objects.count() == 1


@pytest.mark.parametrize("case, status, code", [
    ("no_headers", 400, "care.unsigned_request"),
    ("unknown_device", 401, "care.unknown_device"),
    ("disabled_device", 401, "care.unknown_device"),
    ("stale_past", 401, "care.stale_request"),
    ("stale_future", 401, "care.stale_request"),
    ("bad_signature", 401, "care.bad_signature"),
    ("other_devices_key", 401, "care.bad_signature"),
    ("body_changed", 401, "care.bad_signature"),
    ("bad_nonce", 400, "care.unsigned_request"),
])
def test_refusals_each_with_their_code(care, device, client, case, status, code):
    import time

    d, key = device
    body = json.dumps({"kind": "button"}).encode()
    headers = D.signed_headers(key, d.serial, body)
    if case == "no_headers":
        headers = {}
    elif case == "unknown_device":
        headers = D.signed_headers(key, "SOS-9999", body)
    elif case == "disabled_device":
        Device.objects.filter(pk=d.pk).update(active=False)
    elif case == "stale_past":
        headers = D.signed_headers(key, d.serial, body, timestamp=int(time.time()) - D.WINDOW - 5)
    elif case == "stale_future":
        headers = D.signed_headers(key, d.serial, body, timestamp=int(time.time()) + D.WINDOW + 5)
    elif case == "bad_signature":
        headers["HTTP_X_SIGNATURE"] = "0" * 64
    elif case == "other_devices_key":
        headers = D.signed_headers("another-key", d.serial, body)
    elif case == "body_changed":
        body = json.dumps({"kind": "fall"}).encode()
    elif case == "bad_nonce":
        headers = D.signed_headers(key, d.serial, body, nonce="short")
    r = client.post(URL, body, content_type="application/json", **headers)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.content
    assert r.json()["error"]["message"]  # a clear Chinese reason
    assert not Alert.objects.exists()


def test_a_replayed_request_is_refused_and_raises_nothing_more(care, device, client):
    d, key = device
    body = json.dumps({"kind": "button"}).encode()
    headers = D.signed_headers(key, d.serial, body)
    assert client.post(URL, body, content_type="application/json", **headers).status_code == 201
    Alert.objects.update(state="closed")  # even after the first alert is over, the same request stays refused
    r = client.post(URL, body, content_type="application/json", **headers)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "care.replayed_nonce")
    assert Alert.objects.count() == 1


def test_a_forged_request_does_not_burn_the_devices_nonce(care, device, client):
    d, key = device
    body = json.dumps({"kind": "button"}).encode()
    good = D.signed_headers(key, d.serial, body, nonce="n" * 20)
    forged = dict(good, HTTP_X_SIGNATURE="f" * 64)
    assert client.post(URL, body, content_type="application/json", **forged).status_code == 401
    assert client.post(URL, body, content_type="application/json", **good).status_code == 201


def test_old_nonces_are_purged_after_twice_the_window(care, device):
    import datetime as dt

    from django.utils import timezone

    from civicgrid.care.models import DeviceNonce

    d, _ = device
    now = timezone.now()
    DeviceNonce.objects.create(device=d, nonce="a" * 16, at=now - dt.timedelta(seconds=2 * D.WINDOW + 1))
    DeviceNonce.objects.create(device=d, nonce="b" * 16, at=now)
    assert D.purge_nonces(now) == 1 and DeviceNonce.objects.get().nonce == "b" * 16
