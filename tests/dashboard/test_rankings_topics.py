"""Rankings with configured weights on a constructed data set; hot-topic detection on a planted cluster."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.dashboard import hottopics, rankings, services
from civicgrid.dashboard.models import DailyRollup, DailyTotal, RankingWeights
from civicgrid.dashboard.selectors import Period

from .conftest import TZ, report

DAY = dt.date(2026, 3, 10)


def _row(region, cat, level="community", dept=0, **counters):
    """One rollup row and its share of the region's day total, as the live rule writes them."""
    from civicgrid.dashboard.rollup import upsert

    DailyRollup.objects.create(day=DAY, region=region, level=level, category=cat, department_key=dept,
                               channel="grid_worker", **counters)
    upsert(DailyTotal, dict(day=DAY, region_id=region.pk), counters, extra={"level": level})


@pytest.fixture
def constructed(territory, cats):
    """Four communities with known figures (filed = 100 each):
         A1 closes everything, half on time, much rework     closure 1.0  on-time 0.5  rework 0.4
         A2 closes 60, all on time, no rework                closure 0.6  on-time 0.6  rework 0
         B1 closes 80, 75 on time, a little rework           closure 0.8  on-time 0.75 rework 0.1
         B2 has only 3 filed cases (below a minimum of 5)
    """
    t, cat = territory, cats["01037"]
    c = t.communities
    _row(c["A1"], cat, filed=100, closed=100, closed_on_time=50, reworked=40)
    _row(c["A2"], cat, filed=100, closed=60, closed_on_time=60, reworked=0)
    _row(c["B1"], cat, filed=100, closed=80, closed_on_time=75, reworked=10)
    _row(c["B2"], cat, filed=3, closed=3, closed_on_time=3)
    return t


def _order(t, w):
    got = rankings.regions_ranking(list(t.communities.values()), Period(DAY, DAY), w)
    return [(r.name[:2], r.rank, r.score) for r in got]


def test_weights_decide_the_order(constructed):
    t = constructed
    closure_heavy = {"w_closure": 100, "w_on_time": 0, "w_rework": 0, "w_satisfaction": 0, "min_cases": 5}
    assert _order(t, closure_heavy) == [("A1", 1, 100.0), ("B1", 2, 80.0), ("A2", 3, 60.0), ("B2", None, None)]
    on_time_heavy = {"w_closure": 0, "w_on_time": 100, "w_rework": 0, "w_satisfaction": 0, "min_cases": 5}
    assert _order(t, on_time_heavy) == [("B1", 1, 75.0), ("A2", 2, 60.0), ("A1", 3, 50.0), ("B2", None, None)]
    # 30/40/15/15 (satisfaction absent → its weight leaves the denominator):
    #   A1 = (30·1 + 40·.5 + 15·.6) / 85 = 69.41;  A2 = (30·.6 + 40·.6 + 15·1) / 85 = 67.06;  B1 = (24 + 30 + 13.5) / 85 = 79.41
    assert _order(t, dict(rankings.DEFAULT_WEIGHTS, min_cases=5)) == [
        ("B1", 1, 79.41), ("A1", 2, 69.41), ("A2", 3, 67.06), ("B2", None, None)]
    # With min_cases 1, B2 (all closed on time, no rework) tops every weighting.
    assert _order(t, dict(rankings.DEFAULT_WEIGHTS))[0] == ("B2", 1, 100.0)


def test_district_sets_weights_and_the_page_uses_them(constructed, client):
    t = constructed
    with pytest.raises(PermissionDenied):
        services.save_weights(t.users["dispatcher_A"], t.district, w_closure=100)
    with pytest.raises(ValidationError, match="至少一项"):
        services.save_weights(t.users["commander"], t.district, w_closure=0, w_on_time=0, w_rework=0, w_satisfaction=0)
    with pytest.raises(ValidationError, match="整数"):
        services.save_weights(t.users["commander"], t.district, w_closure="abc")
    client.force_login(t.users["commander"])
    r = client.post("/dashboard/rankings/weights/", {"area": t.district.code, "w_closure": 0, "w_on_time": 100,
                                                    "w_rework": 0, "w_satisfaction": 0, "min_cases": 5})
    assert r.status_code == 302
    assert RankingWeights.objects.get(district=t.district).w_on_time == 100
    page = client.get(f"/dashboard/rankings/?area={t.streets['A'].code}&start={DAY}&end={DAY}").content.decode()
    assert "按期结案率 100" in page and "综合得分 = 100 ×" in page
    # Street A's children: A2 (60 % on time) ranks above A1 (50 %).
    table = page.split('id="rank-children"')[1].split("</table>")[0]
    assert table.index("A2社区") < table.index("A1社区")


def test_two_way_view_counts_department_by_street(territory, cats):
    t, cat = territory, cats["01037"]
    pol, urb = t.departments["police"].pk, t.departments["urban"].pk
    _row(t.streets["A"], cat, level="street", dept=urb, dispatched=10, closed=8, closed_on_time=6)
    _row(t.streets["A"], cat, level="street", dept=pol, dispatched=4, closed=4, closed_on_time=4)
    _row(t.streets["B"], cat, level="street", dept=urb, dispatched=5, closed=1, closed_on_time=0)
    names = {pol: "公安", urb: "城管"}
    m = rankings.two_way([t.streets["A"], t.streets["B"]], Period(DAY, DAY), names)
    assert m["departments"] == [(pol, "公安"), (urb, "城管")]
    (ra, cells_a), (rb, cells_b) = m["rows"]
    assert cells_a == [{"dispatched": 4, "closed": 4, "on_time_rate": 1.0},
                       {"dispatched": 10, "closed": 8, "on_time_rate": 0.6}]
    assert cells_b == [None, {"dispatched": 5, "closed": 1, "on_time_rate": 0.0}]


def test_hot_topics_find_the_planted_cluster_and_ignore_noise(territory, cats):
    t = territory
    rng = random.Random(5)
    month = dt.date(2026, 3, 1)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    # Noise: 40 cases of assorted categories scattered over the whole district, this month and before.
    for i in range(40):
        code = rng.choice(["01037", "06002", "09006", "50001", "06028"])
        when = start - dt.timedelta(days=rng.randint(0, 80))
        where = rng.choice(["A1a", "A1b", "A2a", "B1a", "B2b"])
        point = (116.0 + rng.random() * 0.04, 39.9 + rng.random() * 0.02)
        report(t, cats, code=code, where=where, point=point, now=when)
    # Planted: 8 reports of 占道经营 (09006) within ~60 m of one corner in grid B1b, this month.
    planted = []
    for i in range(8):
        p = (116.0352 + rng.uniform(-4e-4, 4e-4), 39.9052 + rng.uniform(-4e-4, 4e-4))
        planted.append(report(t, cats, code="09006", where="B1a", point=p, now=start + dt.timedelta(days=i, hours=1)).pk)
    # The same address calling again and again, through the hotline.
    for i in range(3):
        report(t, cats, code="06028", where="A2a", channel="hotline", address="幸福路 8 号",
               requester_phone="13900001111", now=start + dt.timedelta(days=2 * i))
    commander = t.users["commander"]
    found = hottopics.place_clusters(commander, t.district, month)
    assert len(found) == 1, [(f["title"], f["count"]) for f in found]
    assert found[0]["category_id"] == cats["09006"].pk and found[0]["case_ids"] == sorted(planted)
    assert found[0]["trend"][-1] == ("2026-03", 8) and len(found[0]["points"]) == 8
    # Invisible to a street that does not contain it.
    assert hottopics.place_clusters(t.users["dispatcher_A"], t.streets["A"], month) == []
    rising = hottopics.rising_categories(t.district, month)
    assert rising and rising[0]["category_id"] == cats["09006"].pk
    repeats = hottopics.repeated_contacts(commander, t.district, month)
    kinds = {r["kind"] for r in repeats}
    assert kinds == {"phone", "address"} and all(r["count"] == 3 for r in repeats)

    # The page's topics are kept a while (the big screen asks every few minutes); fresh=True recounts.
    kept = hottopics.topics(commander, t.district, month)
    assert [c["count"] for c in kept["clusters"]] == [8]
    p = (116.0352, 39.9052)
    report(t, cats, code="09006", where="B1a", point=p, now=start + dt.timedelta(days=9))
    assert hottopics.topics(commander, t.district, month) == kept
    recounted = hottopics.topics(commander, t.district, month, fresh=True)
    assert [c["count"] for c in recounted["clusters"]] == [9] and recounted["counted_at"] >= kept["counted_at"]
    assert hottopics.topics(commander, t.district, month)["clusters"][0]["count"] == 9


def test_a_new_spot_stands_out_of_a_busy_steady_background(territory, cats):
    """Dense, steady reports of one category all around (every ~70 m, each of the last four months)
    would chain into one district-wide cluster by linkage; the new spot must still stand out, and
    the steady surroundings must not."""
    t = territory
    month = dt.date(2026, 3, 1)
    background = []
    for m, day in enumerate((dt.date(2025, 12, 5), dt.date(2026, 1, 6), dt.date(2026, 2, 4), dt.date(2026, 3, 5))):
        for i in range(6):
            for j in range(4):
                p = (116.0300 + i * 0.0008, 39.9030 + j * 0.0006)
                when = dt.datetime.combine(day, dt.time(9), tzinfo=TZ) + dt.timedelta(minutes=10 * (i * 4 + j))
                background.append(report(t, cats, code="09006", where="B1a", point=p, now=when).pk)
    spot = [report(t, cats, code="09006", where="B1a", point=(116.0342 + k * 1e-5, 39.9042),
                   now=dt.datetime(2026, 3, 10, 10, tzinfo=TZ) + dt.timedelta(hours=k)).pk for k in range(9)]
    found = hottopics.place_clusters(t.users["commander"], t.district, month)
    assert len(found) == 1, [(f["title"], f["count"], f["cells"]) for f in found]
    topic = found[0]
    assert set(spot) <= set(topic["case_ids"])
    # Only the spot's own cell and what touches it: a handful of steady neighbours at most.
    assert topic["count"] < len(spot) + 6 and topic["cells"] <= 4
    assert topic["trend"][-1] == ("2026-03", topic["count"]) and topic["trend"][-2][1] <= 4


def test_topics_page_folds_a_long_case_list(territory, cats, client, monkeypatch):
    """A caller with many cases this month: 20 numbers shown, the rest folded, the list capped with its total."""
    t = territory
    monkeypatch.setattr(hottopics, "MAX_POINTS", 25)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    numbers = [report(t, cats, code="06028", where="A2a", channel="hotline", requester_phone="13900002222",
                      now=start + dt.timedelta(hours=i)).number for i in range(30)]
    client.force_login(t.users["commander"])
    html = client.get("/dashboard/topics/", {"area": t.district.code, "month": "2026-03"}).content.decode()
    section = html[html.index("同一诉求人本月来电 30 次"):]
    shown, folded = section.split("<details>", 1)
    folded = folded.split("</details>", 1)[0]
    assert all(n in shown for n in numbers[:20]) and numbers[20] not in shown
    assert "其余 5 件" in folded and all(n in folded for n in numbers[20:25]) and numbers[25] not in section
    assert "列出最早的 25 件，共 30 件" in section


@pytest.mark.django_db
def test_grid_ranking_pages_and_searches_keeping_true_ranks(territory, cats, client):
    """Issue 13 item 15: 300 grid rows without paging or search."""
    import re

    from tests.factories import box, make_region

    t = territory
    comm = t.communities["A1"]
    for i in range(3, 43):  # 40 more grids: 48 in all
        make_region(f"{comm.code}{i:03d}", f"A1社区第{i}网格", "grid", comm, box(116.0, 39.9, 116.001, 39.901),
                    grid_kind="community")
    client.force_login(t.users["commander"])
    url = f"/dashboard/rankings/?area={t.district.code}&start=2026-03-01&end=2026-03-31"

    def grid_rows(html):
        table = html[html.index('id="rank-grids"'):]
        table = table[:table.index("</table>")]
        return re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", table)

    html = client.get(url).content.decode()
    assert "网格排名（48 个网格）" in html and len(grid_rows(html)) == 30 and "第 1 / 2 页" in html
    html = client.get(url + "&gpage=2").content.decode()
    assert len(grid_rows(html)) == 18 and "第 2 / 2 页" in html
    html = client.get(url + "&gq=第37网格").content.decode()
    assert grid_rows(html) == ["A1社区第37网格"] and "找到 1 个网格" in html
    assert 'id="grid-ranking" open' in html


@pytest.mark.django_db
def test_evaluation_shows_key_columns_first_and_all_in_the_full_table(territory, cats, client):
    import re

    client.force_login(territory.users["commander"])
    html = client.get("/cases/evaluation/").content.decode()
    key = html[html.index('id="eval-key"'):]
    heads = re.findall(r'<th title="[^"]*">([^<]+)</th>', key[:key.index("</thead>")])
    assert heads == ["受理数", "应结案数", "结案数", "结案率", "按期结案率", "满意率", "返工率", "当前超期数"]
    full = html[html.index('id="eval-all"'):]
    assert len(re.findall(r'<th title=', full[:full.index("</thead>")])) == 23
