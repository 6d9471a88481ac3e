"""The import page in a real browser: dry run shows the report, confirm writes; bad files get errors."""
import json

from civicgrid.regions.models import Region
from tests.e2e.conftest import login, shot
from tests.regions.geojson import C, new_community_fc


def test_admin_dry_runs_then_confirms_an_import_on_a_phone(page, live_server, territory, tmp_path, settings):
    settings.REGION_IMPORT_DIR = tmp_path / "imports"
    good = tmp_path / "新建社区.geojson"
    good.write_text(json.dumps(new_community_fc(), ensure_ascii=False), encoding="utf-8")
    login(page, live_server, "admin")
    page.click("text=区域导入导出")
    page.set_input_files("#id_file", str(good))
    page.click("button[value=dry_run]")
    page.wait_for_selector("#import-summary")
    assert "试运行通过" in page.inner_text("#import-summary")
    assert page.locator("#all-features tbody tr").count() == 3
    shot(page, "regions_import_dry_run_phone")
    assert not Region.objects.filter(code=C).exists()
    page.click("#confirm-import")
    page.wait_for_selector("text=导入成功")
    assert Region.objects.filter(code__startswith=C).count() == 3


def test_failing_import_shows_per_feature_errors_on_desktop(desktop_page, live_server, territory, tmp_path):
    fc = new_community_fc()
    fc["features"][2]["geometry"]["coordinates"][0][1][0] = 116.07  # grid 2 now pokes out of the community
    fc["features"][1]["properties"]["kind"] = "楼宇网格"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    page = desktop_page
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/regions/import/")
    page.set_input_files("#id_file", str(bad))
    page.click("button[value=commit]")
    page.wait_for_selector("#failed-features")
    text = page.inner_text("#failed-features")
    assert "楼宇网格" in text and "超出所属社区" in text
    assert "没有任何改变" in page.inner_text("#import-summary")
    shot(page, "regions_import_errors_desktop")
    assert not Region.objects.filter(code=C).exists()
