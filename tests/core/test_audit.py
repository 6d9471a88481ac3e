import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from civicgrid.core import audit
from civicgrid.core.models import AuditEntry


@pytest.fixture
def entry(territory):
    return audit.record(territory.users["admin"], "test.write", territory.district, detail={"k": 1}, reason="测试")


def test_record_captures_who_what_which_and_address(territory):
    from civicgrid.core.middleware import current_ip
    from civicgrid.regions.services import update_region

    admin = territory.users["admin"]

    token = current_ip.set("10.1.2.3")
    try:
        update_region(admin, territory.grids["A1a"], name="改名网格")
    finally:
        current_ip.reset(token)
    e = AuditEntry.objects.get(action="region.update")
    assert e.actor == admin and e.actor_name == "admin"
    assert e.object_type == "regions.region" and e.object_id == str(territory.grids["A1a"].pk)
    assert e.ip == "10.1.2.3"
    assert e.detail["after"]["name"] == "改名网格"


def test_model_refuses_change_and_delete(entry):
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.write"


@pytest.mark.parametrize("sql", ["UPDATE core_auditentry SET action = 'tampered'", "DELETE FROM core_auditentry"])
def test_database_refuses_raw_update_and_delete(entry, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEntry.objects.filter(pk=entry.pk, action="test.write").exists()


def test_admin_cannot_add_change_or_delete(entry, client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "root-pass-123")
    client.force_login(root)
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    change = reverse("admin:core_auditentry_change", args=[entry.pk])
    resp = client.post(change, {"action": "tampered", "actor_name": "x"})
    assert resp.status_code in (302, 403) or b"tampered" not in resp.content
    assert client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    resp = client.post(reverse("admin:core_auditentry_changelist"),
                       {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk, action="test.write").exists()


def test_audit_page_is_for_administrators_with_filters(territory, client):
    admin = territory.users["admin"]
    audit.record(admin, "person.reveal", territory.district, reason="居民申请")
    audit.record(admin, "region.update", territory.district)
    client.force_login(territory.users["dispatcher_A"])
    assert client.get(reverse("core:audit_log")).status_code == 403
    client.force_login(admin)
    resp = client.get(reverse("core:audit_log"), {"action": "person."})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert '<span class="muted">person.reveal</span>' in body and "居民申请" in body
    assert '<span class="muted">region.update</span>' not in body
    assert '<option value="person." selected>' in body  # the filter offers labels, by subject


def test_audit_page_shows_chinese_labels_beside_codes(territory, client):
    from civicgrid.core.audit_labels import action_label, object_type_label

    assert action_label("person.reveal") == "查看明文（居民）"
    assert action_label("case.verify_fail") == "核查不通过（案件）"
    assert action_label("something.unknown") == "something.unknown"
    assert object_type_label("regions.region") == "区域"
    admin = territory.users["admin"]
    audit.record(admin, "region.update", territory.district)
    client.force_login(admin)
    body = client.get(reverse("core:audit_log")).content.decode()
    assert "修改（区域）" in body and "region.update" in body
