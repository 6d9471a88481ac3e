"""The domain-app manifest: what one app contributes to the whole, declared in one place.

Each app has a `manifest.py` with `MANIFEST = AppManifest(...)` (or its AppConfig names one in a
`manifest = "dotted.path"` attribute: core does, since this module is the contract itself). Core, the navigation, the API root,
the URL conf, the landing page, the worker, /media/, the audit labels, the dashboard and the
jurisdiction matrix read the manifests through the functions at the bottom of this module and name
no app. Adding an app is its folder plus one line in INSTALLED_APPS.

Anything that would import the app's models (a badge count, a KPI, a seeder, a media check, a
router) may be given as a dotted path string: it is imported on first use, after the app registry
is ready, so a manifest module itself stays cheap and import-cycle free.

See docs/architecture.md for a worked example.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

Ref = Callable | str  # a callable or the dotted path of one


def resolve(ref: Ref | None):
    """A callable (or object) from a dotted path; callables pass through unchanged."""
    if ref is None or not isinstance(ref, str):
        return ref
    return import_string(ref)


ALL_STAFF = None  # roles=ALL_STAFF: every logged-in user with any seat (and the superuser)


@dataclass(frozen=True)
class NavEntry:
    """A link in the top navigation bar."""

    label: str
    url_name: str
    roles: tuple[str, ...] | None = ALL_STAFF
    # badge(user) -> list of (text, css class, title); e.g. [("3", "", "待办"), ("超期 1", "badge-overdue", "超期")]
    badge: Ref | None = None
    order: int = 50
    anonymous: bool = False  # shown to visitors who are not logged in (and only to them)
    css: str = ""  # a class on the link (tests and scripts find it by this)


@dataclass(frozen=True)
class RoleDef:
    """A role an app adds. It is held at a region node of one of `levels`, or at a department unit.

    No migration is needed: Role.role validates against the registry (core/roles.py).
    `capabilities`: the personal-data capabilities the role has by default (people/capabilities.py).
    """

    code: str
    label: str
    levels: frozenset[str] = frozenset()
    department: bool = False
    capabilities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class UrlInclude:
    prefix: str  # "cases/"; "" for the site root
    module: str  # "civicgrid.cases.urls"


@dataclass(frozen=True)
class Tile:
    """A card on the landing page (core/landing.py) for the listed roles (None: every role)."""

    roles: tuple[str, ...] | None
    label: str
    url_name: str
    hint: str = ""
    order: int = 50


@dataclass(frozen=True)
class Periodic:
    task: Ref  # a django_tasks Task, or its dotted path
    every: dt.timedelta


@dataclass(frozen=True)
class MediaRule:
    """`check(request, relpath) -> bool` for files under MEDIA_ROOT/prefix; rules for a prefix are OR-ed."""

    prefix: str
    check: Ref


PD_KINDS = {
    "id_number": "证件号码", "phone": "电话", "name": "姓名", "address": "地址", "free_text": "自由文本",
}


@dataclass(frozen=True)
class PersonalField:
    """A field holding personal data. `model` is "app_label.ModelName".

    Used for masking and export (which fields to mask), subject-access copies (which models hold a
    person's data), anonymisation (what to blank), key rotation (which encrypted columns exist; a test
    fails when an EncryptedTextField is not declared) and the data-hygiene grep.
    """

    model: str
    field: str
    kind: str  # one of PD_KINDS
    encrypted: bool = False
    # False for a model whose rows are about staff or businesses (a mediator's work phone, a shop's
    # contact): the register's retention rule does not reach them (personal_data.anonymise_for_phone).
    anonymise: bool = True

    def __post_init__(self):
        if self.kind not in PD_KINDS:
            raise ValueError(f"unknown personal-data kind {self.kind!r}; one of {sorted(PD_KINDS)}")


@dataclass(frozen=True)
class Kpi:
    """A command-centre figure. `compute(area, start, end) -> number | None` reads the app's own events
    or rollups for the area (a Region the caller may see) and the period [start, end] (dates)."""

    code: str
    label: str
    formula: str
    compute: Ref
    unit: str = ""  # "%" renders a ratio as a percentage
    order: int = 50


@dataclass(frozen=True)
class Seeder:
    """Demo data: `run(stdout) -> None`, called by `civicgrid seed-apps` in `order` (lower first)."""

    label: str
    run: Ref
    order: int = 50


# --- jurisdiction-matrix classification -------------------------------------------------------
# How a route is guarded. The matrix test (tests/test_jurisdiction_matrix.py) walks every URL
# pattern and API route and fails for one no manifest classifies.
PUBLIC = "public"          # anyone, logged in or not (resident pages, Open311, login)
STAFF = "staff"            # any logged-in user; shows only what visible_to() lets them see
ROLES = "roles"            # only the listed roles; the others get 403 with the reason (`refusal`)
SCOPED = "scoped"          # an object in the URL: in scope → allowed, out of scope → 404 / 403 (`refusal`)
ADMIN_SITE = "admin_site"  # Django's admin, guarded by is_staff and scoped by ScopedAdmin (tests/core)
ACCESS_KINDS = (PUBLIC, STAFF, ROLES, SCOPED, ADMIN_SITE)


@dataclass(frozen=True)
class Route:
    """A jurisdiction-matrix entry for one URL name ("cases:detail") or API route ("GET /cases/{number}").

    `args(objs, inside: bool) -> dict` builds the URL kwargs (HTML) or path params (API) for an object
    inside (True) or outside (False) the acting user's jurisdiction; `objs` is what the manifest's
    `matrix_objects` built (street A's users act, street B holds the out-of-scope objects). `data` is sent with a
    POST. `refusal` is the text (HTML) or error code (API) the refusal must carry.
    """

    name: str
    access: str
    roles: tuple[str, ...] | None = None
    args: Ref | None = None
    method: str = "GET"
    data: dict | None = None
    refusal: str = ""
    # For SCOPED routes with `roles`: the text (a regular expression) refusing the other roles.
    role_refusal: str = ""
    # Roles whose street-A user must be refused the out-of-scope object; None: the street-level seats
    # (grid worker, community staff, street dispatcher, department handler) among `roles`.
    outsiders: tuple[str, ...] | None = None
    note: str = ""

    def __post_init__(self):
        if self.access not in ACCESS_KINDS:
            raise ValueError(f"{self.name}: access must be one of {ACCESS_KINDS}")


@dataclass(frozen=True)
class AppManifest:
    app: str  # the app label, "cases"
    nav: tuple[NavEntry, ...] = ()
    roles: tuple[RoleDef, ...] = ()
    audit_subjects: dict[str, str] = field(default_factory=dict)
    audit_verbs: dict[str, str] = field(default_factory=dict)
    api_routers: tuple[str, ...] = ()  # dotted paths of ninja Routers
    api_prefix: str | None = None  # mounted at /api/v1/<api_prefix>/; None = the app label
    urls: tuple[UrlInclude, ...] = ()
    tiles: tuple[Tile, ...] = ()
    periodic: tuple[Periodic, ...] = ()
    media: tuple[MediaRule, ...] = ()
    personal_data: tuple[PersonalField, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    routes: tuple[Route, ...] = ()
    # matrix_objects(territory) -> dict: the app's objects inside street A and inside street B, built
    # through its services, for the Route.args builders (tests/test_jurisdiction_matrix.py).
    matrix_objects: Ref | None = None
    seeders: tuple[Seeder, ...] = ()
    # Dotted paths of the app's feeds into the grid worker's day list (workforce/tasklist.py):
    # `source(grids, day) -> {grid_id: [dict(key, kind, title, detail="", link="", urgent=False)]}`,
    # plain dicts so the app need not import workforce.
    task_sources: tuple[str, ...] = ()


# --- the collector -------------------------------------------------------------------------------

@cache
def manifests() -> tuple[AppManifest, ...]:
    """Every installed app's manifest, in INSTALLED_APPS order. Apps without one contribute nothing."""
    import importlib

    out = []
    for config in apps.get_app_configs():
        declared = getattr(config, "manifest", None)  # an AppConfig may name its manifest (core does)
        if declared:
            out.append(import_string(declared))
            continue
        try:
            module = importlib.import_module(f"{config.name}.manifest")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.manifest":
                raise  # the manifest exists but imports something missing: that is a bug, say so
            continue
        m = getattr(module, "MANIFEST", None)
        if not isinstance(m, AppManifest):
            raise TypeError(f"{config.name}.manifest must define MANIFEST = AppManifest(...)")
        out.append(m)
    return tuple(out)


def each(attr: str) -> Iterator[tuple[AppManifest, Any]]:
    for m in manifests():
        for item in getattr(m, attr):
            yield m, item


@cache
def role_defs() -> dict[str, RoleDef]:
    out: dict[str, RoleDef] = {}
    for m, r in each("roles"):
        if r.code in out:
            raise ValueError(f"role {r.code!r} declared twice ({m.app})")
        out[r.code] = r
    return out


@cache
def routes() -> dict[str, Route]:
    out: dict[str, Route] = {}
    for m, r in each("routes"):
        if r.name in out:
            raise ValueError(f"route {r.name!r} classified twice ({m.app})")
        out[r.name] = r
    return out
