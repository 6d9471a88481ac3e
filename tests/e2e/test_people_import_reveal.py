"""A community clerk imports a sheet with bad rows, downloads the rejection report, finds a person
by a name fragment and reveals the identity number with a reason; the audit log shows it."""
import csv
import datetime as dt
import io

from civicgrid.core.models import AuditEntry
from civicgrid.people import idnumbers, services
from civicgrid.people.models import Person

from .conftest import login, shot

HEADER = ["姓名", "性别", "身份证号", "联系电话", "户籍类别", "社区", "楼栋", "单元", "室", "户号", "与户主关系"]


def _sheet(tmp_path):
    good = idnumbers.make("110108", dt.date(1948, 2, 3), 35)
    bad_check = idnumbers.make("110108", dt.date(1970, 1, 1), 36)
    bad_check = bad_check[:-1] + ("1" if bad_check[-1] != "1" else "2")
    rows = [
        ["欧阳建国", "男", good, "13800138000", "户籍", "A1社区", "1号楼", "1单元", "101", "A1-101", "户主"],
        ["错校验", "女", bad_check, "", "户籍", "A1社区", "", "", "", "", ""],
        ["外星人", "", idnumbers.make("110108", dt.date(1990, 1, 1), 37), "", "户籍", "火星社区", "", "", "", "", ""],
        ["王秀英", "女", idnumbers.make("110108", dt.date(1950, 6, 7), 38), "13900139000", "流动", "A1社区", "1号楼", "1单元", "101", "A1-101", "配偶"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER] + rows)
    path = tmp_path / "居民花名册.csv"
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path, good


def test_clerk_imports_finds_and_reveals_with_audit(page, desktop_page, live_server, territory, tmp_path):
    services.create_building(territory.users["staff_A1"], community=territory.communities["A1"], name="1号楼",
                             address="学院路12号院", lng=116.005, lat=39.905)
    sheet, good_id = _sheet(tmp_path)

    login(page, live_server, "staff_A1")
    page.goto(f"{live_server.url}/people/import/")
    page.select_option("#kind", "residents")
    page.set_input_files("#file", str(sheet))
    page.click("text=上传并核对列")
    page.wait_for_selector("text=核对列与字段的对应")
    assert page.input_value("#map_id_number") == "2"  # guessed from the header 身份证号
    page.check("input[name=mode][value=accept_good]")
    shot(page, "people-import-mapping-phone")
    page.click("text=开始导入")
    page.wait_for_selector("#job-progress")
    from civicgrid.people import importer
    from civicgrid.people.models import ImportJob

    importer.run(ImportJob.objects.latest("pk").pk)  # what `civicgrid worker` does with the queued task
    page.wait_for_selector("#report-link")
    assert "导入 2 行，错误 2 行" in page.inner_text("#job-counts")
    assert "校验位错误" in page.inner_text("#rejections")
    shot(page, "people-import-result-phone")
    with page.expect_download() as dl:
        page.click("#report-link")
    report = open(dl.value.path(), encoding="utf-8-sig").read()
    assert "校验位错误" in report and "未知社区" in report and "欧阳建国" not in report

    page.goto(f"{live_server.url}/people/")
    page.fill("#q", "建国")
    page.click("button:has-text('查找')")
    page.wait_for_selector("text=欧阳建国")
    assert good_id not in page.content()
    masked = good_id[:4] + "*" * 10 + good_id[-4:]
    assert masked in page.inner_text(".person-list")
    shot(page, "people-search-phone")
    page.click("text=欧阳建国")
    page.wait_for_selector("h1:has-text('欧阳建国')")
    assert page.inner_text("#id-number-value") == masked
    page.click("text=查看完整证件号或电话")
    page.select_option("#reveal-field", "id_number")
    page.fill("#reveal-reason", "核实高龄津贴申请")
    page.click("form[action$='/reveal/'] button[type=submit]")
    page.wait_for_selector(f"#id-number-value:has-text('{good_id}')")
    assert "核实高龄津贴申请" in page.inner_text("#access-history")
    shot(page, "people-person-revealed-phone")

    person = Person.objects.get(name="欧阳建国")
    assert AuditEntry.objects.filter(action="person.reveal", object_id=str(person.pk), reason="核实高龄津贴申请").exists()
    login(desktop_page, live_server, "admin")
    desktop_page.goto(f"{live_server.url}/audit/?action=person.reveal")
    row = desktop_page.locator("tr", has_text="核实高龄津贴申请")
    assert row.count() == 1 and "staff_A1" in row.inner_text()
    shot(desktop_page, "people-audit-reveal-desktop")
