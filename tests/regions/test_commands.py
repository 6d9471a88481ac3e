"""`civicgrid import-regions` and `export-regions`."""
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.models import AuditEntry
from civicgrid.regions.models import Region
from tests.factories import make_user
from tests.regions.geojson import C, as_bytes, db_state, new_community_fc


@pytest.fixture
def superuser(db):
    u = make_user("root")
    u.is_superuser = True
    u.save()
    return u


def test_import_as_named_admin_writes_and_audits(territory, tmp_path, capsys):
    path = tmp_path / "c.geojson"
    path.write_bytes(as_bytes(new_community_fc()))
    call_command("import-regions", str(path), "--as", "admin")
    assert "导入成功" in capsys.readouterr().out
    assert Region.objects.filter(code__startswith=C).count() == 3
    assert AuditEntry.objects.filter(action="region.import").latest("pk").actor == territory.users["admin"]


def test_import_defaults_to_the_superuser_and_dry_run_writes_nothing(territory, superuser, tmp_path, capsys):
    path = tmp_path / "c.geojson"
    path.write_bytes(as_bytes(new_community_fc()))
    before = db_state()
    call_command("import-regions", str(path), "--dry-run")
    assert "试运行通过" in capsys.readouterr().out
    assert db_state() == before


def test_failing_import_exits_with_error_lists_features_and_changes_nothing(territory, tmp_path, capsys):
    fc = new_community_fc()
    fc["features"][2]["properties"]["parent_code"] = "110108009009"
    path = tmp_path / "bad.geojson"
    path.write_bytes(as_bytes(fc))
    before = db_state()
    with pytest.raises(CommandError, match="没有任何改变"):
        call_command("import-regions", str(path), "--as", "admin")
    err = capsys.readouterr().err
    assert "第 3 个要素（110108001003002）" in err and "110108009009" in err
    assert db_state() == before


def test_import_refuses_non_admin_and_missing_actor(territory, tmp_path):
    path = tmp_path / "c.geojson"
    path.write_bytes(as_bytes(new_community_fc()))
    with pytest.raises(CommandError, match="系统管理员"):
        call_command("import-regions", str(path), "--as", "dispatcher_A")
    with pytest.raises(CommandError, match="超级管理员"):
        call_command("import-regions", str(path))  # the territory has no superuser
    with pytest.raises(CommandError, match="不存在"):
        call_command("import-regions", str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import-regions", str(tmp_path / "missing.geojson"), "--as", "admin")


def test_export_then_import_round_trip(territory, superuser, tmp_path, capsys):
    out = tmp_path / "all.geojson"
    call_command("export-regions", "-o", str(out))
    fc = json.loads(out.read_bytes())
    assert len(fc["features"]) == Region.objects.count()
    call_command("import-regions", str(out), "--json")
    report = json.loads(capsys.readouterr().out.split("导入成功")[0])
    assert report["ok"] and report["counts"]["unchanged"] == Region.objects.count()


def test_export_subtree_to_stdout(territory, capsys):
    call_command("export-regions", "--root", territory.streets["B"].code, "--as", "admin")
    fc = json.loads(capsys.readouterr().out)
    assert {f["properties"]["code"][:9] for f in fc["features"]} == {"110108002"}
    with pytest.raises(CommandError):
        call_command("export-regions", "--root", territory.streets["A"].code, "--as", "dispatcher_B")
