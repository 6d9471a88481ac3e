"""Point-to-grid lookup: interiors, shared edges and vertices, holes, outside, and index rebuilds.

Factory grids (see tests/factories.py), each 0.01° square, codes 110108 + street + community + serial:
    lat 39.92 ┌──────A2a──────┬──────A2b──────┬──────B2a──────┬──────B2b──────┐
    lat 39.91 ├──────A1a──────┼──────A1b──────┼──────B1a──────┼──────B1b──────┤
    lat 39.90 └───────────────┴───────────────┴───────────────┴───────────────┘
           116.00          116.01          116.02          116.03          116.04
"""
import numpy as np
import pytest
import shapely
import shapely.geometry

from civicgrid.regions import geo, services
from civicgrid.regions.geo import GridIndex
from tests.factories import box


@pytest.fixture(autouse=True)
def _fresh_index():
    # The index is process-wide; each test's database is rolled back, so start from a clean slate.
    geo.invalidate()
    yield
    geo.invalidate()


def code_at(lng, lat):
    g = geo.grid_at(lng, lat)
    return g.code if g else None


# ------------------------------------------------------------------------- through the database

def test_interior_points_find_their_grid(territory):
    for key, (lng, lat) in {"A1a": (116.005, 39.905), "A1b": (116.015, 39.905), "A2a": (116.005, 39.915),
                            "B2b": (116.035, 39.915)}.items():
        assert code_at(lng, lat) == territory.grids[key].code


def covered_by_both(point, *grids):
    """The test's premise: the point lies exactly on the stored boundary of every grid named."""
    p = shapely.Point(point)
    return all(shapely.geometry.shape(g.geometry).covers(p) for g in grids)


def test_shared_edge_resolves_to_smallest_code(territory):
    g = territory.grids
    for a, b, point in [("A1a", "A1b", (g["A1a"].max_lng, 39.905)),    # vertical edge
                        ("A1a", "A2a", (116.005, g["A1a"].max_lat)),    # horizontal edge
                        ("A2b", "B2a", (g["B2a"].min_lng, 39.915))]:    # across two streets
        assert covered_by_both(point, g[a], g[b])
        assert g[a].code < g[b].code
        assert code_at(*point) == g[a].code


def test_shared_vertex_of_four_grids_resolves_to_smallest_code(territory):
    g = territory.grids
    for keys in (("A1a", "A1b", "A2a", "A2b"), ("B1a", "B1b", "B2a", "B2b")):
        corner = (g[keys[0]].max_lng, g[keys[0]].max_lat)
        assert covered_by_both(corner, *(g[k] for k in keys))
        assert code_at(*corner) == min(g[k].code for k in keys) == g[keys[0]].code


def test_outer_boundary_is_covered_and_outside_is_none(territory):
    a1a, b2b = territory.grids["A1a"], territory.grids["B2b"]
    assert code_at(a1a.min_lng, a1a.min_lat) == a1a.code  # the district's corners
    assert code_at(b2b.max_lng, b2b.max_lat) == b2b.code
    assert code_at(b2b.max_lng + 1e-7, 39.915) is None
    assert code_at(0, 0) is None


def test_locate_gives_grid_community_street_and_district(territory, django_assert_max_num_queries):
    geo.grid_index()  # build outside the query count
    with django_assert_max_num_queries(1):
        loc = geo.locate(116.035, 39.905)
        assert (loc.grid.code, loc.community.code, loc.street.code, loc.district.code) == (
            territory.grids["B1b"].code, territory.communities["B1"].code, territory.streets["B"].code,
            territory.district.code)
    assert geo.locate(10, 10) is None


def test_hole_is_not_covered_until_a_grid_fills_it(territory):
    admin = territory.users["admin"]
    a1a = territory.grids["A1a"]
    hole = [[116.004, 39.904], [116.006, 39.904], [116.006, 39.906], [116.004, 39.906], [116.004, 39.904]]
    shell = box(116.00, 39.90, 116.01, 39.91)["coordinates"][0]
    services.update_region(admin, a1a, geometry={"type": "Polygon", "coordinates": [shell, hole]})
    assert code_at(116.005, 39.905) is None                 # inside the hole
    assert code_at(116.003, 39.905) == a1a.code             # in the ring around it
    assert code_at(116.004, 39.905) == a1a.code             # on the hole's edge: the boundary covers
    filler = services.create_region(admin, code=a1a.parent.code + "009", name="洞里的网格", level="grid",
                                    parent=a1a.parent, grid_kind="key_unit",
                                    geometry={"type": "Polygon", "coordinates": [hole]})
    assert code_at(116.005, 39.905) == filler.code
    assert code_at(116.004, 39.905) == a1a.code             # shared hole edge: smaller code wins


def test_index_is_rebuilt_when_grids_change_through_services(territory):
    admin = territory.users["admin"]
    a1b = territory.grids["A1b"]
    assert code_at(116.015, 39.905) == a1b.code
    before = geo.grid_index()

    # Changed: A1b shrinks to its western half.
    services.update_region(admin, a1b, geometry=box(116.01, 39.90, 116.015, 39.91))
    assert geo.grid_index() is not before
    assert code_at(116.0175, 39.905) is None
    assert code_at(116.012, 39.905) == a1b.code

    # Added: a new grid in the freed half.
    new = services.create_region(admin, code=a1b.parent.code + "003", name="新网格", level="grid",
                                 parent=a1b.parent, grid_kind="road", geometry=box(116.015, 39.90, 116.02, 39.91))
    assert code_at(116.0175, 39.905) == new.code

    # Deleted: the point is uncovered again.
    services.delete_region(admin, new)
    assert code_at(116.0175, 39.905) is None


def test_index_notices_writes_from_another_process(territory, monkeypatch):
    from civicgrid.regions.models import Region

    assert code_at(116.015, 39.905) == territory.grids["A1b"].code
    # A queryset update fires no signal: the way another process's write looks from here.
    Region.objects.filter(pk=territory.grids["A1b"].pk).update(
        geometry=box(116.01, 39.90, 116.011, 39.91), updated_at=territory.grids["A1b"].updated_at.replace(year=2099))
    assert code_at(116.015, 39.905) == territory.grids["A1b"].code  # cached until the recheck
    monkeypatch.setattr(geo, "RECHECK_SECONDS", 0.0)
    assert code_at(116.015, 39.905) is None


def test_delete_refuses_a_region_with_children(territory):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.delete_region(territory.users["admin"], territory.communities["A1"])


# ------------------------------------------------------------------------- the index by itself

def square(x, y, s=1.0):
    return box(x, y, x + s, y + s)


def test_insertion_order_does_not_change_boundary_answers():
    rows = [(1, "003", square(0, 0)), (2, "001", square(1, 0)), (3, "002", square(0, 1)), (4, "004", square(1, 1))]
    for ordering in (rows, rows[::-1], rows[1:] + rows[:1]):
        idx = GridIndex.build(ordering)
        assert idx.lookup(1.0, 1.0) == 2   # all four share this vertex; code "001" is pk 2
        assert idx.lookup(1.0, 0.5) == 2   # edge between 003 and 001
        assert idx.lookup(0.5, 1.0) == 3   # edge between 003 and 002
        assert idx.lookup(0.5, 0.5) == 1


def test_multipolygon_and_hole_in_index():
    ring = [[0, 0], [3, 0], [3, 3], [0, 3], [0, 0]]
    hole = [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]
    multi = {"type": "MultiPolygon", "coordinates": [[ring, hole], [box(5, 5, 6, 6)["coordinates"][0]]]}
    idx = GridIndex.build([(7, "100", multi)])
    assert idx.lookup(0.5, 0.5) == 7
    assert idx.lookup(1.5, 1.5) is None
    assert idx.lookup(5.5, 5.5) == 7
    assert idx.lookup(4, 4) is None


def test_lookup_many_agrees_with_lookup_on_random_and_boundary_points():
    rows = []
    pk = 0
    for i in range(10):
        for j in range(10):
            pk += 1
            rows.append((pk, f"{(i * 10 + j) * 7 % 101:03d}", square(i, j)))  # codes not in grid order
    idx = GridIndex.build(rows)
    rng = np.random.default_rng(5)
    xs = np.concatenate([rng.uniform(-1, 11, 2000), np.repeat(np.arange(0, 11), 11).astype(float)])
    ys = np.concatenate([rng.uniform(-1, 11, 2000), np.tile(np.arange(0, 11), 11).astype(float)])
    many = idx.lookup_many(xs, ys)
    one = np.array([idx.lookup(x, y) or -1 for x, y in zip(xs, ys)])
    assert (many == one).all()
    assert (many[(xs > 10) | (ys > 10) | (xs < 0) | (ys < 0)] == -1).all()
    assert (many[(xs >= 0) & (xs <= 10) & (ys >= 0) & (ys <= 10)] > 0).all()


def test_empty_index_answers_none():
    idx = GridIndex.build([])
    assert idx.lookup(1, 1) is None
    assert (idx.lookup_many([1.0], [1.0]) == -1).all()


def test_invalid_stored_polygon_is_repaired_not_fatal():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    idx = GridIndex.build([(1, "001", bowtie)])
    assert idx.lookup(0.5, 1.0) == 1
    assert idx.lookup(1.0, 1.5) is None  # between the two lobes
    assert isinstance(idx.geoms[0], shapely.Geometry) and idx.geoms[0].is_valid
