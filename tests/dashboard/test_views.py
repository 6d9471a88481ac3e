"""Pages and their jurisdiction: out-of-scope areas are 404, every figure links to its cases."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from civicgrid.dashboard.models import MonthlyReport
from civicgrid.dashboard.report import build

from .conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_cases(territory, cats):
    t = territory
    now = timezone.now() - dt.timedelta(days=1)
    made = [report(t, cats, where=w, now=now + dt.timedelta(minutes=i)) for i, w in enumerate(["A1a", "A1b", "B1a"])]
    return t, made


def test_street_dispatcher_sees_own_street_and_gets_404_for_the_other(some_cases, client):
    t, made = some_cases
    client.force_login(t.users["dispatcher_A"])
    a, b = t.streets["A"].code, t.streets["B"].code
    for url in ("/dashboard/", "/dashboard/board/", "/dashboard/rankings/", "/dashboard/topics/", "/dashboard/reports/",
                "/dashboard/map/panel/", "/dashboard/map/data/", "/dashboard/cases/?figure=reported"):
        sep = "&" if "?" in url else "?"
        assert client.get(f"{url}{sep}area={a}").status_code == 200, url
        assert client.get(f"{url}{sep}area={b}").status_code == 404, url
        assert client.get(f"{url}{sep}area={t.district.code}").status_code == 404, url
    board = client.get("/dashboard/board/").content.decode()  # defaults to the user's own street
    assert "A街道" in board and "B街道" not in board
    data = client.get(f"/dashboard/map/data/?area={a}&figure=open").json()
    assert sorted(m["n"] for m in data["markers"]) == sorted(c.number for c in made[:2])
    assert {f["properties"]["code"] for f in data["children"]["features"]} == {t.communities["A1"].code,
                                                                                t.communities["A2"].code}


def test_roles_without_the_dashboard_are_refused(some_cases, client):
    t, _ = some_cases
    client.force_login(t.users["urban_A"])
    assert client.get("/dashboard/board/").status_code == 403
    client.force_login(t.users["worker_A1a"])
    assert client.get("/dashboard/").status_code == 403


def test_bad_input_gets_a_chinese_error(some_cases, client):
    t, _ = some_cases
    client.force_login(t.users["commander"])
    r = client.get("/dashboard/board/?start=2026-13-01")
    assert r.status_code == 400 and "日期格式不正确" in r.content.decode()
    r = client.get("/dashboard/board/?start=2026-03-10&end=2026-03-01")
    assert r.status_code == 400 and "开始日期不能晚于结束日期" in r.content.decode()
    assert "未知的指标" in client.get("/dashboard/cases/?figure=nope").content.decode()
    assert client.get("/dashboard/map/data/?figure=nope").json()["error"] == "未知的着色指标。"


def test_figure_links_land_on_the_cases_behind_them(some_cases, client):
    t, made = some_cases
    client.force_login(t.users["commander"])
    board = client.get(f"/dashboard/board/?area={t.district.code}").content.decode()
    assert 'data-figure="reported"' in board and "<b>3</b><span>受理数</span>" in board
    href = board.split('data-figure="reported" href="')[1].split('"')[0].replace("&amp;", "&")
    page = client.get(href).content.decode()
    assert "共 3 件" in page and all(c.number in page for c in made)
    assert f"/cases/{made[0].number}/" in page  # rows open the case
    street_b = client.get(f"/dashboard/cases/?area={t.streets['B'].code}&figure=open_now").content.decode()
    assert "共 1 件" in street_b and made[2].number in street_b and made[0].number not in street_b


def test_monthly_report_builds_workbook_and_printable_page(some_cases, client, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    t, made = some_cases
    client.force_login(t.users["dispatcher_A"])
    month = timezone.localdate().strftime("%Y-%m")
    assert "不能生成未来月份" in client.post("/dashboard/reports/", {"area": t.streets["A"].code, "month": "2999-01"},
                                        follow=True).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/dashboard/reports/", {"area": t.streets["A"].code, "month": month})
    rep = MonthlyReport.objects.get()
    assert rep.status == MonthlyReport.PENDING and rep.area == t.streets["A"]
    assert build(rep.pk) == MonthlyReport.DONE
    rep.refresh_from_db()
    assert rep.data["totals"]["reported"] == 2 and rep.data["area"]["name"] == "A街道"
    r = client.get(f"/dashboard/reports/{rep.pk}/download/")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    assert wb.sheetnames == ["概览", "区域排名", "部门排名", "每月一题", "重点案件"]
    assert wb["概览"]["A5"].value == "受理数" and wb["概览"]["B5"].value == 2
    page = client.get(f"/dashboard/reports/{rep.pk}/").content.decode()
    assert "size: A4" in page and "A街道" in page and "基层治理月度报告" in page
    client.force_login(t.users["dispatcher_B"])
    assert client.get(f"/dashboard/reports/{rep.pk}/").status_code == 404
    assert client.get(f"/dashboard/reports/{rep.pk}/download/").status_code == 404


def test_map_caption_and_panel_count_open_cases_from_one_source(some_cases, client, cats):
    """Issue 13 item 14: 在办 29 under the map vs 30 in the panel — a case without coordinates."""
    from civicgrid.cases import services as S

    t, made = some_cases
    S.intake(t.users["operator"], channel="hotline", category=cats["01037"], description="无坐标的来电",
             grid=t.grid("A1a"), requester_phone="13900002222")
    client.force_login(t.users["commander"])
    a = t.streets["A"].code
    data = client.get(f"/dashboard/map/data/?area={a}&figure=open").json()
    panel = client.get(f"/dashboard/map/panel/?area={a}").content.decode()
    assert len(data["markers"]) == 2 and data["open_now"] == 3 and data["unplaced"] == 1
    assert f"<b>{data['open_now']}</b><span>在办</span>" in panel
