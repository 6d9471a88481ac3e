"""The staff import page (试运行 → 确认导入, 直接导入) and the export download."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicgrid.core.models import AuditEntry
from civicgrid.regions import views_import
from civicgrid.regions.models import Region
from tests.regions.geojson import C, as_bytes, db_state, new_community_fc


@pytest.fixture(autouse=True)
def _pending_dir(settings, tmp_path):
    settings.REGION_IMPORT_DIR = tmp_path / "imports"


def upload(data: bytes, name="regions.geojson"):
    return SimpleUploadedFile(name, data, content_type="application/geo+json")


@pytest.fixture
def admin_client(client, territory):
    client.force_login(territory.users["admin"])
    return client


def test_page_is_for_system_admins_only(client, territory):
    url = reverse("regions:import")
    assert client.get(url).status_code == 302  # to login
    client.force_login(territory.users["dispatcher_A"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "commit", "file": upload(as_bytes(new_community_fc()))}).status_code == 403
    assert client.get(reverse("regions:export")).status_code == 403
    assert not Region.objects.filter(code=C).exists()


def test_landing_page_offers_the_import_to_admins(admin_client):
    body = admin_client.get(reverse("core:home")).content.decode()
    assert "区域导入导出" in body and reverse("regions:import") in body


def test_dry_run_then_confirm_imports_the_checked_file(admin_client, settings):
    url = reverse("regions:import")
    before = db_state()
    r = admin_client.post(url, {"action": "dry_run", "file": upload(as_bytes(new_community_fc()))})
    body = r.content.decode()
    assert r.status_code == 200 and "试运行通过" in body and "将新增" in body
    assert db_state() == before
    token = r.context["token"]
    assert list((settings.REGION_IMPORT_DIR).glob("*.geojson"))
    r = admin_client.post(url, {"action": "confirm", "token": token})
    assert r.status_code == 200 and "导入成功" in r.content.decode()
    assert Region.objects.filter(code__startswith=C).count() == 3
    assert not list((settings.REGION_IMPORT_DIR).glob("*.geojson"))  # the kept file is gone
    r = admin_client.post(url, {"action": "confirm", "token": token})  # a second confirm does nothing
    assert r.status_code == 400 and "已失效" in r.content.decode()
    assert AuditEntry.objects.filter(action="region.import").count() == 1


def test_confirm_with_a_forged_token_is_refused(admin_client):
    r = admin_client.post(reverse("regions:import"), {"action": "confirm", "token": "../../etc/passwd"})
    assert r.status_code == 400 and "已失效" in r.content.decode()


def test_failing_file_shows_each_bad_feature_and_writes_nothing(admin_client):
    fc = new_community_fc()
    fc["features"][1]["geometry"] = {"type": "Point", "coordinates": [116.0, 39.9]}
    fc["features"][2]["properties"]["parent_code"] = "110108009009"
    before = db_state()
    r = admin_client.post(reverse("regions:import"), {"action": "commit", "file": upload(as_bytes(fc))})
    body = r.content.decode()
    assert r.status_code == 400
    assert "有错误的要素（2 个）" in body
    assert "Polygon 或 MultiPolygon" in body and "110108009009" in body
    assert "没有任何改变" in body and "token" not in r.context
    assert db_state() == before


def test_direct_commit(admin_client):
    r = admin_client.post(reverse("regions:import"), {"action": "commit", "file": upload(as_bytes(new_community_fc()))})
    assert r.status_code == 200 and "导入成功" in r.content.decode()
    assert Region.objects.filter(code__startswith=C).count() == 3


@pytest.mark.parametrize("make_file,fragment", [
    (lambda: upload(b"{}", "regions.txt"), "只能上传 .geojson 或 .json"),
    (lambda: upload(b"", "empty.geojson"), "文件是空的"),
    (lambda: upload(b"\x89PNG\r\n\x1a\n....", "photo.json"), "UTF-8"),
    (lambda: upload(b"{oops", "broken.json"), "不是有效的 JSON"),
    (lambda: None, "请选择要上传的"),
])
def test_bad_files_get_a_clear_chinese_error(admin_client, make_file, fragment):
    f = make_file()
    data = {"action": "dry_run", **({"file": f} if f else {})}
    r = admin_client.post(reverse("regions:import"), data)
    assert r.status_code == 400 and fragment in r.content.decode()


def test_file_over_the_size_limit_is_refused(admin_client, monkeypatch):
    monkeypatch.setattr(views_import, "MAX_UPLOAD_BYTES", 1000)
    big = as_bytes(new_community_fc()) + b" " * 1000
    r = admin_client.post(reverse("regions:import"), {"action": "commit", "file": upload(big)})
    assert r.status_code == 400 and "文件过大" in r.content.decode()
    assert not Region.objects.filter(code=C).exists()


def test_export_download(admin_client, territory):
    r = admin_client.get(reverse("regions:export"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/geo+json")
    assert "attachment" in r["Content-Disposition"]
    fc = json.loads(r.content)
    assert len(fc["features"]) == 1 + 2 + 4 + 8  # the admin's district subtree
    r = admin_client.get(reverse("regions:export"), {"root": territory.communities["B2"].code})
    assert len(json.loads(r.content)["features"]) == 3
    assert admin_client.get(reverse("regions:export"), {"root": "999999"}).status_code == 404
    assert admin_client.get(reverse("regions:export"), {"root": territory.city.code}).status_code == 404
