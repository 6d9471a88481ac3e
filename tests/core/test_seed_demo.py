"""The demo district: exact tiling, valid codes, determinism, idempotence, reset, roster seats."""
from __future__ import annotations

import io
import itertools

import pytest
import shapely
from django.contrib.auth import authenticate
from django.core.management import call_command
from shapely.geometry import shape

from civicgrid.core import roles as R
from civicgrid.core.models import AuditEntry, Role, User
from civicgrid.departments.models import Department, DepartmentUnit
from civicgrid.regions import codes, demo, geo, roster
from civicgrid.regions.models import Region

DEMO_USERS = ["demo-grid", "demo-community", "demo-dispatcher", "demo-department", "demo-hotline",
              "demo-commander", "demo-admin"]


@pytest.fixture(scope="module")
def full_layout():
    return demo.build_layout(size="full")


def _assert_tiles(parent: demo.RegionSpec) -> None:
    outer = shape(parent.geometry)
    kids = [shape(k.geometry) for k in parent.children]
    assert kids, parent.name
    for k, spec in zip(kids, parent.children):
        assert k.geom_type == "Polygon" and k.is_valid and not k.interiors, spec.code
    union = shapely.union_all(kids)
    # No gap: the children cover the parent; no overlap: their areas add up to the parent's.
    assert outer.symmetric_difference(union).area < 1e-12, parent.code
    assert abs(sum(k.area for k in kids) - outer.area) < 1e-12, parent.code
    for a, b in itertools.combinations(kids, 2):
        if a.intersects(b):
            assert a.intersection(b).area < 1e-14, parent.code


def test_full_layout_has_the_promised_size_and_tiles_exactly(full_layout):
    district = full_layout.children[0]
    streets = district.children
    communities = [c for s in streets for c in s.children]
    grids = [g for c in communities for g in c.children]
    assert len(streets) == 6
    assert 35 <= len(communities) <= 45
    assert 280 <= len(grids) <= 310
    for node in [district, *streets, *communities]:
        _assert_tiles(node)
    kinds = {g.grid_kind for g in grids}
    assert kinds == {"community", "key_unit", "road"}
    assert sum(g.grid_kind == "community" for g in grids) > 0.9 * len(grids)


def test_full_layout_codes_are_valid_and_numbered_in_order(full_layout):
    def walk(node, parent=None):
        assert codes.code_errors(node.level, node.code, parent.level if parent else None,
                                 parent.code if parent else None) == []
        # Children are numbered 001, 002, … without gaps.
        serial = {codes.STREET: slice(6, 9), codes.COMMUNITY: slice(9, 12), codes.GRID: slice(12, 15)}
        for i, child in enumerate(node.children, start=1):
            if child.level in serial:
                assert int(child.code[serial[child.level]]) == i
            walk(child, node)
    walk(full_layout)
    assert full_layout.code == "990100" and full_layout.children[0].code == "990102"
    # North → south: the first half of a community's grids lies north of the second half on average.
    north_first = 0
    communities = [c for s in full_layout.children[0].children for c in s.children if len(c.children) >= 4]
    for c in communities:
        ys = [shape(g.geometry).centroid.y for g in c.children]
        half = len(ys) // 2
        north_first += sum(ys[:half]) / half > sum(ys[-half:]) / half
    assert north_first == len(communities)


def test_layout_is_deterministic_for_a_seed():
    a = demo.build_layout(seed=7, size="small")
    b = demo.build_layout(seed=7, size="small")
    c = demo.build_layout(seed=8, size="small")
    dump = lambda t: [(n.code, n.name, n.grid_kind, n.geometry) for n in demo.walk(t)]  # noqa: E731
    assert dump(a) == dump(b)
    assert dump(a) != dump(c)


def test_layout_sits_in_wgs84_near_the_planned_frame(full_layout):
    minx, miny, maxx, maxy = shape(full_layout.children[0].geometry).bounds
    assert 116.25 < minx < maxx < 116.47 and 39.83 < miny < maxy < 39.99


def _seed(size="small", **kw) -> str:
    out = io.StringIO()
    call_command("seed-demo", size=size, stdout=out, **kw)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_small_creates_tree_departments_users_and_prints_logins():
    out = _seed()
    district = Region.objects.get(code=demo.DISTRICT_CODE)
    grids = Region.objects.filter(level="grid", path__startswith=district.path)
    assert Region.objects.filter(level="street", parent=district).count() == 2
    assert grids.count() == sum(1 for n in demo.walk(demo.build_layout(size="small")) if n.level == "grid")
    for r in Region.objects.filter(path__startswith="/990100/"):
        assert r.path == r.compute_path()
        assert None not in (r.min_lng, r.max_lat, r.label_lng, r.label_lat)
    assert Department.objects.filter(district=district).count() == len(demo.DEPARTMENTS)
    assert DepartmentUnit.objects.filter(region__level="street", department__code=f"{demo.DISTRICT_CODE}-POL").count() == 2
    for seat in Role.objects.select_related("region", "department_unit", "user"):
        seat.clean()  # every seat sits where its role may sit
    for username in DEMO_USERS:
        assert username in out
        assert authenticate(username=username, password=demo.DEMO_PASSWORD) is not None, username
    assert User.objects.get(username="demo-admin").is_staff
    assert "civicgrid-demo" in out
    # Point lookup sees the new grids at once (bulk_create sends no signals).
    g = grids.order_by("code").last()
    assert geo.grid_at(g.label_lng, g.label_lat).code == g.code
    assert AuditEntry.objects.filter(action="demo.seed").count() == 1


@pytest.mark.django_db
def test_seed_is_idempotent_and_still_prints_logins():
    _seed()
    counts = (Region.objects.count(), User.objects.count(), Role.objects.count(), DepartmentUnit.objects.count())
    out = _seed()
    assert "已存在" in out
    assert all(u in out for u in DEMO_USERS)
    assert (Region.objects.count(), User.objects.count(), Role.objects.count(),
            DepartmentUnit.objects.count()) == counts


@pytest.mark.django_db
def test_reset_removes_demo_data_but_keeps_the_audit_log():
    _seed()
    other = User.objects.create_user("someone-else", password="x-123456789")
    audit_before = AuditEntry.objects.count()
    out = io.StringIO()
    demo_counts = demo.reset()
    assert demo_counts["regions"] > 0
    assert not Region.objects.filter(path__startswith="/990100/").exists()
    assert not User.objects.filter(username__startswith="demo-").exists()
    assert not Department.objects.filter(code__startswith="990102-").exists()
    assert User.objects.filter(pk=other.pk).exists()
    assert AuditEntry.objects.count() == audit_before + 1
    assert AuditEntry.objects.filter(action="demo.seed").exists()
    # And --reset builds it again in one command.
    call_command("seed-demo", size="small", reset=True, stdout=out)
    assert Region.objects.filter(code=demo.DISTRICT_CODE).exists()


@pytest.mark.django_db
def test_full_seed_gives_every_grid_a_roster():
    _seed(size="full")
    grids = list(Region.objects.filter(level="grid").select_related("parent__parent__parent"))
    assert 280 <= len(grids) <= 310
    assert Region.objects.filter(level="community").count() >= 35
    sample = grids[::37]
    for g in sample:
        people = roster.people_for(g)
        titles = [p["title"] for p in people]
        assert "专职网格员" in titles and "网格长" in titles and "社区民警" in titles and "城管队员" in titles, g.code
        assert all(p["phone"].startswith("1390000") for p in people)
    # One public grid worker per grid, all with distinct phones.
    workers = Role.objects.filter(role=R.GRID_WORKER, public=True)
    assert workers.count() == len(grids)
    assert len(set(workers.values_list("user__phone", flat=True))) == len(grids)
