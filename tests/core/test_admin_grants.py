"""Who may grant what: superuser-only flags and personal-data capabilities, seats only inside one's
own subtree, never to oneself. Each refusal is checked in the admin form (a crafted POST) and in
the service it calls, with its reason."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from civicgrid.core import roles as R
from civicgrid.core import services
from civicgrid.core.models import AuditEntry, Role, User
from civicgrid.people import capabilities as C
from civicgrid.people import services as people_services
from civicgrid.people.models import CapabilityGrant
from tests.factories import make_superuser, make_user


@pytest.fixture
def admin_a(territory):
    return make_user("admin_A", R.SYSTEM_ADMIN, territory.streets["A"])


def _post_data(resp) -> dict:
    """The admin change form as the browser would post it back unchanged."""
    data = {}

    def put(form, prefix=""):
        for name, field in form.fields.items():
            key = f"{prefix}{name}"
            value = form[name].value()
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, dt.datetime):
                data[f"{key}_0"], data[f"{key}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)

    put(resp.context["adminform"].form)
    for inline in resp.context["inline_admin_formsets"]:
        fs = inline.formset
        for k, v in fs.management_form.initial.items():
            data[f"{fs.prefix}-{k}"] = str(v)
        for i, form in enumerate(fs.forms):
            put(form, f"{fs.prefix}-{i}-")
    return data


def _add_seat(data, role, region=None, unit=None):
    prefix = "roles"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    # The blank form the admin shows for a required first seat is filled in, not left empty.
    n = next((i for i in range(total) if not data.get(f"{prefix}-{i}-role")), total)
    data[f"{prefix}-{n}-role"] = role
    data[f"{prefix}-{n}-region"] = str(region.pk) if region else ""
    data[f"{prefix}-{n}-department_unit"] = str(unit.pk) if unit else ""
    data[f"{prefix}-{n}-title"] = ""
    data[f"{prefix}-TOTAL_FORMS"] = str(max(total, n + 1))
    return data


def _errors(resp) -> str:
    out = []
    if resp.context and resp.context.get("adminform"):
        out += [str(e) for e in resp.context["adminform"].form.non_field_errors()]
        out += [str(e) for f in resp.context["adminform"].form.errors.values() for e in f]
    for inline in (resp.context or {}).get("inline_admin_formsets", []):
        for form in inline.formset.forms:
            out += [str(e) for errs in form.errors.values() for e in errs]
        out += [str(e) for e in inline.formset.non_form_errors()]
    return " ".join(out)


# ---------------------------------------------------------------- superuser flags

def test_system_admin_form_has_no_superuser_staff_group_or_permission_fields(territory, admin_a, client):
    client.force_login(admin_a)
    resp = client.get(reverse("admin:core_user_change", args=[territory.users["dispatcher_A"].pk]))
    fields = set(resp.context["adminform"].form.fields)
    assert not fields & {"is_superuser", "is_staff", "groups", "user_permissions"}
    client.force_login(make_superuser())
    resp = client.get(reverse("admin:core_user_change", args=[territory.users["dispatcher_A"].pk]))
    assert {"is_superuser", "is_staff", "groups"} <= set(resp.context["adminform"].form.fields)


def test_crafted_post_cannot_make_anyone_superuser(territory, admin_a, client):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="全部权限")
    group.permissions.set(Permission.objects.all())
    client.force_login(admin_a)
    for target in (admin_a, territory.users["dispatcher_A"]):
        url = reverse("admin:core_user_change", args=[target.pk])
        data = _post_data(client.get(url))
        data.update(is_superuser="on", is_staff="on", groups=[str(group.pk)],
                    user_permissions=[str(p) for p in Permission.objects.values_list("pk", flat=True)[:5]],
                    display_name="改过的名字")
        resp = client.post(url, data)
        assert resp.status_code == 302, _errors(resp)
        target.refresh_from_db()
        assert target.display_name == "改过的名字"  # the allowed part of the form was saved …
        assert not target.is_superuser and not target.groups.exists() and not target.user_permissions.exists()
    assert not territory.users["dispatcher_A"].is_staff  # … the privileged part was not


def test_save_user_service_refuses_privileged_flags_with_the_reason(territory, admin_a):
    target = User.objects.get(pk=territory.users["dispatcher_A"].pk)
    target.is_superuser = True
    with pytest.raises(PermissionDenied, match="只有超级管理员可以设置超级管理员"):
        services.save_user(admin_a, target, changed=[], created=False)
    assert not User.objects.get(pk=target.pk).is_superuser
    fresh = User(username="new-root", is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied, match="is_superuser"):
        services.save_user(admin_a, fresh, changed=["username"], created=True)
    assert not User.objects.filter(username="new-root").exists()
    # A superuser may.
    services.save_user(make_superuser(), target, changed=["is_superuser"], created=False)
    assert User.objects.get(pk=target.pk).is_superuser


# ---------------------------------------------------------------- seats: own subtree, four eyes

def test_seat_outside_or_above_own_subtree_is_refused(territory, admin_a, client):
    t = territory
    target = t.users["dispatcher_A"]
    with pytest.raises(PermissionDenied, match="只能在您管理的区域内授予角色"):
        services.grant_role(admin_a, target, R.SYSTEM_ADMIN, region=t.district)  # above
    with pytest.raises(PermissionDenied, match="只能在您管理的区域内授予角色"):
        services.grant_role(admin_a, target, R.STREET_DISPATCHER, region=t.streets["B"])  # beside
    # The same through the admin form: the other nodes are not even valid choices.
    client.force_login(admin_a)
    url = reverse("admin:core_user_change", args=[target.pk])
    resp = client.post(url, _add_seat(_post_data(client.get(url)), R.SYSTEM_ADMIN, region=t.district))
    assert resp.status_code == 200 and "选择一个有效的选项" in _errors(resp)
    assert list(Role.objects.filter(user=target).values_list("role", flat=True)) == [R.STREET_DISPATCHER]
    # Inside the subtree, for someone else: fine, audited with who/whom/what, and the admin flag follows.
    seat = services.grant_role(admin_a, target, R.SYSTEM_ADMIN, region=t.streets["A"])
    target.refresh_from_db()
    assert target.is_staff
    entry = AuditEntry.objects.get(action="role.grant", object_id=str(seat.pk))
    assert entry.actor == admin_a and entry.detail["user"] == "dispatcher_A" and entry.detail["role"] == R.SYSTEM_ADMIN
    services.revoke_role(admin_a, seat)
    target.refresh_from_db()
    assert not target.is_staff


def test_nobody_grants_a_seat_to_themselves(territory, admin_a, client):
    t = territory
    with pytest.raises(PermissionDenied, match="不能给自己授予角色"):
        services.grant_role(admin_a, admin_a, R.STREET_DISPATCHER, region=t.streets["A"])
    root = make_superuser()
    with pytest.raises(PermissionDenied, match="不能给自己授予角色"):
        services.grant_role(root, root, R.SYSTEM_ADMIN, region=t.district)
    client.force_login(admin_a)
    url = reverse("admin:core_user_change", args=[admin_a.pk])
    resp = client.post(url, _add_seat(_post_data(client.get(url)), R.STREET_DISPATCHER, region=t.streets["A"]))
    assert resp.status_code == 200 and "不能给自己授予角色" in _errors(resp)
    assert admin_a.roles.count() == 1


def test_admin_cannot_manage_users_outside_their_subtree(territory, admin_a, client):
    t = territory
    # dispatcher_B sits in street B; the district admin and commander sit above street A.
    for other in ("dispatcher_B", "commander", "admin"):
        with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
            services.grant_role(admin_a, t.users[other], R.STREET_DISPATCHER, region=t.streets["A"])
        client.force_login(admin_a)
        r = client.get(reverse("admin:auth_user_password_change", args=[t.users[other].pk]))
        assert r.status_code in (302, 404)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.save_user(admin_a, t.users["dispatcher_B"], changed=["display_name"], created=False)
    root = make_superuser()
    with pytest.raises(PermissionDenied, match="超级管理员"):
        services.grant_role(admin_a, root, R.STREET_DISPATCHER, region=t.streets["A"])


def test_new_user_from_a_system_admin_needs_a_seat_in_their_area(territory, admin_a, client):
    client.force_login(admin_a)
    url = reverse("admin:core_user_add")
    data = _post_data(client.get(url))
    data.update(username="clerk_A", password1="a-long-pass-9876", password2="a-long-pass-9876", usable_password="true")
    resp = client.post(url, data)
    assert resp.status_code == 200 and not User.objects.filter(username="clerk_A").exists()
    data = _add_seat(data, R.STREET_DISPATCHER, region=territory.streets["A"])
    resp = client.post(url, data)
    assert resp.status_code == 302, _errors(resp)
    clerk = User.objects.get(username="clerk_A")
    assert not clerk.is_superuser and not clerk.is_staff
    assert clerk.roles.get().region == territory.streets["A"]
    assert AuditEntry.objects.filter(action="role.grant", actor=admin_a, detail__user="clerk_A").exists()


# ---------------------------------------------------------------- personal-data capabilities

def test_only_a_superuser_grants_personal_data_capabilities(territory, admin_a, client):
    t = territory
    staff = t.users["staff_A1"]
    for cap in sorted(C.PERSONAL_DATA_CAPABILITIES):
        with pytest.raises(PermissionDenied, match="涉及个人信息，只有超级管理员可以授予"):
            people_services.grant_capability(admin_a, staff, cap, "年度人口普查报送")
    client.force_login(admin_a)
    resp = client.post(reverse("admin:people_capabilitygrant_add"),
                       {"user": staff.pk, "capability": C.EXPORT_UNMASKED, "reason": "年度人口普查报送"})
    assert resp.status_code == 200 and not CapabilityGrant.objects.exists()
    assert "选择一个有效的选项" in _errors(resp)  # not offered to a system administrator at all
    # A non-personal-data capability for a user they manage: allowed, audited.
    resp = client.post(reverse("admin:people_capabilitygrant_add"),
                       {"user": staff.pk, "capability": C.IMPORT, "reason": "批量导入楼栋"})
    assert resp.status_code == 302
    root = make_superuser()
    g = people_services.grant_capability(root, staff, C.EXPORT_UNMASKED, "年度人口普查报送")
    entry = AuditEntry.objects.get(action="people.grant", object_id=str(g.pk))
    assert entry.actor == root and entry.detail == {"user": "staff_A1", "capability": C.EXPORT_UNMASKED,
                                                    "granted_by": "root"}
    assert entry.reason == "年度人口普查报送"


def test_nobody_grants_a_capability_to_themselves(territory, admin_a, client):
    root = make_superuser()
    with pytest.raises(PermissionDenied, match="不能给自己授权"):
        people_services.grant_capability(root, root, C.EXPORT_UNMASKED, "自己导出一份")
    with pytest.raises(PermissionDenied, match="不能给自己授权"):
        people_services.grant_capability(admin_a, admin_a, C.IMPORT, "自己导入一份")
    client.force_login(admin_a)
    resp = client.post(reverse("admin:people_capabilitygrant_add"),
                       {"user": admin_a.pk, "capability": C.IMPORT, "reason": "自己导入一份"})
    assert resp.status_code == 200 and not CapabilityGrant.objects.exists()
    client.force_login(root)
    resp = client.post(reverse("admin:people_capabilitygrant_add"),
                       {"user": root.pk, "capability": C.EXPORT_UNMASKED, "reason": "自己导出一份"})
    assert resp.status_code == 200 and not CapabilityGrant.objects.exists()


def test_capability_for_a_user_outside_the_area_is_refused(territory, admin_a):
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        people_services.grant_capability(admin_a, territory.users["staff_B1"], C.IMPORT, "批量导入楼栋")
