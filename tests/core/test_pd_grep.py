"""Issue 11 item 10's goal as a test: after a walk that searches, imports, reveals, looks up a caller
and sends an SMS, scripts/pd_grep.py finds no identity or phone number in clear in the database or
var/ except staff phones (public on the roster) — and it does find one that is planted."""
import re
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.cases import services as S
from civicgrid.cases.models import Case, Category
from civicgrid.core.models import Notification
from civicgrid.core.sms import MemorySMSBackend
from civicgrid.people import importer
from tests.people.conftest import homes, ident  # noqa: F401 (fixture)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import pd_grep  # noqa: E402

pytestmark = pytest.mark.django_db
RESIDENT = "13977778888"


def _walk(homes, client, tmp_path):
    t = homes["t"]
    staff = t.users["staff_A1"]
    client.force_login(staff)
    client.get("/people/", {"q": ident(11)})
    client.get("/people/", {"q": "张 13812345678"})
    client.post(f"/people/p/{homes['p_a'].pk}/reveal/", {"field": "phone", "reason": "核实来电人身份"})
    sheet = ("姓名,身份证号码,联系电话,社区,备注,紧急联系人\n"
             f"赵走查,{ident(601)},13911112222,火星社区,本人 13911112222 身份证 {ident(602)},女儿 13722223333\n")
    client.post("/people/import/", {"kind": "residents", "file": SimpleUploadedFile("走查.csv", sheet.encode())})
    job = importer.ImportJob.objects.latest("pk")
    client.post(f"/people/import/{job.pk}/", {**{f"map_{k}": v for k, v in job.mapping.items()}, "mode": "accept_good"})
    importer.run(job.pk)
    client.get(f"/people/import/{job.pk}/report.csv")
    client.force_login(t.users["operator"])
    client.post("/hotline/caller/", {"caller_phone": "13812345678"})
    client.post("/hotline/", {"caller_phone": "13955556666", "caller_name": "孙走查", "channel": "phone",
                              "subject": f"咨询低保，回电 13955556666，身份证 {ident(603)}"})
    client.logout()
    client.post("/r/", {"step": "send_code", "phone": RESIDENT})
    code = re.search(r"验证码是 (\d{6})", MemorySMSBackend.outbox[-1][1]).group(1)
    client.post("/r/", {"step": "verify", "code": code})
    client.post("/r/", {"step": "report", "category": "06002", "description": f"楼道堆物，联系 138-0013-8000 {ident(604)}",
                        "address": f"学院路 联系我 {RESIDENT}", "lng": "116.005", "lat": "39.905"})
    S.intake(t.users["operator"], channel="hotline", category=Category.objects.get(code="06002"), urgent=True,
             grid=t.grid("A1a"), description=f"来电人说 +86 139 0000 1234", requester_phone="13900001234")


def test_demo_walk_leaves_no_clear_numbers(homes, client, tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    _walk(homes, client, tmp_path)
    assert Case.objects.filter(channel="resident").exists()
    case = Case.objects.get(channel="resident")
    assert "*" in case.description and case.description_private.startswith("楼道堆物，联系 138-0013-8000")
    allowed = pd_grep.allowed_phones()
    pd_grep.PUBLIC_CODES.update(pd_grep.public_codes())
    found, samples, values, tables = pd_grep.scan_database(allowed)
    assert values > 100 and dict(found) == {}, samples
    var = Path(settings.MEDIA_ROOT).parent
    ffound, fsamples, _ = pd_grep.scan_files(var, allowed, raw_db=False, db_files=set())
    assert dict(ffound) == {}, fsamples


def test_grep_finds_what_is_planted(homes, tmp_path):
    Notification.objects.create(recipient=homes["t"].users["staff_A1"], title="x", body=f"直接写入 {RESIDENT}")
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "leak.csv").write_text(f"王五,{ident(605)}\n", encoding="utf-8")
    found, samples, _, _ = pd_grep.scan_database(pd_grep.allowed_phones())
    assert found["db:core_notification.body"]["手机号"] == 1 and RESIDENT not in samples["db:core_notification.body"]
    ffound, _, _ = pd_grep.scan_files(tmp_path, set(), raw_db=False, db_files=set())
    assert ffound["file:media/leak.csv"]["证件号码"] == 1
    # Staff phones are public on the roster: not findings.
    worker_phone = homes["t"].users["worker_A1a"].phone
    Notification.objects.create(recipient=homes["t"].users["staff_A1"], title="x", body=f"网格员 {worker_phone}")
    found, _, _, _ = pd_grep.scan_database(pd_grep.allowed_phones())
    assert found["db:core_notification.body"]["手机号"] == 1
