"""Error codes: stable codes, Chinese messages, one mapping to HTTP status for pages and the API."""
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from civicgrid.cases import errors as case_errors
from civicgrid.core import errors
from civicgrid.core.sms import MemorySMSBackend
from civicgrid.hotline.errors import RateLimited


def test_declared_codes_are_unique_and_namespaced():
    import civicgrid.open311.errors  # noqa: F401  (declares its codes on import)

    codes = errors.declared()
    assert {"hotline.rate_limited", "cases.conflict", "cases.illegal_action", "open311.bad_api_key"} <= set(codes)
    assert all(re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", c) for c in codes)
    with pytest.raises(TypeError, match="declared twice"):
        type("Again", (errors.AppError,), {"code": "hotline.rate_limited"})


def test_one_mapping_for_pages_and_api():
    assert errors.problem(RateLimited("过于频繁")).status == 429
    assert errors.problem(RateLimited("x"), api=True) == errors.Problem(429, "hotline.rate_limited", "x")
    assert errors.problem(case_errors.CaseConflict()).status == 409
    assert errors.problem(ValidationError("坏了")) == errors.Problem(400, "invalid", "坏了")
    assert errors.problem(ValidationError("坏了"), api=True).status == 422
    assert errors.problem(ValidationError("号码", code="core.invalid_phone")).code == "core.invalid_phone"
    assert errors.problem(PermissionDenied("不行")).status == 403
    assert errors.problem(Http404()).status == 404
    assert errors.problem(KeyError("bug")) is None  # not a refusal: let it be a 500 and be logged


@pytest.mark.django_db
def test_every_rate_limit_on_the_resident_page_answers_429_whatever_its_wording(client):
    """The page used to search the message for "频繁": the per-hour limit ("次数过多") answered 400."""
    phone = "13912345678"
    assert client.post("/r/", {"step": "send_code", "phone": phone}).status_code == 200
    r = client.post("/r/", {"step": "send_code", "phone": phone})
    assert r.status_code == 429 and "1 分钟" in r.content.decode()
    from civicgrid.hotline.models import RateHit

    RateHit.objects.filter(bucket__startswith="otp-phone-min").delete()
    for _ in range(4):
        RateHit.objects.create(bucket=RateHit.objects.filter(bucket__startswith="otp-phone-hour").first().bucket,
                               at=RateHit.objects.first().at)
    r = client.post("/r/", {"step": "send_code", "phone": phone})
    assert r.status_code == 429 and "次数过多" in r.content.decode()
    assert len(MemorySMSBackend.outbox) == 1


@pytest.mark.django_db
def test_follow_page_rate_limit_is_429(client):
    from civicgrid.hotline.models import RateHit
    from django.utils import timezone

    RateHit.objects.bulk_create([RateHit(bucket="follow-ip:127.0.0.1", at=timezone.now()) for _ in range(30)])
    r = client.post("/r/follow/", {"number": "X", "phone": "13912345678"})
    assert r.status_code == 429 and "频繁" in r.content.decode()


@pytest.mark.django_db
def test_api_keeps_codes_and_maps_status(territory, client):
    from civicgrid.api import services as api_services

    token = api_services.issue_token(None, user=territory.users["commander"], name="t")[1]
    h = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.post("/api/v1/cases", {"category_code": "06002", "description": "x", "address": "不存在的地方"},
                    content_type="application/json", **h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "regions.unlocatable"
    r = client.post("/api/v1/cases", {"category_code": "06002", "description": "x", "lng": 116.005, "lat": 39.905,
                                      "requester_phone": "+86 239 1234 5678"}, content_type="application/json", **h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "core.invalid_phone"
