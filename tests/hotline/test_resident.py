import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from civicgrid.cases.models import Attachment, Case
from civicgrid.core.sms import MemorySMSBackend
from civicgrid.hotline import services
from civicgrid.hotline.models import CallBack, PhoneCode
from civicgrid.hotline.ratelimit import RateLimited

from .helpers import close_case, jpeg_with_gps

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _code() -> str:
    return re.search(r"验证码是 (\d{6})", MemorySMSBackend.outbox[-1][1]).group(1)


def _verify(client, phone=PHONE):
    r = client.post("/r/", {"step": "send_code", "phone": phone})
    assert r.status_code == 200, r.content.decode()
    r = client.post("/r/", {"step": "verify", "code": _code()})
    assert r.status_code == 200 and "已验证手机号" in r.content.decode()


def test_code_is_hashed_single_use_and_expires(db):
    services.send_code(PHONE, ip="1.1.1.1")
    code = _code()
    pc = PhoneCode.objects.get()
    assert code not in pc.code_hash and PHONE not in pc.phone_hash
    assert services.verify_code(PHONE, code) == PHONE
    with pytest.raises(Exception):
        services.verify_code(PHONE, code)  # used
    PhoneCode.objects.all().delete()
    from civicgrid.hotline.models import RateHit

    RateHit.objects.all().delete()
    services.send_code(PHONE, ip="1.1.1.1")
    PhoneCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Exception, match="失效"):
        services.verify_code(PHONE, _code())


def test_wrong_code_attempts_are_limited(db):
    from django.core.exceptions import ValidationError

    services.send_code(PHONE, ip="1.1.1.1")
    good = _code()
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.verify_code(PHONE, wrong)
    with pytest.raises(ValidationError, match="过多"):
        services.verify_code(PHONE, good)  # even the right code is refused now


def test_code_rate_limits_per_phone_and_ip(db):
    services.send_code(PHONE, ip="2.2.2.2")
    with pytest.raises(RateLimited, match="1 分钟"):
        services.send_code(PHONE, ip="2.2.2.2")
    for i in range(20):
        services.send_code(f"1380000{i:04d}", ip="3.3.3.3")
    with pytest.raises(RateLimited, match="本网络"):
        services.send_code("13999999999", ip="3.3.3.3")
    assert len(MemorySMSBackend.outbox) == 21


def test_report_rate_limit_per_phone(territory):
    from civicgrid.cases.models import Category

    cat = Category.objects.get(code="06002")
    for _ in range(5):
        services.resident_report(PHONE, ip="4.4.4.4", category=cat, description="楼道堆物", lng=116.005, lat=39.905)
    with pytest.raises(RateLimited, match="上限"):
        services.resident_report(PHONE, ip="4.4.4.4", category=cat, description="楼道堆物", lng=116.005, lat=39.905)
    assert Case.objects.filter(channel="resident").count() == 5


def test_upload_type_and_size_checked(territory):
    from django.core.exceptions import ValidationError

    bad = SimpleUploadedFile("x.gif", _gif(), content_type="image/gif")
    with pytest.raises(ValidationError, match="格式不支持"):
        services.check_upload(bad)
    big = SimpleUploadedFile("big.jpg", b"\xff" * (8 * 1024 * 1024 + 1), content_type="image/jpeg")
    with pytest.raises(ValidationError, match="8 MB"):
        services.check_upload(big)


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "GIF")
    return buf.getvalue()


def test_resident_reports_follows_and_rates(territory, client, settings):
    settings.HOTLINE_UNHAPPY_ACTION = "review"
    t = territory
    _verify(client)
    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    assert Image.open(io.BytesIO(jpeg_with_gps())).getexif().get(0x8825)  # the upload carries GPS
    r = client.post("/r/", {"step": "report", "category": "06002", "description": "楼道里堆满杂物",
                            "lng": "116.005", "lat": "39.905", "photos": photo})
    assert r.status_code == 302
    case = Case.objects.get(channel="resident")
    assert case.requester_phone == PHONE and case.grid == t.grid("A1a")
    att = Attachment.objects.get(event__case=case)
    with att.image.open("rb") as f:
        shown = Image.open(io.BytesIO(f.read()))
        assert 0x8825 not in shown.getexif() and not shown.info.get("exif")
    # follow from another browser: number + phone
    other = client.__class__()
    assert other.post("/r/follow/", {"number": case.number, "phone": "13900000000"}).status_code == 400
    r = other.post("/r/follow/", {"number": case.number, "phone": PHONE})
    assert r.status_code == 302
    page = other.get(r["Location"]).content.decode()
    assert "已收到您的诉求" in page
    close_case(t, case)
    page = other.get(f"/r/case/{case.number}/").content.decode()
    for secret in ("staff_A1", "operator", "已清理", "电话核实"):  # staff names and internal notes
        assert secret not in page
    assert "提交评价" in page
    r = other.post(f"/r/case/{case.number}/", {"solved": "yes", "satisfaction": "basic", "note": "挺快"})
    assert r.status_code == 302
    cb = CallBack.objects.get(case=case)
    assert (cb.state, cb.source, cb.solved, cb.satisfaction) == (CallBack.DONE, "resident", True, "basic")
    # the hotline does not call back again for a closure the resident already rated
    assert not CallBack.objects.filter(state=CallBack.PENDING).exists()
    assert other.post(f"/r/case/{case.number}/", {"solved": "no", "satisfaction": "dissatisfied"}).status_code == 400


def test_case_page_needs_the_phone(territory, client):
    from tests.hotline.helpers import hotline_case

    case = hotline_case(territory)
    assert client.get(f"/r/case/{case.number}/").status_code == 404
