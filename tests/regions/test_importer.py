"""GeoJSON import: what it writes, and that every kind of bad input is reported per feature and
leaves the database exactly as it was."""
import random

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.models import AuditEntry
from civicgrid.regions import exporter
from civicgrid.regions.importer import area_m2, import_geojson
from civicgrid.regions.models import Region
from tests.factories import box, make_user
from tests.regions.geojson import C, as_bytes, collection, db_state, feature, new_community_fc


def codes_in(region_code_prefix):
    return set(Region.objects.filter(code__startswith=region_code_prefix).values_list("code", flat=True))


# ------------------------------------------------------------------------------------ success

def test_import_creates_a_subtree_whatever_the_order_and_audits_once(territory):
    admin = territory.users["admin"]
    fc = new_community_fc()
    random.Random(3).shuffle(fc["features"])
    fc["features"].reverse()  # grids first, community last
    audits = AuditEntry.objects.count()
    report = import_geojson(admin, as_bytes(fc))
    assert report.ok and report.committed, report.as_dict()
    assert report.counts == {"features": 3, "created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    comm = Region.objects.get(code=C)
    assert comm.parent == territory.streets["A"] and comm.level == "community"
    assert comm.path == "/110100/110108/110108001000/110108001003/"
    grids = {g.code: g for g in comm.children.all()}
    assert set(grids) == {C + "001", C + "002"}
    assert grids[C + "002"].grid_kind == "road"
    assert grids[C + "001"].path.endswith(f"/{C}/{C}001/")
    assert (grids[C + "001"].min_lng, grids[C + "001"].max_lng) == pytest.approx((116.04, 116.05))
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "region.import" and entry.actor == admin
    assert entry.detail["created"] == 3 and entry.detail["features"] == 3


def test_chinese_labels_for_level_and_kind_are_accepted(territory):
    fc = collection(
        feature(C, "新建社区", "社区", "110108001000", box(116.04, 39.90, 116.05, 39.91)),
        feature(C + "001", "重点单位", "网格", C, box(116.04, 39.90, 116.05, 39.91), "重点单位网格"),
    )
    report = import_geojson(territory.users["admin"], fc)
    assert report.ok, report.as_dict()
    assert Region.objects.get(code=C + "001").grid_kind == "key_unit"


def test_dry_run_checks_everything_and_writes_nothing(territory):
    before = db_state()
    report = import_geojson(territory.users["admin"], new_community_fc(), dry_run=True)
    assert report.ok and not report.committed
    assert report.counts["created"] == 3
    assert "试运行通过" in report.summary()
    assert db_state() == before


def test_existing_code_same_parent_updates_and_null_geometry_keeps_boundary(territory):
    a1a = territory.grids["A1a"]
    old_geometry = Region.objects.get(pk=a1a.pk).geometry
    fc = collection(
        feature(a1a.code, "改名的网格", "grid", a1a.parent.code, None),            # rename only
        feature(territory.grids["A1b"].code, territory.grids["A1b"].name, "grid",  # unchanged
                territory.communities["A1"].code, box(116.01, 39.90, 116.02, 39.91), "community"),
    )
    report = import_geojson(territory.users["admin"], fc)
    assert report.ok, report.as_dict()
    assert [f.action for f in report.features] == ["update", "unchanged"]
    a1a.refresh_from_db()
    assert a1a.name == "改名的网格"
    assert a1a.geometry == old_geometry and a1a.grid_kind == "community"


def test_moving_a_shared_boundary_between_two_grids_is_an_update(territory):
    comm = territory.communities["A1"]
    fc = collection(
        feature(territory.grids["A1a"].code, "西", "grid", comm.code, box(116.00, 39.90, 116.008, 39.91), "community"),
        feature(territory.grids["A1b"].code, "东", "grid", comm.code, box(116.008, 39.90, 116.02, 39.91), "community"),
    )
    report = import_geojson(territory.users["admin"], fc)
    assert report.ok, report.as_dict()
    assert Region.objects.get(code=territory.grids["A1a"].code).max_lng == pytest.approx(116.008)


def test_export_round_trips_through_import_as_a_no_op(territory):
    admin = territory.users["admin"]
    data = exporter.export_bytes(admin, territory.district)
    before = db_state()
    report = import_geojson(admin, data)
    assert report.ok, report.as_dict()
    assert report.counts["unchanged"] == report.counts["features"] == 1 + 2 + 4 + 8
    assert db_state()[0] == before[0]  # no row touched (only the import's audit entry is new)


def test_overlap_and_gap_within_tolerance_are_accepted(territory, settings):
    # A sliver about 0.1 m wide x 1.1 km long ≈ 95 m² between the grids: refused at 1 m², accepted at 200 m².
    sliver = 0.000001
    grids = [
        feature(C + "001", "西", "grid", C, box(116.04, 39.90, 116.05 - sliver, 39.91), "community"),
        feature(C + "002", "东", "grid", C, box(116.05, 39.90, 116.06, 39.91), "community"),
    ]
    refused = import_geojson(territory.users["admin"], new_community_fc(grids=grids))
    assert not refused.ok
    assert "未被任何网格覆盖" in " ".join(refused.features[0].errors)
    settings.GRID_TILING_TOLERANCE_M2 = 200.0
    accepted = import_geojson(territory.users["admin"], new_community_fc(grids=grids))
    assert accepted.ok, accepted.as_dict()


def test_area_approximation_matches_a_known_square():
    # 0.01° x 0.01° at 39.9°N: 853.7 m (lng) x 1110.6 m (lat) on the WGS-84 ellipsoid.
    assert area_m2(__import__("shapely").box(116.0, 39.9, 116.01, 39.91), 39.905) == pytest.approx(948_150, rel=2e-3)


# ------------------------------------------------------------------- bad input, one kind each

def _grids(*grid_features):
    return new_community_fc(grids=list(grid_features))


GOOD_1 = feature(C + "001", "第1网格", "grid", C, box(116.04, 39.90, 116.05, 39.91), "community")
GOOD_2 = feature(C + "002", "第2网格", "grid", C, box(116.05, 39.90, 116.06, 39.91), "community")
BOWTIE = {"type": "Polygon", "coordinates": [[[116.05, 39.90], [116.06, 39.91], [116.06, 39.90],
                                              [116.05, 39.91], [116.05, 39.90]]]}

BAD_CASES = {
    # name: (feature collection, index of the bad feature, expected code, message fragment)
    "self_intersecting": (_grids(GOOD_1, feature(C + "002", "自相交", "grid", C, BOWTIE, "community")),
                          2, C + "002", "自相交"),
    "point_geometry": (_grids(GOOD_1, feature(C + "002", "点", "grid", C, {"type": "Point", "coordinates": [116.05, 39.9]},
                                              "community")), 2, C + "002", "Polygon 或 MultiPolygon"),
    "out_of_range": (_grids(GOOD_1, feature(C + "002", "写反", "grid", C, box(39.90, 116.05, 39.91, 116.06), "community")),
                     2, C + "002", "WGS-84"),
    "garbage_coordinates": (_grids(GOOD_1, feature(C + "002", "乱码", "grid", C, {"type": "Polygon", "coordinates": "x"},
                                                   "community")), 2, C + "002", "坐标格式错误"),
    "unknown_parent": (_grids(GOOD_1, GOOD_2, feature("110108001009001", "孤儿", "grid", "110108001009",
                                                      box(116.05, 39.90, 116.06, 39.91), "community")),
                       3, "110108001009001", "不存在"),
    "duplicate_in_file": (_grids(GOOD_1, GOOD_2, feature(C + "002", "重复", "grid", C, None, "community")),
                          3, C + "002", "与第 3 个要素重复"),
    "existing_code_other_parent": (_grids(GOOD_1, GOOD_2, feature("110108001001001", "搬家", "grid", C, None, "community")),
                                   3, "110108001001001", "不能把区域移到其他上级"),
    "existing_code_other_level": (collection(feature("110108001001", "降级", "street", "110108", None)),
                                  0, "110108001001", "层级不能改变"),
    "code_prefix_not_parent": (_grids(GOOD_1, feature("110108001004002", "前缀错", "grid", C, box(116.05, 39.90, 116.06, 39.91),
                                                      "community")), 2, "110108001004002", "前 12 位应等于所属社区编码"),
    "code_wrong_length": (_grids(GOOD_1, feature(C + "02", "短", "grid", C, box(116.05, 39.90, 116.06, 39.91), "community")),
                          2, C + "02", "应为 15 位数字"),
    "overlap": (_grids(GOOD_1, feature(C + "002", "越界", "grid", C, box(116.045, 39.90, 116.06, 39.91), "community")),
                2, C + "002", "重叠约"),
    "gap": (_grids(GOOD_1, feature(C + "002", "缺角", "grid", C, box(116.05, 39.90, 116.06, 39.905), "community")),
            0, C, "未被任何网格覆盖"),
    "outside_community": (_grids(GOOD_1, feature(C + "002", "出界", "grid", C, box(116.05, 39.90, 116.07, 39.91), "community")),
                          2, C + "002", "超出所属社区"),
    "overlap_with_existing_grid": (collection(feature("110108001001003", "压线", "grid", "110108001001",
                                                      box(116.005, 39.90, 116.015, 39.91), "community")),
                                   0, "110108001001003", "系统中已有"),
    "unknown_level": (_grids(GOOD_1, GOOD_2, feature("110108001005", "小区", "小区", "110108001000", None)),
                      3, "110108001005", "层级“小区”无法识别"),
    "unknown_kind": (_grids(GOOD_1, feature(C + "002", "类型错", "grid", C, box(116.05, 39.90, 116.06, 39.91), "楼宇网格")),
                     2, C + "002", "网格类型“楼宇网格”无法识别"),
    "grid_without_kind": (_grids(GOOD_1, feature(C + "002", "无类型", "grid", C, box(116.05, 39.90, 116.06, 39.91))),
                          2, C + "002", "网格必须指定类型"),
    "missing_name": (_grids(GOOD_1, feature(C + "002", "", "grid", C, box(116.05, 39.90, 116.06, 39.91), "community")),
                     2, C + "002", "缺少名称"),
    "missing_code": (_grids(GOOD_1, GOOD_2, feature(None, "无编码", "community", "110108001000", None)),
                     3, "", "缺少编码"),
    "not_a_feature": (collection(feature(C, "社区", "community", "110108001000", None), ["not", "a", "feature"]),
                      1, "", "不是 GeoJSON Feature"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_reported_per_feature_and_changes_nothing(territory, case):
    fc, bad_index, bad_code, fragment = BAD_CASES[case]
    before = db_state()
    report = import_geojson(territory.users["admin"], as_bytes(fc))
    assert not report.ok and not report.committed
    bad = report.features[bad_index]
    assert bad.index == bad_index and bad.code == bad_code
    assert any(fragment in e for e in bad.errors), (case, bad.errors)
    # The good features are not written either: the whole file is refused.
    assert db_state() == before
    assert all(f.action == "" for f in report.failed_features)
    assert "没有任何改变" in report.summary()


def test_children_of_a_bad_parent_say_so(territory):
    fc = new_community_fc()
    fc["features"][0]["properties"]["code"] = "110108002003"  # community under the wrong street
    fc["features"][1]["properties"]["parent_code"] = "110108002003"
    report = import_geojson(territory.users["admin"], fc)
    assert any("前 9 位" in e for e in report.features[0].errors)
    assert any("第 1 个要素）有错误" in e for e in report.features[1].errors)


@pytest.mark.parametrize("data,fragment", [
    (b"{not json", "不是有效的 JSON"),
    (b'{"type": "Feature", "properties": {}}', "必须是 GeoJSON FeatureCollection"),
    (b'[1, 2]', "必须是 GeoJSON FeatureCollection"),
    (b'{"type": "FeatureCollection", "features": []}', "没有任何要素"),
    (b'{"type": "FeatureCollection"}', "缺少 features"),
    ("{}".encode("utf-16"), "UTF-8"),
])
def test_bad_file_is_refused_with_a_file_level_message(territory, data, fragment):
    before = db_state()
    report = import_geojson(territory.users["admin"], data)
    assert not report.ok and report.features == []
    assert any(fragment in e for e in report.file_errors), report.file_errors
    assert db_state() == before


def test_bom_and_numeric_codes_are_tolerated(territory):
    fc = new_community_fc()
    fc["features"][0]["properties"]["code"] = int(C)
    report = import_geojson(territory.users["admin"], b"\xef\xbb\xbf" + as_bytes(fc))
    assert report.ok, report.as_dict()


# --------------------------------------------------------------------------------- permission

def test_only_system_admins_may_import(territory):
    for who in ("dispatcher_A", "commander", "worker_A1a"):
        with pytest.raises(PermissionDenied):
            import_geojson(territory.users[who], new_community_fc(), dry_run=True)
    with pytest.raises(PermissionDenied):
        import_geojson(None, new_community_fc(), dry_run=True)


def test_admin_cannot_import_outside_jurisdiction(territory):
    admin = territory.users["admin"]  # system admin of district 110108
    before = db_state()
    fc = collection(
        feature("110109", "邻区", "district", "110100", None),
        feature("110200", "另一个市", "city", None, None),
        feature("110100", "改名的市", "city", None, None),
    )
    report = import_geojson(admin, fc)
    assert "不在您的管辖范围" in " ".join(report.features[0].errors)
    assert "超级管理员" in " ".join(report.features[1].errors)
    assert "管辖范围之外" in " ".join(report.features[2].errors)
    assert db_state() == before


def test_superuser_may_create_a_new_root(territory):
    root = make_user("root")
    root.is_superuser = True
    root.save()
    fc = collection(feature("120100", "天津市", "市", None, None), feature("120101", "和平区", "区", "120100", None))
    report = import_geojson(root, fc)
    assert report.ok and report.counts["created"] == 2, report.as_dict()
    assert Region.objects.get(code="120101").path == "/120100/120101/"
