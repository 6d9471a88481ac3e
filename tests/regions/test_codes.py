"""Region codes: GB/T 2260 divisions, 12-digit statistical codes, 15-digit unit-grid codes."""
import pytest
from django.core.exceptions import ValidationError

from civicgrid.regions import codes, services
from civicgrid.regions.models import Region


@pytest.mark.parametrize("level,code,parent_level,parent_code", [
    ("city", "110100", None, None),
    ("district", "110108", "city", "110100"),
    ("street", "110108001000", "district", "110108"),
    ("street", "110108100000", "district", "110108"),  # a town (镇) 100–199
    ("community", "110108001001", "street", "110108001000"),
    ("community", "110108100201", "street", "110108100000"),  # a village (村) 200–399
    ("grid", "110108001001001", "community", "110108001001"),
    ("grid", "110108001001999", "community", "110108001001"),
])
def test_valid_codes_have_no_errors(level, code, parent_level, parent_code):
    assert codes.code_errors(level, code, parent_level, parent_code) == []
    codes.validate_code(level, code, parent_level, parent_code)  # does not raise


@pytest.mark.parametrize("level,code,parent_level,parent_code,fragment", [
    ("city", "", None, None, "不能为空"),
    ("city", "11010", None, None, "应为 6 位数字，收到 5 位"),
    ("city", "1101000", None, None, "应为 6 位数字，收到 7 位"),
    ("city", "11O100", None, None, "只能由数字组成"),            # letter O
    ("city", "１１０１００", None, None, "只能由数字组成"),       # full-width digits
    ("city", "110000", None, None, "XXXX00"),                    # a province, not a city
    ("city", "110101", None, None, "XXXX00"),
    ("city", "110100", "city", "110100", "不能有上级"),
    ("district", "110108", None, None, "上级必须是市"),
    ("district", "120108", "city", "110100", "前 4 位应与所属市编码"),
    ("district", "110100", "city", "110100", "后两位不能为 00"),
    ("street", "110108001", "district", "110108", "应为 12 位数字"),
    ("street", "110109001000", "district", "110108", "前 6 位应等于所属区编码"),
    ("street", "110108000000", "district", "110108", "街道序号）不能为 000"),
    ("street", "110108001001", "district", "110108", "后 3 位应为 000"),
    ("street", "110108001000", "city", "110100", "上级必须是区"),
    ("community", "110108002001", "street", "110108001000", "前 9 位应与所属街道编码"),
    ("community", "110108001000", "street", "110108001000", "社区序号）不能为 000"),
    ("community", "110108001001", "district", "110108", "上级必须是街道/镇"),
    ("grid", "110108001001", "community", "110108001001", "应为 15 位数字"),
    ("grid", "110108001002001", "community", "110108001001", "前 12 位应等于所属社区编码"),
    ("grid", "110108001001000", "community", "110108001001", "网格序号）不能为 000"),
    ("grid", "110108001001001", "street", "110108001000", "上级必须是社区/村"),
    ("province", "110000", None, None, "未知的层级"),
])
def test_invalid_codes_name_the_rule_broken(level, code, parent_level, parent_code, fragment):
    errors = codes.code_errors(level, code, parent_level, parent_code)
    assert errors, "expected at least one error"
    assert any(fragment in e for e in errors), errors
    with pytest.raises(ValidationError) as exc:
        codes.validate_code(level, code, parent_level, parent_code)
    assert any(fragment in m for m in exc.value.message_dict["code"])


def test_several_rules_broken_are_all_reported():
    errors = codes.code_errors("street", "110109000001", "district", "110108")
    assert len(errors) == 3  # wrong district prefix, street serial 000, suffix not 000


def test_create_region_refuses_bad_code_and_saves_nothing(territory):
    admin = territory.users["admin"]
    street = territory.streets["A"]
    before = Region.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_region(admin, code="110108002009", name="错社区", level="community", parent=street)
    assert "前 9 位应与所属街道编码" in " ".join(exc.value.message_dict["code"])
    with pytest.raises(ValidationError) as exc:
        services.create_region(admin, code="110108001001001", name="重复网格", level="grid",
                               parent=territory.communities["A1"], grid_kind="community")
    assert "已被" in " ".join(exc.value.message_dict["code"])
    assert Region.objects.count() == before


def test_create_region_accepts_good_code_and_computes_path(territory):
    admin = territory.users["admin"]
    r = services.create_region(admin, code="110108001009", name="新社区", level="community",
                               parent=territory.streets["A"])
    assert r.path == "/110100/110108/110108001000/110108001009/"
