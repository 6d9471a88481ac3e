"""The security model, end to end, for EVERY route: each URL pattern and each API route is walked
automatically and checked for every role, with objects inside and outside the actor's jurisdiction.

Classifications come from the apps' manifests (`routes=` in `<app>/manifest.py`, see core/manifest.py);
a route no manifest classifies fails `test_every_route_is_classified`. Refusals are asserted by their
reason (the 403/404 page's text, the API's error code), never by "any non-200": a wrong URL that
404s for another reason fails.
"""
from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from civicgrid.core import roles as R
from civicgrid.core.manifest import ADMIN_SITE, PUBLIC, ROLES, SCOPED, STAFF, manifests, resolve, routes

# The street-A (or district) user who acts for each core role; roles apps add get one seated in street A
# by the `world` fixture. Out-of-scope objects lie in street B.
ROLE_USER = {
    R.GRID_WORKER: "worker_A1a", R.COMMUNITY_STAFF: "staff_A1", R.STREET_DISPATCHER: "dispatcher_A",
    R.DEPARTMENT_HANDLER: "urban_A", R.HOTLINE_OPERATOR: "operator", R.DISTRICT_COMMANDER: "commander",
    R.SYSTEM_ADMIN: "admin",
}
STREET_LEVEL = (R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DEPARTMENT_HANDLER)
SCOPE_REFUSAL = "不在您的管辖范围内"
API_NAMESPACE = "api-v1"


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern)


def html_routes() -> dict[str, str]:
    """Every URL pattern by name (unnamed ones by their pattern), except the API's per-operation
    patterns: those are walked as API routes from the OpenAPI schema."""
    out = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if name and name.startswith(API_NAMESPACE + ":") and not name.startswith(API_NAMESPACE + ":openapi"):
            continue
        out[name or pattern] = pattern  # unnamed: by its pattern, e.g. "admin/cases/case/<path:object_id>/"
    return out


def api_routes() -> dict[str, str]:
    from civicgrid.api.api import api

    return {f"{method.upper()} {path}": path
            for path, ops in api.get_openapi_schema()["paths"].items() for method in ops}


def _classification(name: str):
    table = routes()
    if name in table:
        return table[name]
    for key, route in table.items():
        if key.endswith("*") and name.startswith(key[:-1]):
            return route
    return None


def test_every_route_is_classified():
    every = {**html_routes(), **api_routes()}
    missing = sorted(n for n in every if _classification(n) is None)
    assert not missing, f"routes no manifest classifies (add a Route to the app's manifest.py): {missing}"
    stale = sorted(n for n in routes() if not n.endswith("*") and n not in every)
    assert not stale, f"manifest routes that no longer exist: {stale}"


def test_a_new_unclassified_route_fails(settings):
    """The walk sees a route added anywhere (here: a throw-away URL conf with one extra page)."""
    import sys
    import types

    from django.urls import clear_url_caches, path

    module = types.ModuleType("matrix_extra_urls")
    from civicgrid import urls as project_urls

    module.urlpatterns = [*project_urls.urlpatterns, path("extra/", lambda r: None, name="unclassified_extra")]
    sys.modules["matrix_extra_urls"] = module
    settings.ROOT_URLCONF = "matrix_extra_urls"
    clear_url_caches()
    try:
        with pytest.raises(AssertionError, match="unclassified_extra"):
            test_every_route_is_classified()
    finally:
        clear_url_caches()
        del sys.modules["matrix_extra_urls"]


# --- the walk -----------------------------------------------------------------------------------

def _seat_app_roles(t) -> tuple[dict, tuple]:
    """A street-A user for every role an app's manifest adds, seated at the most local level it allows
    (a department role at street A's urban unit), so the walk covers every role, not only core's."""
    from civicgrid.core.models import Role
    from tests.factories import make_user

    role_user, street_level = dict(ROLE_USER), list(STREET_LEVEL)
    nodes = {"grid": t.grids["A1a"], "community": t.communities["A1"], "street": t.streets["A"],
             "district": t.district, "city": t.city}
    for code, rd in R.registry().items():
        if code in role_user:
            continue
        username = f"{code}_A"
        user = make_user(username)
        if rd.department:
            Role.objects.create(user=user, role=code, department_unit=t.units[("urban", "A")])
            street_level.append(code)
        else:
            level = next(lvl for lvl in ("grid", "community", "street", "district", "city") if lvl in rd.levels)
            Role.objects.create(user=user, role=code, region=nodes[level])
            if level in ("grid", "community", "street"):
                street_level.append(code)
        t.users[username] = user
        role_user[code] = username
    return role_user, tuple(street_level)


@pytest.fixture
def world(territory, settings):
    # The walk checks statuses, not badge counts: the navigation badges are kept as for real users
    # (core/nav.py), which saves about 40 % of every page's time.
    settings.NAV_BADGE_SECONDS = 600
    objs = {"t": territory}
    objs["role_user"], objs["street_level"] = _seat_app_roles(territory)
    for m in manifests():
        if m.matrix_objects:
            objs.update(resolve(m.matrix_objects)(territory))
    return objs


def _url(route, objs, inside: bool) -> str:
    kwargs = dict(resolve(route.args)(objs, inside)) if route.args else {}
    area = kwargs.pop("?area", None)
    if " " in route.name:  # "GET /api/v1/cases/{number}"
        url = route.name.split(" ", 1)[1]
        for k, v in kwargs.items():
            url = url.replace("{" + k + "}", str(v))
    else:
        url = reverse(route.name, kwargs=kwargs or None)
    return url + (f"?area={area}" if area else "")


class Walker:
    def __init__(self, client, objs):
        self.client, self.objs, self.failures, self.tokens, self.count = client, objs, [], {}, 0

    def _token(self, user):
        if user.pk not in self.tokens:
            from civicgrid.api import services as api_services

            _, raw = api_services.issue_token(self.objs["t"].users["admin"], user=user, name="矩阵测试")
            self.tokens[user.pk] = raw
        return self.tokens[user.pk]

    def request(self, route, user, inside=True):
        url = _url(route, self.objs, inside)
        headers = {}
        self.client.logout()
        if user is not None:
            if " " in route.name:
                headers["HTTP_AUTHORIZATION"] = f"Bearer {self._token(user)}"
            else:
                self.client.force_login(user)
        self.count += 1
        if route.method == "POST":
            if " " in route.name:
                return url, self.client.post(url, route.data or {}, content_type="application/json", **headers)
            return url, self.client.post(url, route.data or {}, **headers)
        return url, self.client.get(url, **headers)

    def fail(self, route, who, url, resp, why):
        body = resp.content.decode("utf-8", "ignore") if not resp.get("Content-Type", "").startswith(
            ("application/vnd", "image/")) else ""
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
        self.failures.append(f"{route.name} [{who}] {route.method} {url} → {resp.status_code}: {why} · {text[-160:]}")

    @staticmethod
    def body(resp) -> str:
        return resp.content.decode("utf-8", "ignore")

    def is_login_redirect(self, resp, route) -> bool:
        if " " in route.name:
            return resp.status_code == 401
        return resp.status_code == 302 and "login" in resp.get("Location", "")

    def allowed(self, route, who, user, inside=True):
        url, resp = self.request(route, user, inside)
        if resp.status_code >= 500 or resp.status_code in (401, 403, 404) or self.is_login_redirect(resp, route):
            self.fail(route, who, url, resp, "should be allowed")

    def refused(self, route, who, user, inside, statuses, reason):
        url, resp = self.request(route, user, inside)
        if resp.status_code not in statuses:
            return self.fail(route, who, url, resp, f"should be refused with {statuses}")
        if " " in route.name:
            code = (resp.json().get("error") or {}).get("code")
            if code != reason:
                self.fail(route, who, url, resp, f"refusal code {code!r}, expected {reason!r}")
        elif not re.search(reason, self.body(resp)):
            self.fail(route, who, url, resp, f"refusal without the reason {reason!r}")


def _refusals(w: Walker, route):
    """First pass, on untouched objects: anonymous visitors, the roles a route refuses, and the
    out-of-scope objects (an allowed write in the second pass may change the objects they share)."""
    users = w.objs["t"].users
    role_user, street_level = w.objs["role_user"], w.objs["street_level"]
    api = " " in route.name
    if route.access == PUBLIC:  # public routes answer visitors
        url, resp = w.request(route, None)
        if resp.status_code >= 500 or resp.status_code in (401, 403) or (
                route.method == "GET" and w.is_login_redirect(resp, route)):
            w.fail(route, "anonymous", url, resp, "public route must answer visitors")
        return
    if route.access == ADMIN_SITE:
        return  # checked once for the whole site below
    url, resp = w.request(route, None)
    if not w.is_login_redirect(resp, route):
        w.fail(route, "anonymous", url, resp, "must require a login (or an API token)")
    allowed_roles = route.roles if route.roles is not None else tuple(role_user)
    if route.access == ROLES:
        for role, username in role_user.items():
            if role not in allowed_roles:
                w.refused(route, role, users[username], True, (403,), route.refusal or ("forbidden" if api else ""))
    elif route.access == SCOPED:
        if route.role_refusal:
            for role, username in role_user.items():
                if role not in allowed_roles:
                    w.refused(route, f"{role} (role)", users[username], True, (403,), route.role_refusal)
        outsiders = route.outsiders if route.outsiders is not None else [r for r in street_level if r in allowed_roles]
        for role in outsiders:
            reason = route.refusal or ("not_found" if api else SCOPE_REFUSAL)
            w.refused(route, f"{role} → out of scope", users[role_user[role]], False, (403, 404), reason)


def _allowed(w: Walker, route):
    """Second pass: every role the route admits reaches it (the in-scope object for SCOPED routes)."""
    users = w.objs["t"].users
    role_user = w.objs["role_user"]
    if route.access in (PUBLIC, ADMIN_SITE):
        return
    allowed_roles = route.roles if route.roles is not None else tuple(role_user)
    for role in allowed_roles if route.access != STAFF else tuple(role_user):
        w.allowed(route, role, users[role_user[role]], inside=True)


# The walk is one of the suite's longest tests: split into SHARDS tests over every SHARDS-th route
# (sorted by name), so pytest-xdist spreads them over its workers. Together they walk every route.
SHARDS = 3


@pytest.mark.parametrize("part", range(SHARDS))
def test_every_route_for_every_role(world, client, part):
    """One world per shard, every route of the shard: failures are collected so one run shows them all."""
    from civicgrid.core.models import AuditEntry

    w = Walker(client, world)
    case_out, person_out = world["case_out"], world["person_out"]
    before = (case_out.state, case_out.version, person_out.name, person_out.tags.count())
    every = {**html_routes(), **api_routes()}
    walked = []
    for name in sorted(every)[part::SHARDS]:
        route = _classification(name)
        assert route is not None, name  # test_every_route_is_classified says which
        if route.name == name:
            walked.append(route)
    for route in walked:
        _refusals(w, route)
    for route in walked:
        _allowed(w, route)
    assert not w.failures, f"{len(w.failures)} of {w.count} requests wrong:\n" + "\n".join(w.failures)
    # The refused writes changed nothing and revealed nothing in street B.
    case_out.refresh_from_db()
    person_out.refresh_from_db()
    assert (case_out.state, case_out.version, person_out.name, person_out.tags.count()) == before
    assert not AuditEntry.objects.filter(action__in=["person.reveal", "person.subject_access", "case.reveal_requester"],
                                         object_id__in=[str(person_out.pk), str(case_out.pk)]).exists()
    assert w.count > 500 // SHARDS  # every route × every role, not a sample


def test_admin_site_needs_staff(world, client):
    resp = client.get(reverse("admin:index"))
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
    client.force_login(world["t"].users["worker_A1a"])  # not is_staff
    resp = client.get(reverse("admin:core_user_changelist"))
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def test_api_action_out_of_scope_changes_nothing(world, client):
    """The API write check posts to the real route (/actions; the old matrix posted to /act and passed
    on the 404 of a route that does not exist) and the case stays as it was."""
    from civicgrid.api import services as api_services
    from civicgrid.cases.models import Case

    t, case = world["t"], world["case_out"]
    _, raw = api_services.issue_token(t.users["admin"], user=t.users["dispatcher_A"], name="测试")
    before = (case.state, case.version)
    resp = client.post(f"/api/v1/cases/{case.number}/actions", {"action": "file", "note": "越权"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.version) == before
    # The same request on a case in street A is taken (so the 404 above is the scope, not the route).
    mine = world["case_in"]
    resp = client.post(f"/api/v1/cases/{mine.number}/actions", {"action": "file", "note": "立案"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert resp.status_code != 404, resp.content


@pytest.mark.parametrize("username", ["dispatcher_A", "staff_A1", "worker_A1a", "urban_A"])
def test_lists_and_searches_do_not_show_street_b(world, client, username):
    client.force_login(world["t"].users[username])
    case, person = world["case_out"], world["person_out"]
    for url, secret in [
        (reverse("cases:worklist") + "?scope=all", case.number),
        (reverse("people:index") + "?q=王建", person.name),
        (reverse("people:buildings"), "B1路3号"),
    ]:
        body = client.get(url).content.decode("utf-8", "ignore")
        assert secret not in body, (username, url)


def test_roles_apps_add_are_walked_too(territory, monkeypatch):
    """A role from an app manifest gets a street-A seat at its most local level and counts as a
    street-level outsider, so its routes are checked in and out of scope like core's."""
    from civicgrid.core import manifest as M

    original = M.manifests()
    extra = M.AppManifest(app="extra", roles=(M.RoleDef("matrix_probe", "矩阵探针", frozenset({"community", "street"})),))
    monkeypatch.setattr(M, "manifests", lambda: (*original, extra))
    M.role_defs.cache_clear()
    try:
        role_user, street_level = _seat_app_roles(territory)
    finally:
        M.role_defs.cache_clear()
    seat = territory.users[role_user["matrix_probe"]].roles.get()
    assert seat.region == territory.communities["A1"] and "matrix_probe" in street_level
