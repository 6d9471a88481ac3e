"""Key rotation, export masking and logging, subject access, anonymisation keeping statistics."""
import datetime as dt
import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook

from civicgrid.core.models import AuditEntry
from civicgrid.people import capabilities as C
from civicgrid.people import selectors, services
from civicgrid.people.models import Person, PersonTag, Place, TagEvent

from .conftest import ident


def test_rotate_key_then_old_key_can_go(homes, settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    dev_key = settings.DATA_ENCRYPTION_KEYS[0]
    settings.DATA_ENCRYPTION_KEYS = [key_a, dev_key]
    call_command("rotate-data-key", stdout=io.StringIO())  # everything now under key A
    settings.DATA_ENCRYPTION_KEYS = [key_a]
    p = homes["p_a"]
    services.update_person(homes["t"].users["staff_A1"], p, {"phone": "13600000000"})
    place = services.create_place(homes["t"].users["staff_A1"], kind="shop", name="便民超市",
                                  community=homes["t"].communities["A1"], contact_phone="13500000000")
    settings.DATA_ENCRYPTION_KEYS = [key_b, key_a]
    out = io.StringIO()
    call_command("rotate-data-key", stdout=out)
    assert "people_person.id_number" in out.getvalue()
    settings.DATA_ENCRYPTION_KEYS = [key_b]
    fresh = Person.objects.get(pk=p.pk)
    assert fresh.id_number == ident(11) and fresh.phone == "13600000000"
    assert Place.objects.get(pk=place.pk).contact_phone == "13500000000"
    call_command("rotate-data-key", "--check", stdout=io.StringIO())
    # And the old key alone can no longer read anything.
    settings.DATA_ENCRYPTION_KEYS = [key_a]
    with pytest.raises(ValueError, match="密钥不匹配"):
        Person.objects.get(pk=p.pk)


def test_rotation_finds_every_encrypted_column():
    from civicgrid.people.keyrotation import encrypted_columns

    cols = {(t, c) for _, t, c in encrypted_columns()}
    assert {("people_person", "id_number"), ("people_person", "phone"), ("people_place", "contact_phone")} <= cols


def test_export_masked_and_logged(homes):
    staff = homes["t"].users["staff_A1"]
    data = services.export_people(staff, selectors.search_people(staff), filters={"q": ""})
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "张建国"
    assert rows[1][4] == "1101**********" + ident(11)[-4:] and rows[1][5] == "138****5678"
    flat = " ".join(str(v) for r in rows for v in r)
    assert ident(11) not in flat and "13812345678" not in flat and "李建华" not in flat  # out of scope
    entry = AuditEntry.objects.get(action="person.export")
    assert entry.detail["rows"] == 1 and entry.detail["masked"] is True


def test_unmasked_export_needs_grant(homes):
    t = homes["t"]
    staff = t.users["staff_A1"]
    with pytest.raises(PermissionDenied):
        services.export_people(staff, selectors.search_people(staff), unmasked=True)
    assert not AuditEntry.objects.filter(action="person.export").exists()
    from tests.factories import make_superuser

    services.grant_capability(make_superuser(), staff, C.EXPORT_UNMASKED, "年度人口普查报送")
    from civicgrid.core.models import User

    staff = User.objects.get(pk=staff.pk)
    data = services.export_people(staff, selectors.search_people(staff), unmasked=True)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1][4] == ident(11)
    assert AuditEntry.objects.get(action="person.export").detail["masked"] is False


def test_subject_access_record_is_complete_and_logged(homes):
    t, p = homes["t"], homes["p_a"]
    services.add_tag(t.users["staff_A1"], p, "low_income", reason="民政认定")
    services.log_visit(t.users["worker_A1a"], p, note="身体状况良好")
    with pytest.raises(PermissionDenied):
        services.subject_access_record(t.users["worker_A1a"], p, "本人申请查阅")
    rec = services.subject_access_record(t.users["staff_A1"], p, "本人书面申请查阅")
    assert rec["证件号码"] == ident(11) and rec["联系电话"] == "13812345678"
    assert rec["人群标签"][0]["类别"] == "低保户" and rec["走访记录"][0]["记录"] == "身体状况良好"
    assert any(e["操作"] == "person.create" for e in rec["访问记录"])
    assert AuditEntry.objects.filter(action="person.subject_access", reason="本人书面申请查阅").count() == 1


def test_anonymisation_keeps_statistics(homes, settings):
    t, p = homes["t"], homes["p_a"]
    staff = t.users["staff_A1"]
    services.add_tag(staff, p, "community_correction", reason="判决书字号")
    services.log_visit(staff, p, note="谈话记录")
    for i in range(3):
        services.create_person(staff, {"name": f"王{'一二三'[i]}", "id_number": ident(100 + i, dt.date(1950 + i * 30, 1, 1))},
                               room=homes["r_a"])
    services.move_out(staff, p, dt.date(2020, 1, 1))
    before = selectors.population_stats(t.users["commander"]) | {"tags": selectors.population_stats(staff)["tags"]}
    settings.PEOPLE_RETENTION_DAYS = 365
    assert services.anonymise_departed(today=dt.date(2020, 6, 1)) == 0  # not yet past retention
    assert services.anonymise_departed(today=dt.date(2021, 6, 1)) == 1
    after = selectors.population_stats(t.users["commander"]) | {"tags": selectors.population_stats(staff)["tags"]}
    assert after == before
    q = Person.objects.get(pk=p.pk)
    assert (q.name, q.id_number, q.phone, q.id_hash, q.phone_hash, q.phone_suffix, q.birth_date, q.room_id) == (
        "", "", "", "", "", "", None, None)
    assert q.kept_age_band == "35-59" and q.sex == "M" and q.community == t.communities["A1"]
    assert PersonTag.objects.get(person=q).reason == "" and not TagEvent.objects.filter(person=q).exists()
    assert q.visits.get().note == ""
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_person WHERE id = %s", [q.pk])
        assert "张建国" not in " ".join(str(v) for v in cur.fetchone())
    assert not selectors.search_people(staff, "建国", include_moved_out=True).exists()
    assert AuditEntry.objects.filter(action="person.anonymise", object_id=str(p.pk)).exists()


def test_anonymise_task_is_registered():
    from civicgrid.core import periodic

    assert "civicgrid.people.tasks.anonymise_departed" in periodic.registered()


def test_searches_are_logged_with_typed_numbers_masked(homes, client):
    from django.urls import reverse

    from civicgrid.core.models import AuditEntry

    t, p = homes["t"], homes["p_a"]
    client.force_login(t.users["staff_A1"])
    full_id = p.id_number
    assert client.get(reverse("people:index"), {"q": full_id}).status_code == 200
    assert client.get(reverse("people:index"), {"q": "建国"}).status_code == 200
    entries = list(AuditEntry.objects.filter(action="person.search", actor=t.users["staff_A1"]).order_by("id"))
    assert [e.detail["q"] for e in entries] == [full_id[:4] + "*" * 10 + full_id[-4:], "建国"]
    assert entries[0].detail["results"] == 1 and entries[1].detail["results"] == 1
    assert all(full_id not in str(e.detail) for e in entries)
