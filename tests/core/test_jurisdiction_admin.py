"""A street's administrator in the Django admin sees and changes only their own street."""
import pytest
from django.urls import reverse

from civicgrid.core import roles as R
from civicgrid.regions.models import Region
from tests.factories import make_user


@pytest.fixture
def street_admin(territory):
    return make_user("admin_A", R.SYSTEM_ADMIN, territory.streets["A"])


def test_region_admin_lists_only_own_subtree(territory, street_admin, client):
    client.force_login(street_admin)
    body = client.get(reverse("admin:regions_region_changelist"), {"q": ""}).content.decode()
    assert territory.grids["A1a"].code in body
    assert territory.grids["B1a"].code not in body
    assert territory.streets["B"].code not in body


def test_region_admin_cannot_read_or_change_other_street(territory, street_admin, client):
    client.force_login(street_admin)
    other = territory.grids["B1a"]
    url = reverse("admin:regions_region_change", args=[other.pk])
    resp = client.get(url)
    assert resp.status_code == 302 or resp.status_code == 404  # admin redirects "doesn't exist" to index
    resp = client.post(url, {"name": "被篡改", "grid_kind": "community", "geometry": "null"})
    other.refresh_from_db()
    assert other.name != "被篡改"


def test_region_admin_changes_own_grid_through_the_service(territory, street_admin, client):
    client.force_login(street_admin)
    own = territory.grids["A1a"]
    url = reverse("admin:regions_region_change", args=[own.pk])
    import json

    resp = client.post(url, {"name": "新名称网格", "grid_kind": "road", "geometry": json.dumps(own.geometry)})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    own.refresh_from_db()
    assert own.name == "新名称网格" and own.grid_kind == "road"
    from civicgrid.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="region.update", object_id=str(own.pk), actor=street_admin).exists()


def test_department_unit_and_user_admin_are_scoped(territory, street_admin, client):
    client.force_login(street_admin)
    body = client.get(reverse("admin:departments_departmentunit_changelist")).content.decode()
    assert "A街道城管中队" in body and "B街道城管中队" not in body
    other_unit = territory.units[("urban", "B")]
    resp = client.get(reverse("admin:departments_departmentunit_change", args=[other_unit.pk]))
    assert resp.status_code in (302, 404)
    body = client.get(reverse("admin:core_user_changelist")).content.decode()
    assert "dispatcher_A" in body and "dispatcher_B" not in body and "worker_B1a" not in body
    other_user = territory.users["dispatcher_B"]
    resp = client.get(reverse("admin:core_user_change", args=[other_user.pk]))
    assert resp.status_code in (302, 404)


def test_non_staff_roles_have_no_admin(territory, client):
    client.force_login(territory.users["dispatcher_A"])
    resp = client.get(reverse("admin:regions_region_changelist"))
    assert resp.status_code == 302 and "/admin/login/" in resp.url


def test_region_queryset_scoping_counts(territory):
    from civicgrid.core.scoping import visible_to

    assert visible_to(territory.users["worker_A1a"], Region.objects.all()).count() == 1
    assert visible_to(territory.users["staff_A1"], Region.objects.all()).count() == 3
    assert visible_to(territory.users["commander"], Region.objects.all()).count() == 1 + 2 + 4 + 8
    # A department handler sees the area its unit serves.
    assert set(visible_to(territory.users["urban_B"], Region.objects.all()).values_list("code", flat=True)) == \
        set(Region.objects.filter(path__startswith=territory.streets["B"].path).values_list("code", flat=True))
