"""Identity numbers, encryption at rest, masking, reveal, capabilities, tags, scoping of services."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from hypothesis import given, settings as hsettings, strategies as st

from civicgrid.core.models import AuditEntry
from civicgrid.people import capabilities as C
from civicgrid.people import idnumbers, selectors, services
from civicgrid.people.models import Person, PersonTag, TagEvent

from .conftest import ident


# ---------------------------------------------------------------- check digit

def test_check_digit_known_numbers():
    # The example number of GB 11643 and a number whose check character is X.
    assert idnumbers.is_valid("11010519491231002X")
    assert idnumbers.check_char("11010519491231002") == "X"
    assert idnumbers.is_valid("440524198801010011")  # hand-checked: sum 220, 220 mod 11 = 0 → "1"
    assert not idnumbers.is_valid("110105194912310021")


@pytest.mark.parametrize("value,reason", [
    ("110105194912310021", "校验位错误"),
    ("11010519491331002X", "出生日期不存在"),
    ("11010530001231002X", "出生日期不可能"),
    ("110105491231002", "15位"),
    ("1101051949123100", "应为18位"),
    ("A1010519491231002X", "格式不正确"),
])
def test_check_digit_rejections_name_their_reason(value, reason):
    with pytest.raises(idnumbers.InvalidIdNumber, match=reason):
        idnumbers.parse(value)


@hsettings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=999), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 1, 1)),
       st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_breaks_the_check(seq, birth, pos, delta):
    good = idnumbers.make("110108", birth, seq)
    assert idnumbers.is_valid(good)
    digits = list(good)
    digits[pos] = str((int(digits[pos]) + delta) % 10)
    bad = "".join(digits)
    # MOD 11-2 detects every single-digit substitution (the result may also fail on the date).
    assert not idnumbers.is_valid(bad)


def test_parse_derives_birth_and_sex():
    number, birth, sex = idnumbers.parse("11010519491231002X")
    assert birth == dt.date(1949, 12, 31) and sex == "F"


# ---------------------------------------------------------------- encryption at rest

def _raw(table, column, pk):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cur.fetchone()[0]


def test_database_holds_no_plaintext_identity_or_phone(homes):
    p = homes["p_a"]
    raw_id, raw_phone = _raw("people_person", "id_number", p.pk), _raw("people_person", "phone", p.pk)
    assert raw_id.startswith("enc1:") and raw_phone.startswith("enc1:")
    assert p.id_number not in raw_id and "13812345678" not in raw_phone
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_person WHERE id = %s", [p.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    assert p.id_number not in row and "13812345678" not in row and "12345678" not in row
    # The suffix column keeps the last four digits only.
    assert _raw("people_person", "phone_suffix", p.pk) == "5678"
    fresh = Person.objects.get(pk=p.pk)
    assert fresh.id_number == ident(11) and fresh.phone == "13812345678"


def test_lookup_by_keyed_hash_finds_exact_identity(homes):
    staff = homes["t"].users["staff_A1"]
    assert list(selectors.search_people(staff, ident(11))) == [homes["p_a"]]
    assert list(selectors.search_people(staff, "13812345678")) == [homes["p_a"]]
    assert list(selectors.search_people(staff, "5678")) == [homes["p_a"]]


def test_duplicate_identity_refused(homes):
    staff = homes["t"].users["staff_A1"]
    with pytest.raises(ValidationError, match="已在登记库中"):
        services.create_person(staff, {"name": "张三", "id_number": ident(11)}, room=homes["r_a"])
    # Even from another community's clerk: one person, one record — but that clerk is not told the
    # number is registered elsewhere (an existence oracle); the attempt is audited.
    with pytest.raises(ValidationError) as exc:
        services.create_person(homes["t"].users["staff_B1"], {"name": "张三", "id_number": ident(11)},
                               room=homes["r_b"])
    assert exc.value.messages == ["该证件号码不能使用，请核对后重新填写；如确认无误，请联系上级管理员核实"]
    entry = AuditEntry.objects.get(action="person.id_conflict")
    assert entry.actor == homes["t"].users["staff_B1"] and entry.detail["where"] == "create"
    assert ident(11) not in str(entry.detail) and entry.detail["id"].endswith(ident(11)[-4:])


def test_editing_with_another_streets_id_number_is_no_existence_oracle(homes):
    """Issue 11 item 12: street B's clerk edits a B resident to carry an A resident's number."""
    staff_b = homes["t"].users["staff_B1"]
    other = services.create_person(staff_b, {"name": "李四", "id_number": ident(77)}, room=homes["r_b"])
    with pytest.raises(ValidationError) as exc:
        services.update_person(staff_b, other, {"id_number": ident(11)})
    text = "；".join(exc.value.messages)
    assert "登记库" not in text and "不能使用" in text
    entry = AuditEntry.objects.get(action="person.id_conflict")
    assert entry.actor == staff_b and entry.object_id == str(other.pk) and entry.detail["where"] == "update"
    other.refresh_from_db()
    assert other.id_number == ident(77)  # nothing changed
    # Inside one's own scope the plain answer stays: the clerk can find that record.
    with pytest.raises(ValidationError, match="已在登记库中"):
        services.update_person(homes["t"].users["staff_A1"], homes["p_a"], {"id_number": ident(11)}) \
            if homes["p_a"].id_number != ident(11) else services.create_person(
                homes["t"].users["staff_A1"], {"name": "重复", "id_number": ident(11)}, room=homes["r_a"])


def test_birth_date_and_sex_inconsistent_with_identity_rejected(homes):
    staff = homes["t"].users["staff_A1"]
    with pytest.raises(ValidationError, match="出生日期与身份证号不一致"):
        services.create_person(staff, {"name": "王五", "id_number": ident(33), "birth_date": "1990-01-01"},
                               room=homes["r_a"])
    with pytest.raises(ValidationError, match="不可能"):
        services.create_person(staff, {"name": "王五", "id_type": "护照", "id_number": "E12345678",
                                       "birth_date": "2999-01-01"}, room=homes["r_a"])
    assert not Person.objects.filter(name="王五").exists()


# ---------------------------------------------------------------- masking and reveal

def test_masks():
    from civicgrid.core.crypto import mask_id_number, mask_phone

    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"


def test_reveal_requires_reason_and_is_audited(homes):
    staff, p = homes["t"].users["staff_A1"], homes["p_a"]
    with pytest.raises(ValidationError, match="事由"):
        services.reveal(staff, p, "id_number", " 看 ")
    assert not AuditEntry.objects.filter(action="person.reveal").exists()
    value = services.reveal(staff, p, "id_number", "核实低保申请材料")
    assert value == ident(11)
    entry = AuditEntry.objects.get(action="person.reveal")
    assert entry.actor == staff and entry.reason == "核实低保申请材料"
    assert entry.detail == {"fields": ["id_number"]} and entry.object_id == str(p.pk)
    assert ident(11) not in str(entry.detail) + entry.object_repr + entry.reason
    assert "张建国" not in entry.object_repr  # the audit log keeps a masked label


def test_reveal_refused_without_capability_or_out_of_scope(homes):
    t, p = homes["t"], homes["p_a"]
    with pytest.raises(PermissionDenied):
        services.reveal(t.users["dispatcher_A"], p, "phone", "核实来电人身份")  # in scope, no capability
    with pytest.raises(PermissionDenied):
        services.reveal(t.users["staff_B1"], p, "phone", "核实来电人身份")  # capability, out of scope
    assert not AuditEntry.objects.filter(action="person.reveal").exists()


def test_grant_gives_capability_and_is_audited(homes):
    t = homes["t"]
    dispatcher = t.users["dispatcher_A"]
    with pytest.raises(PermissionDenied):
        services.grant_capability(t.users["staff_A1"], dispatcher, C.REVEAL, "工作需要核实")
    # A personal-data capability: a system administrator may not grant it, a superuser may.
    with pytest.raises(PermissionDenied, match="只有超级管理员"):
        services.grant_capability(t.users["admin"], dispatcher, C.REVEAL, "街道核查专班")
    from tests.factories import make_superuser

    services.grant_capability(make_superuser(), dispatcher, C.REVEAL, "街道核查专班")
    from civicgrid.core.models import User

    fresh = User.objects.get(pk=dispatcher.pk)
    assert services.reveal(fresh, homes["p_a"], "phone", "专班核实电话") == "13812345678"
    assert AuditEntry.objects.filter(action="people.grant").count() == 1


# ---------------------------------------------------------------- tags

def test_tags_keep_history(homes):
    t, p = homes["t"], homes["p_a"]
    staff, worker = t.users["staff_A1"], t.users["worker_A1a"]
    tag = services.add_tag(staff, p, "elderly_alone", start=dt.date(2024, 1, 1), reason="子女在外地", worker=worker)
    services.change_tag(staff, tag, reason="子女在外地，独居", worker=staff)
    with pytest.raises(ValidationError, match="未结束"):
        services.add_tag(staff, p, "elderly_alone")
    services.end_tag(staff, tag, end=dt.date(2025, 3, 1), reason="随子女迁居")
    events = list(TagEvent.objects.filter(tag=tag).order_by("at", "id"))
    assert [e.action for e in events] == ["add", "change", "end"]
    assert events[0].data["worker"] == "worker_A1a" and events[1].data["worker"] == "staff_A1"
    assert events[2].data["end"] == "2025-03-01"
    # A new period can start once the old one ended.
    services.add_tag(staff, p, "elderly_alone", start=dt.date(2025, 6, 1))
    assert PersonTag.objects.filter(person=p, kind="elderly_alone").count() == 2
    with pytest.raises(PermissionError):
        events[0].save()


def test_managed_tags_hidden_from_roles_without_the_right(homes):
    t, p = homes["t"], homes["p_a"]
    services.add_tag(t.users["staff_A1"], p, "community_correction", reason="判决书", worker=t.users["worker_A1a"])
    services.add_tag(t.users["staff_A1"], p, "low_income")
    assert {x.kind for x in selectors.tags_of(t.users["staff_A1"], p)} == {"community_correction", "low_income"}
    assert {x.kind for x in selectors.tags_of(t.users["worker_A1a"], p)} == {"community_correction", "low_income"}
    for name in ("dispatcher_A", "commander", "admin"):
        assert {x.kind for x in selectors.tags_of(t.users[name], p)} == {"low_income"}, name
        assert not selectors.search_people(t.users[name], tag="community_correction").exists()
        assert all(e.tag.kind != "community_correction" for e in selectors.tag_history_of(t.users[name], p))
    with pytest.raises(PermissionDenied):
        services.add_tag(t.users["dispatcher_A"], p, "drug_rehab")


# ---------------------------------------------------------------- scoping of services and selectors

def test_people_scoped_by_jurisdiction(homes):
    t = homes["t"]
    assert list(selectors.people_for(t.users["staff_A1"])) == [homes["p_a"]]
    assert list(selectors.people_for(t.users["worker_A1a"])) == [homes["p_a"]]
    assert list(selectors.people_for(t.users["worker_A2a"])) == []
    assert set(selectors.people_for(t.users["commander"])) == {homes["p_a"], homes["p_b"]}
    # A department does not see the register of its unit's service area (issue 11 item 3): it meets
    # residents only as requesters of the cases assigned to it.
    assert list(selectors.people_for(t.users["urban_A"])) == []
    assert list(selectors.people_for(t.users["urban_district"])) == []
    assert list(selectors.search_people(t.users["staff_B1"], "建")) == [homes["p_b"]]
    with pytest.raises(PermissionDenied):
        services.update_person(t.users["staff_B1"], homes["p_a"], {"name": "张建军"})
    with pytest.raises(PermissionDenied):
        services.create_person(t.users["staff_B1"], {"name": "赵六"}, room=homes["r_a"])


def test_building_located_in_grid_by_point(homes):
    assert homes["b_a"].grid == homes["t"].grid("A1a")
    with pytest.raises(ValidationError, match="坐标不在"):
        services.create_building(homes["t"].users["staff_A1"], community=homes["t"].communities["A1"],
                                 name="2号楼", lng=116.035, lat=39.905)


def test_update_lists_changed_fields_without_values(homes):
    staff, p = homes["t"].users["staff_A1"], homes["p_a"]
    services.update_person(staff, p, {"phone": "13700000001"})
    entry = AuditEntry.objects.filter(action="person.update").get()
    assert entry.detail == {"fields": ["phone"]}
    assert Person.objects.get(pk=p.pk).phone_suffix == "0001"
