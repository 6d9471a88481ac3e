"""Task lists from the checklists, offline patrol uploads, coverage over a month, jurisdiction."""
import datetime as dt
import uuid
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from civicgrid.workforce import assessment, services, tasklist
from civicgrid.workforce.models import Correction, PatrolCheck, PatrolPoint, TaskDone

from .conftest import at

pytestmark = pytest.mark.django_db


def _keys(lists, grid):
    return sorted(t.key for t in lists[grid.pk])


def _patrol(worker, grid, when, checks=(), points=()):
    return services.sync_patrol(worker, {
        "id": str(uuid.uuid4()), "grid": grid.code, "started_at": when.isoformat(),
        "ended_at": (when + dt.timedelta(hours=1)).isoformat(), "points": list(points), "checks": list(checks)})


def test_task_list_from_checklists_and_open_cases(wf):
    t, g, items = wf["t"], wf["grid"], wf["items"]
    worker = t.users["worker_A1a"]
    b1, b2, b3 = wf["buildings"]
    h1 = wf["households"][0]
    day = timezone.localdate()
    lists = tasklist.for_worker(worker, [g], day)
    keys = _keys(lists, g)
    # every building (7-day walk), every household (30-day visit), the weekly report: nothing visited yet
    assert keys == sorted([f"duty:{items['walk'].pk}:b:{b.pk}" for b in wf["buildings"]] +
                          [f"duty:{items['home'].pk}:h:{h.pk}" for h in wf["households"]] +
                          [f"duty:{items['report'].pk}"])
    # b1 checked 3 days ago (within 7), b2 checked 8 days ago (overdue again), h1 visited 10 days ago (within 30)
    now = timezone.now()
    _patrol(worker, g, now - dt.timedelta(days=3), [{"id": str(uuid.uuid4()), "at": (now - dt.timedelta(days=3)).isoformat(),
                                                      "building": b1.pk, "outcome": "nothing"}])
    _patrol(worker, g, now - dt.timedelta(days=8), [{"id": str(uuid.uuid4()), "at": (now - dt.timedelta(days=8)).isoformat(),
                                                      "building": b2.pk, "outcome": "nothing"}])
    _patrol(worker, g, now - dt.timedelta(days=10), [{"id": str(uuid.uuid4()), "at": (now - dt.timedelta(days=10)).isoformat(),
                                                       "household": h1.pk, "outcome": "nothing"}])
    keys = _keys(tasklist.for_worker(worker, [g], day), g)
    assert f"duty:{items['walk'].pk}:b:{b1.pk}" not in keys
    assert f"duty:{items['walk'].pk}:b:{b2.pk}" in keys and f"duty:{items['walk'].pk}:b:{b3.pk}" in keys
    assert f"duty:{items['home'].pk}:h:{h1.pk}" not in keys
    # A household item restricted to a tag lists only tagged households
    items["home"].tag = "elderly_alone"
    items["home"].save()
    keys = _keys(tasklist.for_worker(worker, [g], day), g)
    assert not [k for k in keys if ":h:" in k]
    # An open case of the grid is on the list
    from civicgrid.cases import services as CS
    from civicgrid.cases.models import Category

    case = CS.intake(t.users["staff_A1"], channel="community", category=Category.objects.filter(active=True).first(),
                     description="井盖缺失", region=g)
    lists = tasklist.for_worker(worker, [g], day)
    assert f"case:{case.number}" in _keys(lists, g)
    # Ticking the weekly report: done today, gone for the next six days, back on the seventh
    services.tick(worker, g, f"duty:{items['report'].pk}")
    done = {t.key: t.done for t in tasklist.for_worker(worker, [g], day)[g.pk]}
    assert done[f"duty:{items['report'].pk}"] is True
    assert f"duty:{items['report'].pk}" not in _keys(tasklist.for_worker(worker, [g], day + dt.timedelta(days=3)), g)
    assert f"duty:{items['report'].pk}" in _keys(tasklist.for_worker(worker, [g], day + dt.timedelta(days=7)), g)


def test_a_batch_queryset_gives_the_same_lists_as_rows(wf):
    """The morning batch passes a queryset of grids (a subquery) and reads all occasion items' ticks in
    one query; the lists must equal the per-row call's, with two occasion items of different intervals."""
    from civicgrid.regions.models import Region
    from civicgrid.workforce.models import DutyItem

    t, g, items = wf["t"], wf["grid"], wf["items"]
    worker = t.users["worker_A1a"]
    monthly = DutyItem.objects.create(district=t.district, list="report9", name="矛盾纠纷月报", target="occasion",
                                      interval_days=30)
    day = timezone.localdate()
    # The weekly report ticked 10 days ago is due again; the monthly one ticked 10 days ago is not.
    for key in (f"duty:{items['report'].pk}", f"duty:{monthly.pk}"):
        TaskDone.objects.create(worker=worker, grid=g, key=key, day=day - dt.timedelta(days=10), at=timezone.now())
    batch = Region.objects.filter(level="grid", path__startswith=t.streets["A"].path).order_by("code")
    rows = list(batch)
    as_rows = {gid: [(x.key, x.title, x.detail) for x in tasks] for gid, tasks in tasklist.for_grids(rows, day).items()}
    as_batch = {gid: [(x.key, x.title, x.detail) for x in tasks] for gid, tasks in tasklist.for_grids(batch, day).items()}
    assert as_batch == as_rows and len(as_rows) == len(rows) > 1
    keys = {k for k, _, _ in as_rows[g.pk]}
    assert f"duty:{items['report'].pk}" in keys and f"duty:{monthly.pk}" not in keys


def test_an_extension_source_adds_tasks(wf):
    g = wf["grid"]
    source = lambda grids, day: {grids[0].pk: [tasklist.Task("care:1", "care", "关爱计划：探访独居老人")]}  # noqa: E731
    with mock.patch.dict(tasklist._SOURCES, {"care": source}):
        keys = _keys(tasklist.for_grids([g], timezone.localdate()), g)
    assert "care:1" in keys


def test_offline_upload_is_deduplicated(wf):
    t, g = wf["t"], wf["grid"]
    worker = t.users["worker_A1a"]
    from civicgrid.cases.models import Case, Category

    cat = Category.objects.filter(active=True).first()
    start = timezone.now() - dt.timedelta(hours=1)
    pts = [{"id": str(uuid.uuid4()), "at": (start + dt.timedelta(minutes=i)).isoformat(), "lng": 116.30 + i * 0.001,
            "lat": 39.98} for i in range(4)]
    finding = {"id": str(uuid.uuid4()), "at": start.isoformat(), "building": wf["buildings"][0].pk, "outcome": "case",
               "category": cat.code, "description": "楼道堆放杂物堵塞消防通道"}
    corr = {"id": str(uuid.uuid4()), "at": start.isoformat(), "building": wf["buildings"][1].pk, "outcome": "correction",
            "note": "3号楼实为6层，台账记为5层"}
    payload = {"id": str(uuid.uuid4()), "grid": g.code, "started_at": start.isoformat(), "points": pts[:2], "checks": [finding]}
    first = services.sync_patrol(worker, payload)
    assert first["points_added"] == 2 and first["checks_added"] == 1 and len(first["cases"]) == 1
    # The signal dropped before the answer arrived: the phone sends everything again, plus what came since.
    again = services.sync_patrol(worker, {**payload, "points": pts, "checks": [finding, corr],
                                          "ended_at": timezone.now().isoformat()})
    assert again["points_added"] == 2 and again["checks_added"] == 1 and again["cases"] == []
    assert PatrolPoint.objects.count() == 4 and PatrolCheck.objects.count() == 2
    assert Case.objects.filter(description="楼道堆放杂物堵塞消防通道").count() == 1
    assert Correction.objects.get().text == "3号楼实为6层，台账记为5层"
    assert again["distance_m"] > 200  # three legs of ~85 m each
    # Someone else's upload under the same patrol id is refused
    from civicgrid.workforce.errors import PatrolTaken
    from tests.factories import make_user
    from civicgrid.core import roles as R

    other = make_user("worker_A1a_2", R.GRID_WORKER, g)
    with pytest.raises(PatrolTaken):
        services.sync_patrol(other, payload)


def test_upload_for_a_grid_that_is_not_yours_is_refused(wf):
    t = wf["t"]
    with pytest.raises(PermissionDenied):
        _patrol(t.users["worker_A1a"], t.grids["B1a"], timezone.now() - dt.timedelta(hours=2))


def test_coverage_over_a_month(wf):
    t, g = wf["t"], wf["grid"]
    worker = t.users["worker_A1a"]
    b1, b2, b3 = wf["buildings"]
    h1, h2, h3 = wf["households"]
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)  # last month: all its days are past
    first = month.replace(day=1)
    def check(day, **kw):
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        _patrol(worker, g, when, [{"id": str(uuid.uuid4()), "at": when.isoformat(), "outcome": "nothing", **kw}])
    check(first, building=b1.pk)
    check(first + dt.timedelta(days=10), building=b1.pk)  # the same building twice counts once
    check(first + dt.timedelta(days=12), building=b2.pk)
    check(first + dt.timedelta(days=20), household=h1.pk)
    check(first - dt.timedelta(days=1), building=b3.pk)   # the month before: not this month's coverage
    rows = assessment.coverage([g, t.grids["A1b"]], first, month)
    row = rows[0]
    assert (row["buildings_seen"], row["buildings"], row["households_seen"], row["households"]) == (2, 3, 1, 3)
    assert row["rate"] == pytest.approx(3 / 6)
    assert rows[1]["rate"] is None  # a grid with nothing registered has no rate, not 0 %


def test_day_summary(wf):
    t, g = wf["t"], wf["grid"]
    worker = t.users["worker_A1a"]
    now = timezone.now() - dt.timedelta(minutes=70)
    _patrol(worker, g, now, [{"id": str(uuid.uuid4()), "at": now.isoformat(), "building": wf["buildings"][0].pk,
                              "outcome": "nothing"}])
    s = assessment.day_summary(worker, timezone.localdate(now))
    assert (s["patrols"], s["minutes"], s["checks"], s["nothing"]) == (1, 60, 1, 1)


def test_a_grid_worker_sees_only_their_grids_lists(wf, client):
    t = wf["t"]
    client.force_login(t.users["worker_A1a"])
    resp = client.get("/workforce/")
    body = resp.content.decode()
    assert resp.status_code == 200 and t.grids["A1a"].name in body and t.grids["B1a"].name not in body
    assert "1号楼" in body
    # ticking a task of street B's grid is refused
    resp = client.post("/workforce/tick/", {"grid": t.grids["B1a"].code, "key": "duty:1"})
    assert resp.status_code == 302 and not TaskDone.objects.exists()
    with pytest.raises(PermissionDenied):
        services.tick(t.users["worker_A1a"], t.grids["B1a"], "duty:1")
    # the API answers the worker's own grids only
    from civicgrid.api import services as api_services

    _, raw = api_services.issue_token(t.users["admin"], user=t.users["worker_A1a"], name="测试")
    resp = client.get("/api/v1/workforce/tasks", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [r["grid"] for r in resp.json()] == [t.grids["A1a"].code]
    resp = client.get(f"/api/v1/workforce/tasks?grid={t.grids['B1a'].code}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    # coverage lists only the grids in scope
    body = client.get("/workforce/coverage/").content.decode()
    assert t.grids["A1a"].name in body and t.grids["B1a"].name not in body
