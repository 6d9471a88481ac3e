"""A large sheet goes to the worker: the job page shows its progress, survives a reload, and
switches to the result by itself when the worker finishes."""
import csv
import datetime as dt
import io

from civicgrid.people import idnumbers, importer
from civicgrid.people.models import ImportJob

from .conftest import login, shot


def test_queued_import_shows_progress_and_survives_reload(desktop_page, live_server, territory, tmp_path, settings):
    settings.PEOPLE_INLINE_IMPORT_ROWS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["姓名", "身份证号", "社区"])
    for i in range(40):
        w.writerow([f"测试{chr(0x4E00 + i)}", idnumbers.make("110108", dt.date(1980, 1, 1) + dt.timedelta(days=i), 5), "A1社区"])
    sheet = tmp_path / "大表.csv"
    sheet.write_bytes(buf.getvalue().encode("utf-8-sig"))

    page = desktop_page
    login(page, live_server, "staff_A1")
    page.goto(f"{live_server.url}/people/import/")
    page.set_input_files("#file", str(sheet))
    page.click("text=上传并核对列")
    page.click("text=开始导入")
    page.wait_for_selector("#job-progress")
    assert page.inner_text("#job-status") == "排队中"
    page.reload()
    assert page.inner_text("#job-status") == "排队中" and "已处理 0 / 40 行" in page.inner_text("#job-counts")
    shot(page, "people-import-queued-desktop")

    job = ImportJob.objects.get(original_name="大表.csv")
    importer.run(job.pk)  # what `civicgrid worker` does with the queued task
    page.wait_for_selector("#report-link, #job-done:not([hidden])")
    assert page.inner_text("#job-status") == "已完成"
    assert "导入 40 行" in page.inner_text("#job-counts")
    shot(page, "people-import-done-desktop")
