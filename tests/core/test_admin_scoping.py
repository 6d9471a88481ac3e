"""Every ModelAdmin is scoped: a street-A administrator sees none of street B's rows in /admin/.

The walk covers admin.site's whole registry. An admin that declares no scope, a scoped admin that
leaks another street's rows, or a model with no street-B oracle below makes it fail, so a new
ModelAdmin cannot slip in unscoped.
"""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import RequestFactory
from django.urls import reverse

from civicgrid.api import services as api_services
from civicgrid.api.models import ApiToken, ClientApplication, ClientKey
from civicgrid.cases import services as case_services
from civicgrid.cases.models import Case, CaseEvent, Category, Transition
from civicgrid.core import adminscope
from civicgrid.core import roles as R
from civicgrid.core.models import AuditEntry, Notification, User, WorkingDayOverride
from civicgrid.core.notifications import notify
from civicgrid.departments.models import Department, DepartmentUnit
from civicgrid.open311.models import ServiceAttribute
from civicgrid.people import capabilities as C
from civicgrid.people import services as people_services
from civicgrid.people.models import CapabilityGrant
from civicgrid.regions.models import Region
from tests.factories import make_superuser, make_user

# Reference data, the same for the whole city, no personal data: every administrator reads it.
GLOBAL_MODELS = {Category, Transition, ServiceAttribute, WorkingDayOverride}
# Held only at district level or above, so a street administrator rightly sees none of them.
DISTRICT_ONLY = {Department, ClientApplication, ClientKey}


def _b_user_ids(t):
    a = t.streets["A"].path
    ids = set()
    for u in User.objects.prefetch_related("roles__region", "roles__department_unit__region"):
        seats = list(u.roles.all())
        if u.is_superuser or not seats or any(
                not (s.region or s.department_unit.region).path.startswith(a) for s in seats):
            ids.add(u.pk)
    return ids


# For each scoped model: the rows a street-A administrator must NOT see, found independently of
# the code under test (by street B's path, by B's users, by the objects the fixture made in B).
def _foreign_rows(t, model):
    b = t.streets["B"].path
    b_users = _b_user_ids(t)
    b_cases = set(Case.objects.filter(region__path__startswith=b).values_list("pk", flat=True))
    oracle = {
        Region: lambda: Region.objects.exclude(path__startswith=t.streets["A"].path),
        Department: lambda: Department.objects.all(),  # the district's: above a street
        DepartmentUnit: lambda: DepartmentUnit.objects.exclude(region__path__startswith=t.streets["A"].path),
        Case: lambda: Case.objects.filter(pk__in=b_cases),
        CaseEvent: lambda: CaseEvent.objects.filter(case__in=b_cases),
        User: lambda: User.objects.filter(pk__in=b_users),
        Notification: lambda: Notification.objects.filter(recipient__in=b_users),
        AuditEntry: lambda: AuditEntry.objects.filter(object_type="cases.case", object_id__in=[str(p) for p in b_cases]),
        ApiToken: lambda: ApiToken.objects.filter(user__in=b_users),
        ClientApplication: lambda: ClientApplication.objects.exclude(region__path__startswith=t.streets["A"].path),
        ClientKey: lambda: ClientKey.objects.exclude(client__region__path__startswith=t.streets["A"].path),
        CapabilityGrant: lambda: CapabilityGrant.objects.filter(user__in=b_users),
    }
    if model not in oracle:
        return None
    return oracle[model]()


@pytest.fixture
def world(territory):
    from tests.cases.conftest import P_A1a, P_B1a, load_categories

    if not Category.objects.exists():
        load_categories()
    cats = {c.code: c for c in Category.objects.all()}
    t = territory
    admin_a = make_user("admin_A", R.SYSTEM_ADMIN, t.streets["A"])
    root = make_superuser()
    for who, point in (("worker_A1a", P_A1a), ("worker_B1a", P_B1a)):
        case = case_services.intake(t.users[who], channel="grid_worker", category=cats["01037"],
                                    description=f"{who} 上报：路灯不亮，联系 13800001111", lng=point[0], lat=point[1])
        notify(t.users["dispatcher_A" if who.endswith("A1a") else "dispatcher_B"], f"新案件 {case.number}", case.description)
    for u in ("dispatcher_A", "dispatcher_B"):
        api_services.issue_token(None, user=t.users[u], name=f"{u} 脚本")
        people_services.grant_capability(root, t.users[u], C.REVEAL, "核查专班工作需要")
    api_services.create_client(None, name="区级App", region=t.district)
    return {"t": t, "admin_a": admin_a, "root": root}


def scoping_problems(site, t, actor) -> list[str]:
    """What is wrong with `site`'s registry for `actor` (a street-A administrator)."""
    problems = []
    request = RequestFactory().get("/admin/")
    request.user = actor
    for model, model_admin in site._registry.items():
        label = model._meta.label
        scope = getattr(model_admin, "admin_scope", None)
        if scope == adminscope.SUPERUSER:
            if model_admin.has_module_permission(request) or model_admin.has_view_permission(request):
                problems.append(f"{label}: superuser-only admin open to a system administrator")
            continue
        if scope == adminscope.GLOBAL:
            if model not in GLOBAL_MODELS:
                problems.append(f"{label}: declared global but not listed as reference data in this test")
            continue
        if scope != adminscope.JURISDICTION:
            problems.append(f"{label}: ModelAdmin declares no admin_scope (core/adminscope.py)")
            continue
        foreign = _foreign_rows(t, model)
        if foreign is None:
            problems.append(f"{label}: no street-B oracle in tests/core/test_admin_scoping.py")
            continue
        foreign_pks = set(foreign.values_list("pk", flat=True))
        if not foreign_pks:
            problems.append(f"{label}: the fixture holds no street-B row, so the check would prove nothing")
            continue
        seen = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        if leaked := seen & foreign_pks:
            problems.append(f"{label}: street-A administrator sees {len(leaked)} foreign row(s)")
        for obj in foreign[:3]:
            if any(check(request, obj) for check in (model_admin.has_view_permission,
                                                      model_admin.has_change_permission,
                                                      model_admin.has_delete_permission)):
                problems.append(f"{label}: view/change/delete permission granted on a foreign row")
                break
        if not seen and model not in DISTRICT_ONLY:
            problems.append(f"{label}: street-A administrator sees nothing at all (fixture or scope wrong)")
    return problems


def test_every_registered_model_admin_is_scoped(world):
    assert scoping_problems(admin.site, world["t"], world["admin_a"]) == []


def test_changelists_and_change_pages_hide_street_b(world, client):
    t, admin_a = world["t"], world["admin_a"]
    client.force_login(admin_a)
    walked = 0
    for model, model_admin in admin.site._registry.items():
        if getattr(model_admin, "admin_scope", None) != adminscope.JURISDICTION:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        resp = client.get(reverse("admin:%s_%s_changelist" % info))
        assert resp.status_code == 200, model
        shown = {obj.pk for obj in resp.context["cl"].result_list}
        foreign = list(_foreign_rows(t, model))
        assert not shown & {o.pk for o in foreign}, model
        body = resp.content.decode()
        for obj in foreign[:5]:
            change = reverse("admin:%s_%s_change" % info, args=[obj.pk])
            assert f'href="{change}"' not in body, (model, obj.pk)
            r = client.get(change)
            # The admin answers a missing object with a redirect to its index and a message.
            assert r.status_code == 302 and r.url == reverse("admin:index"), (model, obj.pk, r.status_code)
        walked += 1
    assert walked >= 10
    # The street-B case's requester text, event and notification do not appear anywhere.
    b_case = Case.objects.get(region__path__startswith=t.streets["B"].path)
    for url in ("admin:cases_case_changelist", "admin:cases_caseevent_changelist", "admin:core_notification_changelist",
                "admin:core_auditentry_changelist"):
        assert b_case.number not in client.get(reverse(url)).content.decode(), url


def test_superuser_only_admins_refuse_a_system_administrator(world, client):
    client.force_login(world["admin_a"])
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert reverse("admin:auth_group_changelist") not in index.content.decode()
    assert reverse("admin:django_tasks_database_dbtaskresult_changelist") not in index.content.decode()
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_add")).status_code == 403
    client.force_login(world["root"])
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 200


def test_an_unscoped_model_admin_fails_the_walk(world):
    """The walk itself catches a new ModelAdmin that forgets scoping, or scopes it wrongly."""
    site = AdminSite(name="probe")
    site.register(Case, admin.ModelAdmin)
    assert scoping_problems(site, world["t"], world["admin_a"]) == [
        "cases.Case: ModelAdmin declares no admin_scope (core/adminscope.py)"]

    class Leaky(adminscope.JurisdictionAdmin):
        def get_queryset(self, request):
            return Case.objects.all()

    site = AdminSite(name="probe2")
    site.register(Case, Leaky)
    assert scoping_problems(site, world["t"], world["admin_a"]) == [
        "cases.Case: street-A administrator sees 1 foreign row(s)"]


def test_audit_log_page_is_scoped_by_region(world, client):
    t, admin_a = world["t"], world["admin_a"]
    b_case = Case.objects.get(region__path__startswith=t.streets["B"].path)
    a_case = Case.objects.get(region__path__startswith=t.streets["A"].path)
    client.force_login(admin_a)
    body = client.get(reverse("core:audit_log")).content.decode()
    assert a_case.number in body and b_case.number not in body
    # Filtering straight at the B case finds nothing either.
    body = client.get(reverse("core:audit_log"), {"object_type": "cases.case", "object_id": str(b_case.pk)})
    assert b_case.number not in body.content.decode()
    # The district administrator reads both streets; entries with no place are the superuser's.
    client.force_login(t.users["admin"])
    body = client.get(reverse("core:audit_log")).content.decode()
    assert a_case.number in body and b_case.number in body
    assert AuditEntry.objects.filter(action="client_app.create", region=t.district).exists()
    grant = AuditEntry.objects.filter(action="people.grant").first()
    assert grant.region is not None


def test_audit_entries_are_filed_by_object_then_actor(world):
    from civicgrid.core import audit

    t = world["t"]
    # A district officer acting on a street-B object: filed under B, not the district.
    e = audit.record(t.users["commander"], "test.touch", Case.objects.get(region__path__startswith=t.streets["B"].path))
    assert e.region == Case.objects.get(region__path__startswith=t.streets["B"].path).region
    # No object with a place: the actor's seat.
    e = audit.record(t.users["dispatcher_A"], "test.search")
    assert e.region == t.streets["A"]
    # A person with seats in A and B is filed under the district (their lowest common node).
    both = make_user("both", R.STREET_DISPATCHER, t.streets["A"])
    from civicgrid.core.models import Role

    Role.objects.create(user=both, role=R.STREET_DISPATCHER, region=t.streets["B"])
    assert audit.record(None, "test.user", both).region == t.district
    # The command line acting on nothing: the superuser's alone.
    assert audit.record("命令行", "test.cli").region is None
