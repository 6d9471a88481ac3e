"""No 5xx on hostile input, anywhere (issue 11 item 14).

Walks EVERY URL pattern (a resolver walk) and EVERY route of the ninja API (its OpenAPI schema),
fills path parameters with objects in the acting user's scope, finds the parameters each view
actually reads (by recording which keys of request.GET / request.POST / request.FILES it touches,
repeated until no new key appears), and sends hostile values for each of them as every role that
can reach the view and as an anonymous visitor. Any 5xx fails, listing route, role, parameter and
value.

Path parameters come from the route's manifest `Route.args` (the jurisdiction matrix's own builders,
called with every manifest's `matrix_objects`, inside street A), so a new app's routes are walked with
no edit here. FILL is only for routes whose manifest entry has no `args` or where the walk wants its
own object. A route neither can fill makes `test_every_route_is_filled_or_classified` fail.
"""
from __future__ import annotations

import io
import re
from collections import defaultdict
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.datastructures import MultiValueDict

from tests.cases.conftest import P_A1a, jpeg, load_categories
from tests.people.conftest import ident

# --- the hostile values --------------------------------------------------------------------------
DEEP_JSON = "[" * 100_000 + "]" * 100_000
HOSTILE = {
    "date_min": "0001-01-01",
    "date_max": "9999-12-31",
    "month_min": "0001-01",
    "huge_int": "99999999999999999999",
    "negative": "-1",
    "nul": "\x00",
    "long": "长" * 2000,
}
HOSTILE_FILES = {
    "deep_json": ("deep.geojson", DEEP_JSON.encode()),
    "nul_bytes": ("nul.csv", b"\x00" * 4096),
    "not_xlsx": ("sheet.xlsx", b"PK\x03\x04 this is not a zip"),
    "empty": ("empty.csv", b""),
}
HOSTILE_PATH = {"nul": "%00", "long": "9" * 300, "huge_int": "99999999999999999999", "non_numeric": "abc"}

# The page walk is the suite's longest test (about 8 minutes of requests): it is split into SHARDS
# tests over every SHARDS-th route (sorted by name), so pytest-xdist spreads them over its workers
# instead of leaving them to one at the end. Together the shards walk every route, as one test did.
SHARDS = 6


def shard(items, index: int, key=lambda x: (str(x[0]), str(x[1]))):
    return sorted(items, key=key)[index::SHARDS]


ROLES = ["anonymous", "superuser", "admin", "commander", "operator", "dispatcher_A", "staff_A1", "worker_A1a",
         "urban_A", "mediator_A1"]

# Routes that take path parameters: how to fill them from the world (objects in street A, where
# every role above has a seat). A route with parameters missing here fails the classification test.
FILL = {
    "regions:geo_node": lambda w: {"code": w["grid"].code},
    "regions:public_roster": lambda w: {"code": w["grid"].code},
    "cases:detail": lambda w: {"number": w["case"].number},
    "cases:act": lambda w: {"number": w["case"].number},
    "cases:reveal": lambda w: {"number": w["case"].number},
    "people:person": lambda w: {"pk": w["person"].pk},
    "people:person_edit": lambda w: {"pk": w["person"].pk},
    "people:person_reveal": lambda w: {"pk": w["person"].pk},
    "people:person_record": lambda w: {"pk": w["person"].pk},
    "people:tag_add": lambda w: {"pk": w["person"].pk},
    "people:visit_add": lambda w: {"pk": w["person"].pk},
    "people:tag_end": lambda w: {"pk": w["tag"].pk},
    "people:building": lambda w: {"pk": w["building"].pk},
    "people:room_add": lambda w: {"pk": w["building"].pk},
    "people:room": lambda w: {"pk": w["room"].pk},
    "people:person_new": lambda w: {"room_pk": w["room"].pk},
    "people:import_job": lambda w: {"pk": w["job"].pk},
    "people:import_status": lambda w: {"pk": w["job"].pk},
    "people:import_report": lambda w: {"pk": w["job"].pk},
    "people:place": lambda w: {"pk": w["place"].pk},
    "hotline:contact": lambda w: {"number": w["contact"].number},
    "hotline:article": lambda w: {"pk": w["article"].pk},
    "hotline:kb_edit": lambda w: {"pk": w["article"].pk},
    "hotline:callback_reveal": lambda w: {"pk": w["callback"].pk},
    "dashboard:report_print": lambda w: {"pk": w["report"].pk},
    "dashboard:report_download": lambda w: {"pk": w["report"].pk},
    "resident:case": lambda w: {"number": w["case"].number},
    "open311:service": lambda w: {"code": w["case"].category.code, "fmt": "json"},
    "open311:request": lambda w: {"rid": w["case"].number, "fmt": "json"},
    "open311:token": lambda w: {"token": "no-such-token", "fmt": "json"},
    "open311:discovery": lambda w: {"fmt": "json"},
    "open311:services": lambda w: {"fmt": "json"},
    "open311:requests": lambda w: {"fmt": "json"},
    "open311:not_found": lambda w: {"rest": "nowhere.json"},
    "people:import_template": lambda w: {"kind": "residents"},
    "mediation:detail": lambda w: {"number": w["dispute"].number},
    "mediation:act": lambda w: {"number": w["dispute"].number},
    "mediation:reveal": lambda w: {"number": w["dispute"].number},
    "mediation:agreement": lambda w: {"number": w["dispute"].number},
    "media": lambda w: {"path": w["photo"]},
}


def matrix_objects(t) -> dict:
    """Every manifest's `matrix_objects`, built on the walk's territory (as the jurisdiction matrix does)."""
    from civicgrid.core.manifest import manifests, resolve

    objs = {"t": t}
    for m in manifests():
        if m.matrix_objects:
            objs.update(resolve(m.matrix_objects)(t))
    return objs


def fill(name: str, w) -> dict:
    """Path arguments for an HTML route: FILL's, else its manifest Route's `args` (inside street A)."""
    if name in FILL:
        return FILL[name](w)
    route = manifest_routes().get(name)
    if route is None or route.args is None:
        raise LookupError(f"cannot fill the path parameters of {name}: give its manifest Route `args`")
    from civicgrid.core.manifest import resolve

    kwargs = dict(resolve(route.args)(w["matrix"], True))
    kwargs.pop("?area", None)
    return kwargs


def manifest_routes() -> dict:
    from civicgrid.core.manifest import routes

    return routes()


# Extra starting parameters for views that read some parameters only after others are set.
SEEDS = {
    "regions:import": [{"action": "preview"}, {"action": "confirm"}, {"action": "cancel"}],
    "hotline:contact": [{"outcome": "answered"}, {"outcome": "case"}, {"outcome": "forwarded"}],
    "resident:report": [{"step": "code"}, {"step": "verify"}],
    "resident:follow": [{"step": "code"}, {"step": "verify"}],
    "selfgov:r_home": [{"step": "send_code"}, {"step": "verify"}, {"step": "choose"}],
    "selfgov:meeting": [{"step": s} for s in ("hold", "resolution", "statement", "publish", "charter")],
}


# Routes deliberately not walked here, with the reason.
SKIP = {
    "core:logout": "ends the session of the walking client; reads no parameters",
}
API_PREFIX = "api/v1/"
# CIVICGRID_HOSTILE_FULL=1: every role gets every parameter × every value (several minutes); by default
# the widest role does, and the others get each value in all parameters at once.
FULL = bool(__import__("os").environ.get("CIVICGRID_HOSTILE_FULL"))


# --- the world -----------------------------------------------------------------------------------
@pytest.fixture
def world(territory, settings):
    # The walk checks statuses, not badge counts: the navigation badges are kept as for real users
    # (core/nav.py), which saves about 40 % of every page's time.
    settings.NAV_BADGE_SECONDS = 600
    from civicgrid.api import services as api_services
    from civicgrid.cases import services as cases
    from civicgrid.cases.models import Category
    from civicgrid.core.models import User
    from civicgrid.dashboard import services as dashboard
    from civicgrid.hotline import services as hotline
    from civicgrid.people import importer
    from civicgrid.people import services as people

    t = territory
    if not Category.objects.exists():
        load_categories()
    matrix = matrix_objects(t)
    staff = t.users["staff_A1"]
    case = cases.intake(t.users["worker_A1a"], channel="grid_worker", category=Category.objects.get(code="09006"),
                        description="学院路占道经营", lng=P_A1a[0], lat=P_A1a[1], photos=[jpeg()],
                        requester_phone="13911112222")
    building = people.create_building(staff, community=t.communities["A1"], name="1号楼", address="学院路12号院",
                                      lng=P_A1a[0], lat=P_A1a[1])
    room = people.room_at(staff, building, "1单元", "101")
    person = people.create_person(staff, {"name": "张建国", "id_number": ident(11), "phone": "13812345678"},
                                  room=room)
    tag = people.add_tag(staff, person, "elderly_alone", reason="独居")
    place = people.create_place(staff, kind=_place_kind(), name="学院路小吃店", community=t.communities["A1"])
    csv = SimpleUploadedFile("residents.csv", "姓名,证件号码\n王五,{}\n".format(ident(33)).encode())
    job = importer.create_job(staff, csv, "residents")
    contact = hotline.record_contact(t.users["operator"], subject="咨询低保办理", caller_phone="13700001111")
    article = hotline.save_article(t.users["operator"], None, title="低保申请", body="到街道办事处申请。",
                                   category="procedure")
    import datetime as dt

    report = dashboard.request_report(t.users["commander"], t.district, dt.date(2026, 1, 1))
    from civicgrid.hotline.models import CallBack
    from tests.hotline.helpers import close_case, hotline_case

    closed = hotline_case(t, phone="13900002222")
    close_case(t, closed)
    callback = CallBack.objects.get(case=closed)
    from civicgrid.mediation import workflow as MW
    from tests.factories import make_user
    from tests.mediation.conftest import register

    t.users["mediator_A1"] = make_user("mediator_A1", MW.MEDIATOR, t.communities["A1"], name="调解员A1")
    dispute = register(t, who="mediator_A1")
    superuser = User.objects.create_superuser("root", password="pass-1234", display_name="超级管理员")
    users = dict(t.users, superuser=superuser)
    tokens = {}
    for name in ROLES[1:]:
        _, raw = api_services.issue_token(superuser, user=users[name], name=f"walk-{name}")
        tokens[name] = raw
    photo = case.events.get(seq=1).attachments.get().thumbnail.name
    return {"matrix": matrix, "t": t, "users": users, "tokens": tokens, "case": case, "building": building, "room": room,
            "person": person, "tag": tag, "place": place, "job": job, "contact": contact, "article": article,
            "report": report, "grid": t.grids["A1a"], "photo": photo, "callback": callback, "dispute": dispute,
            "org": matrix["org_A"], "call": matrix["call_A"], "fund": matrix["fund_A"],
            "affairs": matrix["affairs_A"]}


def _place_kind():
    from civicgrid.people.models import Place

    return Place._meta.get_field("kind").choices[0][0]


# --- walking the URL conf ------------------------------------------------------------------------
def url_routes():
    """(name, route, pattern) for every URL pattern, namespaces joined, admin and API included."""

    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                yield ns + (p.name or ""), prefix + str(p.pattern), p

    return list(walk(get_resolver().url_patterns))


def param_names(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


def is_api(route: str) -> bool:
    return route.startswith(API_PREFIX)


def build_url(name: str, route: str, kwargs: dict) -> str:
    from django.urls import reverse

    if name.endswith(":"):  # an unnamed catch-all (open311's GeoReport 404): its path is the value
        return "/" + route.split("^", 1)[0] + "".join(str(v) for v in kwargs.values())
    return reverse(name, kwargs=kwargs)


# --- recording which parameters a view reads -----------------------------------------------------
MARK = "__walk"  # always in the query string: tells the recorder request.GET from request.POST


class Recorder:
    def __init__(self, method: str = "GET"):
        self.method = method
        self.params: set[str] = set()  # read from the dict this method's values go into
        self.files: set[str] = set()


@contextmanager
def recording(rec: Recorder):
    from django.http import QueryDict

    originals = {m: getattr(MultiValueDict, m) for m in ("__getitem__", "get", "getlist", "__contains__")}

    def wrap(method):
        orig = originals[method]

        def inner(self, key, *args, **kwargs):
            if isinstance(key, str) and key != MARK:
                if not isinstance(self, QueryDict):
                    rec.files.add(key)
                elif dict.__contains__(self, MARK) == (rec.method == "GET"):
                    # GET: keys read from the query string; POST: keys read from the form body.
                    rec.params.add(key)
            return orig(self, key, *args, **kwargs)

        return inner

    for m in originals:
        setattr(MultiValueDict, m, wrap(m))
    try:
        yield rec
    finally:
        for m, f in originals.items():
            setattr(MultiValueDict, m, f)


IGNORED_KEYS = {"csrfmiddlewaretoken"}


def client_for(world, role: str) -> Client:
    """One logged-in client per role for the whole walk (a login per request would double its cost)."""
    clients = world.setdefault("_clients", {})
    if role not in clients:
        c = Client(raise_request_exception=False)
        if role != "anonymous":
            c.force_login(world["users"][role])
        clients[role] = c
    return clients[role]


def reachable(resp) -> bool:
    """The role got past authentication and permission: worth attacking its parameters."""
    if resp.status_code in (401, 403, 404, 405):
        return False
    return not (resp.status_code in (301, 302) and "/login/" in resp.get("Location", ""))


STATS: dict = defaultdict(lambda: [0, 0.0])


def _send(client, method, url, data, files=None):
    import time

    t0 = time.perf_counter()
    sep = "&" if "?" in url else "?"
    if method == "GET":
        r = client.get(url, {**data, MARK: "1"})
    else:
        r = client.post(f"{url}{sep}{MARK}=1", {**data, **(files or {})})
    st = STATS[url.split("?")[0]]
    st[0] += 1
    st[1] += time.perf_counter() - t0
    return r


def _attack_keys(client, method, url, seed, rec, values, failures, who):
    """Every parameter the view reads under `seed` (growing as new ones are read) × every value."""
    done: set = set()
    while True:
        todo = sorted(rec.params - IGNORED_KEYS - set(seed) - done)
        todo_files = sorted(rec.files - {"FILE:" + k for k in done}) if method == "POST" else []
        todo_files = [k for k in todo_files if "FILE:" + k not in done]
        if not todo and not todo_files:
            return
        for key in todo:
            done.add(key)
            for label in values:
                r = _send(client, method, url, {**seed, key: HOSTILE[label]})
                if r.status_code >= 500:
                    failures.append((*who, method, f"{seed} {key}", label, r.status_code))
        for key in todo_files:
            done.add("FILE:" + key)
            for label, (fname, content) in HOSTILE_FILES.items():
                r = _send(client, method, url, dict(seed), {key: SimpleUploadedFile(fname, content)})
                if r.status_code >= 500:
                    failures.append((*who, method, f"{seed} file {key}", label, r.status_code))


# What every other role gets, in all parameters at once: one value of each kind of failure.
BROAD = ["date_max", "huge_int", "long"]


def attack_view(world, name, url, failures, *, seeds=(), roles=ROLES, deep_role="superuser", full=False,
                deep_values=None):
    """The deep role: every parameter the view reads × every hostile value, GET and POST, under each
    seed (a starting set of parameters that opens a branch of the view). Every other role that can
    reach the view, and the anonymous visitor always: the BROAD values in all those parameters at
    once — or, with `full`, the deep treatment too.
    """
    keys: dict = {}
    methods = []
    client = client_for(world, deep_role)
    for method in ("GET", "POST"):
        for seed in [{}, *seeds]:
            rec = Recorder(method)
            with recording(rec):
                base = _send(client, method, url, dict(seed))
                if base.status_code >= 500:
                    failures.append((name, deep_role, method, repr(seed), "benign", base.status_code))
                if base.status_code == 405:
                    break
                _attack_keys(client, method, url, seed, rec, deep_values or HOSTILE, failures, (name, deep_role))
            keys[(method, tuple(sorted(seed.items())))] = rec.params - IGNORED_KEYS - set(seed)
        else:
            methods.append(method)
    for role in roles:
        if role == deep_role:
            continue
        client = client_for(world, role)
        for method in methods:
            base = _send(client, method, url, {})
            if base.status_code >= 500:
                failures.append((name, role, method, "-", "benign", base.status_code))
            if role != "anonymous" and not reachable(base):
                continue
            for seed in [{}, *seeds]:
                if full:
                    rec = Recorder(method)
                    with recording(rec):
                        _send(client, method, url, dict(seed))
                        _attack_keys(client, method, url, seed, rec, HOSTILE, failures, (name, role))
                    continue
                role_keys = keys[(method, tuple(sorted(seed.items())))]
                for label in BROAD:
                    r = _send(client, method, url, {**{k: HOSTILE[label] for k in role_keys}, **seed})
                    if r.status_code >= 500:
                        failures.append((name, role, method, f"{seed} all of {sorted(role_keys)}", label,
                                         r.status_code))


def _profile(failures) -> None:
    """CIVICGRID_HOSTILE_PROFILE=FILE: requests and seconds per URL, then the failures (tuning aid)."""
    import os

    if os.environ.get("CIVICGRID_HOSTILE_PROFILE"):
        with open(os.environ["CIVICGRID_HOSTILE_PROFILE"], "a") as fh:
            for u, (n, secs) in sorted(STATS.items(), key=lambda x: -x[1][1]):
                fh.write(f"{secs:8.2f}s {n:6d} {u}\n")
            seen = {}
            for f in failures:
                seen.setdefault((f[0], f[3] if "all of" not in str(f[3]) else "all", f[4]), f)
            fh.write("\n".join(" | ".join(str(x) for x in f) for f in seen.values()) + "\n")


def _fmt(failures) -> str:
    return "\n".join(" | ".join(str(x) for x in f) for f in failures[:80]) + (
        f"\n… and {len(failures) - 80} more" if len(failures) > 80 else "")


# --- the tests -----------------------------------------------------------------------------------
def test_every_route_is_filled_or_classified():
    """A route this file cannot fill would silently escape the walk: refuse that."""
    missing = []
    for name, route, _ in url_routes():
        if is_api(route) or is_admin(name) or name in SKIP:
            continue
        if param_names(route) and name not in FILL and getattr(manifest_routes().get(name), "args", None) is None:
            missing.append(f"{name} ({route})")
        if not name:
            missing.append(f"unnamed route {route}")
    assert not missing, "routes the hostile walk cannot fill; give their manifest Route `args` (or add them to FILL or SKIP): " + ", ".join(missing)
    stale = set(FILL) - {n for n, _, _ in url_routes()}
    assert not stale, f"FILL names routes that no longer exist: {stale}"


@pytest.mark.parametrize("part", range(SHARDS))
def test_no_5xx_on_hostile_query_and_form_parameters(world, settings, part):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    failures: list = []
    walked = 0
    try:
        for name, route, _ in shard(url_routes(), part):
            if is_api(route) or is_admin(name) or name in SKIP:
                continue
            url = build_url(name, route, fill(name, world) if param_names(route) else {})
            attack_view(world, name, url, failures, seeds=SEEDS.get(name, ()), full=FULL)
            walked += 1
    finally:
        _profile(failures)
    assert walked >= 70 // SHARDS
    assert not failures, "5xx on hostile input:\n" + _fmt(failures)


def test_no_5xx_on_hostile_path_parameters(world):
    failures = []
    for name, route, pattern in url_routes():
        if is_api(route) or is_admin(name) or name in SKIP or not param_names(route):
            continue
        kwargs = fill(name, world)
        for key in kwargs:
            if key == "fmt":
                continue
            real = build_url(name, route, kwargs)
            for label, value in HOSTILE_PATH.items():
                # The real URL with this one parameter's value swapped (an int converter simply will
                # not match "abc": a 404 from the resolver is a fine answer too).
                url = real.replace(str(kwargs[key]), value, 1)
                for role in ("anonymous", "superuser", "staff_A1"):
                    r = client_for(world, role).get(url)
                    if r.status_code >= 500:
                        failures.append((name, role, "GET", key, label, r.status_code))
    assert not failures, "5xx on hostile path parameters:\n" + _fmt(failures)


def test_no_5xx_on_hostile_admin_parameters(world):
    """The admin: every changelist with hostile search, ordering, paging, popup and filter values (all
    at once, per value) as the superuser and a system administrator, and every change page with an
    id past bigint. CIVICGRID_HOSTILE_FULL=1 walks every admin page parameter by parameter instead."""
    from django.contrib import admin

    failures = []
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        obj = model._default_manager.first()
        if FULL:
            urls = [base, base + "add/"] + ([f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/"] if obj else [])
            for url in urls:
                attack_view(world, f"admin {url}", url, failures, roles=["anonymous", "superuser", "admin"], full=True)
            continue
        filters = [f if isinstance(f, str) else getattr(f, "parameter_name", "") for f in model_admin.list_filter]
        keys = ["q", "o", "p", "all", "e", "_to_field", "_popup", *[f"{f}__exact" for f in filters if f],
                *[f for f in filters if f]]
        for role in ("superuser", "admin"):
            client = client_for(world, role)
            for label in BROAD + ["nul"]:
                r = client.get(base, {k: HOSTILE[label] for k in keys})
                if r.status_code >= 500:
                    failures.append((base, role, "GET", "all", label, r.status_code))
            for label in ("huge_int", "long"):
                r = client.get(f"{base}{HOSTILE[label][:300]}/change/")
                if r.status_code >= 500:
                    failures.append((base + "ID/change/", role, "GET", "object_id", label, r.status_code))
    assert not failures, "5xx on hostile admin input:\n" + _fmt(failures)


# --- the API -------------------------------------------------------------------------------------
def _api_schema():
    from civicgrid.api.api import api

    return api.get_openapi_schema()


def api_fill(world, path_param: str, path: str) -> str:
    if path_param == "code":
        return world["grid"].code if "/regions/" in path else world["case"].category.code
    if path_param == "number":
        if "/procurement/" in path:
            return world["call"].number
        if "/affairs/" in path:
            return world["affairs"].number
        return world["dispute"].number if "/mediation/" in path else world["case"].number
    if path_param == "pk":
        if "/orgs/" in path:
            return str(world["org"].pk)
        if "/procurement/funds/" in path:
            return str(world["fund"].pk)
        return str(world["person"].pk)
    raise LookupError(f"cannot fill API path parameter {path_param} of {path}")


def api_url(world, method: str, path: str) -> str:
    """The API path with its parameters: the manifest Route's `args` when it has them, else api_fill."""
    route = manifest_routes().get(f"{method} {path}")
    if route is not None and route.args is not None:
        from civicgrid.core.manifest import resolve

        kwargs = resolve(route.args)(world["matrix"], True)
        return re.sub(r"{(\w+)}", lambda m: str(kwargs[m.group(1)]), path)
    return re.sub(r"{(\w+)}", lambda m: api_fill(world, m.group(1), path), path)


def _api_routes():
    schema = _api_schema()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method.upper(), op, schema


def test_every_api_route_is_in_the_walk():
    """Every ninja operation in the URL conf is in the OpenAPI schema the API walk reads."""
    from civicgrid.api.api import api

    in_schema = {(p, m) for p, m, _, _ in _api_routes()}
    ops = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                for m in op.methods:
                    joined = "/".join(x.strip("/") for x in ("/api/v1", prefix, path) if x.strip("/"))
                    ops.add(("/" + joined, m.upper()))
    assert ops and ops <= in_schema, ops - in_schema
    for path, method, _, _ in _api_routes():
        if getattr(manifest_routes().get(f"{method} {path}"), "args", None) is not None:
            continue
        for name in re.findall(r"{(\w+)}", path):
            assert name in ("code", "number", "pk"), f"give the manifest Route of {method} {path} `args` for {name}"


def _body_fields(op, schema) -> dict:
    ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if not ref:
        return {}
    comp = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return comp.get("properties", {})


API_HOSTILE = [*HOSTILE.values(), 99999999999999999999, -1, 1e308, None, [], {}, True]


def test_no_5xx_on_hostile_api_parameters(world):
    """The widest token: every query parameter and body field × every hostile value, plus broken
    bodies (100 000-deep, NUL, not JSON). Every other role's token and no token: the BROAD values in
    all query parameters at once, and the broken bodies."""
    import json

    failures = []
    bodies = {"deep": DEEP_JSON, "nul": '{"a": "\\u0000"}', "garbage": "{{{", "huge": "9" * 5000}
    for path, method, op, schema in _api_routes():
        url = api_url(world, method, path)
        query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        body = _body_fields(op, schema)
        for role in ["superuser", "anonymous", *[r for r in ROLES[1:] if r != "superuser"]]:
            headers = {} if role == "anonymous" else {"HTTP_AUTHORIZATION": f"Bearer {world['tokens'][role]}"}
            c = Client(raise_request_exception=False)
            deep = role == "superuser" or FULL
            sends = ([(_qs({key: v}), key, label) for key in query for label, v in HOSTILE.items()] if deep else
                     [(_qs({k: HOSTILE[label] for k in query}), "all", label) for label in BROAD] if query else [])
            for qs, key, label in sends:
                r = c.generic(method, url + "?" + qs, **headers)
                if r.status_code >= 500:
                    failures.append((path, role, method, key, label, r.status_code))
            if method in ("POST", "PUT", "PATCH"):
                for label, raw in bodies.items():
                    r = c.generic(method, url, raw, content_type="application/json", **headers)
                    if r.status_code >= 500:
                        failures.append((path, role, method, "body", label, r.status_code))
                for key in body if deep else []:
                    for value in API_HOSTILE:
                        r = c.generic(method, url, json.dumps({key: value}), content_type="application/json",
                                      **headers)
                        if r.status_code >= 500:
                            failures.append((path, role, method, key, repr(value)[:20], r.status_code))
    assert not failures, "5xx on hostile API input:\n" + _fmt(failures)


def _qs(d: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(d)


# --- the ones the security review found: each a 400 that says why ---------------------------------
REPORTED = [  # (role, method, url, data, what the answer must say)
    ("commander", "GET", "/dashboard/board/?end=0001-01-01", None, "须在 1900-01-01 至 2100-12-31 之间"),
    ("commander", "GET", "/dashboard/board/?end=9999-12-31", None, "须在 1900-01-01 至 2100-12-31 之间"),
    ("commander", "GET", "/dashboard/topics/?month=0001-01", None, "“月份”须在 1900-01 至"),
    ("commander", "GET", "/cases/evaluation/?date_from=0001-01-01&date_to=9999-12-31", None, "“开始日期”须在"),
    ("operator", "GET", "/hotline/rates/?start=0001-01-01", None, "“开始日期”须在"),
    ("operator", "GET", "/hotline/rates/?end=9999-12-31", None, "“结束日期”须在"),
    ("anonymous", "GET", "/open311/v2/requests.json?start_date=0001-01-01T00:00:00", None,
     "start_date must be a W3C datetime between 1900 and 2100"),
    ("anonymous", "GET", "/cases/%00/", None, "请求地址中包含无效字符"),
    ("staff_A1", "GET", "/people/?grid=99999999999999999999", None, "“网格”超出允许范围"),
    ("staff_A1", "GET", "/people/?grid=abc", None, "“网格”须为整数"),
    ("staff_A1", "GET", "/people/care/?grid=99999999999999999999", None, "“网格”超出允许范围"),
    ("commander", "GET", "/dashboard/cases/?category=abc", None, "“类别”须为整数"),
    ("commander", "GET", "/dashboard/cases/?department=99999999999999999999", None, "“部门”超出允许范围"),
    ("operator", "POST", "/hotline/callbacks/", {"callback": "abc"}, "“回访”须为整数"),
]


@pytest.mark.parametrize("role,method,url,data,reason", REPORTED, ids=[f"{r[2]}" for r in REPORTED])
def test_reported_bad_input_answers_400_with_the_reason(world, role, method, url, data, reason):
    client = client_for(world, role)
    resp = client.get(url) if method == "GET" else client.post(url, data)
    body = resp.content.decode()
    assert resp.status_code == 400, (url, resp.status_code)
    assert reason in body, body[-800:]


def test_nul_in_a_search_is_cleaned_not_a_500(world):
    """core.middleware.CleanInputMiddleware strips control characters from every parameter."""
    resp = client_for(world, "staff_A1").get("/people/?q=%00张")
    assert resp.status_code == 200 and "张建国" in resp.content.decode()


def test_non_numeric_and_huge_ids_in_forms_are_refused_with_the_reason(world):
    """The case form's `unit` and the import mapping's `map_name` took any text into int()."""
    from civicgrid.cases.models import Case

    disp = client_for(world, "dispatcher_A")
    case = world["case"]
    from civicgrid.cases import services as cases

    cases.act(world["users"]["dispatcher_A"], case, "file")
    case = Case.objects.get(pk=case.pk)
    for bad in ("abc", "99999999999999999999"):
        resp = disp.post(f"/cases/{case.number}/act/", {"action": "dispatch", "unit": bad, "version": case.version})
        assert resp.status_code == 400 and "“处置单位”" in resp.content.decode()
        assert Case.objects.get(pk=case.pk).state == "filed"
    staff = client_for(world, "staff_A1")
    for bad in ("abc", "99999999999999999999"):
        resp = staff.post(f"/people/import/{world['job'].pk}/", {"map_name": bad, "mode": "accept_good"})
        assert resp.status_code == 400 and "“列”" in resp.content.decode()
    world["job"].refresh_from_db()
    assert world["job"].status == "uploaded"


def test_deep_json_on_the_regions_import_is_a_file_error_not_a_500(world):
    admin = client_for(world, "superuser")
    upload = SimpleUploadedFile("deep.geojson", DEEP_JSON.encode())
    resp = admin.post("/regions/import/", {"action": "preview", "file": upload})
    assert resp.status_code == 400 and "嵌套层数超过 64 层" in resp.content.decode()


def test_deep_json_on_the_import_command_is_a_clean_error(world, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "deep.geojson"
    path.write_text(DEEP_JSON)
    with pytest.raises(CommandError, match="嵌套层数超过 64 层"):
        call_command("import-regions", str(path), "--as", "root")
