"""The demo district (`civicgrid seed-demo`): an invented city, district, streets, communities and
grids with exact polygons, the district's departments and their street units, and users for every
role.

Everything is derived from one integer seed, so two runs with the same seed build the same district.

Geometry. The district is a lattice of jittered quadrilateral cells ("blocks") whose corners are
shared: cell (c, r) has corners V[c][r], V[c+1][r], V[c+1][r+1], V[c][r+1]. Every region is a union
of whole cells, so neighbours share their edges vertex for vertex and the union of a community's
grids *is* the community: no gaps, no overlaps, no floating-point slivers. The lattice is cut
top-down (district → streets → communities → grids) by growing one part from the western or
northern edge along a wavy front while the rest stays connected, which keeps every region one
piece without holes.

Codes are valid in form (regions/codes.py): city 990100 and district 990102 use the unassigned
province prefix 99, so no demo code can collide with a real division code.

Roster (实名制公示) people created here: each grid has a grid worker (网格员, public); each community
a grid leader (网格长, community staff, public) and a community worker (not public); the police
station and urban-management squad of each street have one public officer (社区民警, 城管队员)
besides a desk handler (not public). regions/roster.py shows a grid's roster from exactly these
seats: public roles at the grid, at its community, and at department units serving its street.
"""
from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field

import shapely
from shapely.geometry import Polygon, mapping

from . import codes

DEMO_PASSWORD = "civicgrid-demo"
DEMO_USER_PREFIX = "demo-"
CITY_CODE, CITY_NAME = "990100", "示范市"
DISTRICT_CODE, DISTRICT_NAME = "990102", "青禾区"
DEFAULT_SEED = 20240601

# The district's rough frame in WGS-84: about 10 km × 8 km in the north-west of a Beijing-like city.
WEST, EAST, SOUTH, NORTH = 116.300, 116.420, 39.870, 39.945


@dataclass(frozen=True)
class Plan:
    cols: int
    rows: int
    streets: int
    communities: int
    grids: int


PLANS = {
    # ≈ 6 streets, 40 communities, 300 grids of 2–3 blocks each.
    "full": Plan(cols=38, rows=28, streets=6, communities=40, grids=300),
    # For tests: the same shapes, a few seconds faster.
    "small": Plan(cols=12, rows=9, streets=2, communities=6, grids=24),
}

STREET_NAMES = ["禾丰街道", "云杉街道", "青石街道", "柳湾街道", "枫林街道", "星桥街道", "鹭洲街道", "竹溪街道"]
_COMMUNITY_FIRST = "桂杏荷柳松竹梅兰枫桐榆槐樟棠莲菱芷芸苇萱蓉楠杉桦橙柚茗"
_COMMUNITY_SECOND = "香溪风岸荫韵泉石林塘"
_COMMUNITY_SUFFIX = ["苑", "里", "园", "坊", "湾", "庭", "居", "府"]
_KEY_UNITS = ["青禾区人民医院", "青禾第一中学", "禾丰商业广场", "青禾火车站", "云杉科技园", "青石体育中心",
              "柳湾农贸市场", "枫林职业学院", "星桥会展中心", "青禾区中医院"]
_ROADS = ["青禾大街", "云杉路", "柳湾北路", "星桥东路", "青石西路", "枫林南路"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红梅燕飞文斌宇浩凯晨欣怡佳雪婷颖琳晓东海波峰亮成林"

# (key, department name, short name, street-unit name template or None for district-only,
#  title of the public officer each street unit puts on the roster, or None)
DEPARTMENTS = [
    ("POL", "公安分局", "公安", "{street}派出所", "社区民警"),
    ("URB", "城市管理综合行政执法局", "城管", "{street}城管执法队", "城管队员"),
    ("MKT", "市场监督管理局", "市场监管", "{street}市场监管所", None),
    ("HOU", "住房和城乡建设委员会", "房管", "{street}房管所", None),
    ("ENV", "生态环境局", "生态环境", None, None),
    ("WAT", "水务局", "水务", "{street}水务所", None),
    ("TRA", "交通局", "交通", None, None),
    ("HEA", "卫生健康委员会", "卫健", "{street}社区卫生服务中心", None),
    ("CIV", "民政局", "民政", None, None),
]


# ---------------------------------------------------------------------------------------------
# Layout: pure geometry and names, no database.

@dataclass
class RegionSpec:
    code: str
    name: str
    level: str
    geometry: dict
    grid_kind: str = ""
    children: list["RegionSpec"] = field(default_factory=list)
    cells: frozenset = frozenset()


Cell = tuple[int, int]  # (column west→east, row north→south)


def _neighbours(cell: Cell):
    c, r = cell
    return ((c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1))


def _grow(cells: set[Cell], target: int, along_columns: bool, rng: random.Random, wiggle: float,
          attempt: int = 0) -> set[Cell]:
    """Cut about `target` cells off the west (or north) side along a wavy line, then repair: any
    piece the cut left stranded on the wrong side joins the side it touches, so both sides are
    one piece. Later attempts tilt the line and start from the other side."""
    amp = rng.uniform(0.4, 1.0) * wiggle
    freq = rng.uniform(0.35, 0.9)
    phase = rng.uniform(0, 2 * math.pi)
    tilt = rng.uniform(-0.6, 0.6) if attempt else 0.0
    sign = -1 if attempt % 2 else 1

    def key(cell: Cell) -> float:
        u, v = (cell[0], cell[1]) if along_columns else (cell[1], cell[0])
        return sign * u + amp * math.sin(v * freq + phase) + tilt * v + v * 1e-3

    part = set(sorted(cells, key=key)[:target])
    for _ in range(6):
        moved = False
        for side, other in ((part, cells - part), (cells - part, part)):
            comps = sorted(_components(side), key=len, reverse=True)
            for comp in comps[1:]:
                moved = True
                if side is part:
                    part -= comp
                else:
                    part |= comp
            if moved:
                break
        if not moved:
            return part
    return part


def _components(cells: set[Cell]) -> list[set[Cell]]:
    left, out = set(cells), []
    while left:
        start = left.pop()
        comp, queue = {start}, deque([start])
        while queue:
            for n in _neighbours(queue.popleft()):
                if n in left:
                    left.discard(n)
                    comp.add(n)
                    queue.append(n)
        out.append(comp)
    return out


def _partition(cells: set[Cell], k: int, rng: random.Random, wiggle: float, aspect: float) -> list[set[Cell]]:
    """Split a connected cell set into k connected parts of near-equal size."""
    if k <= 1:
        return [cells]
    if k > len(cells):
        raise ValueError("more parts than cells")
    k1 = k // 2
    target = max(k1, min(len(cells) - (k - k1), round(len(cells) * k1 / k)))
    cols = [c for c, _ in cells]
    rows = [r for _, r in cells]
    # Cut across the longer side so parts stay compact; `aspect` is a cell's width/height in metres.
    along_columns = (max(cols) - min(cols) + 1) * aspect >= (max(rows) - min(rows) + 1)
    for attempt in range(30):
        part = _grow(cells, target, along_columns, rng, wiggle, attempt)
        # Absorbing cut-off pieces may overshoot; both sides must still have a cell per part.
        if (k1 <= len(part) <= len(cells) - (k - k1) and abs(len(part) - target) <= max(2, target // 4)
                and len(_components(part)) == 1 and len(_components(cells - part)) == 1):
            break
    else:
        raise RuntimeError("demo layout: could not split a region into connected parts")
    rest = cells - part
    return _partition(part, k1, rng, wiggle, aspect) + _partition(rest, k - k1, rng, wiggle, aspect)


def _apportion(total: int, sizes: list[int], minimum: int = 1) -> list[int]:
    """Share `total` among parts in proportion to `sizes` (largest remainder), each ≥ minimum and ≤ size."""
    whole = sum(sizes)
    raw = [total * s / whole for s in sizes]
    out = [max(minimum, min(s, int(x))) for x, s in zip(raw, sizes)]
    order = sorted(range(len(sizes)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(out) < total and any(out[j] < sizes[j] for j in range(len(sizes))):
        j = order[i % len(order)]
        if out[j] < sizes[j]:
            out[j] += 1
        i += 1
    return out


class _Lattice:
    def __init__(self, plan: Plan, rng: random.Random):
        self.plan = plan
        dx = (EAST - WEST) / plan.cols
        dy = (NORTH - SOUTH) / plan.rows
        self.aspect = dx * math.cos(math.radians((NORTH + SOUTH) / 2)) / dy
        # Corner (i, j): i west→east, j north→south. Jitter < 30 % of a cell keeps every quad simple.
        self.v = [[(round(WEST + i * dx + rng.uniform(-0.28, 0.28) * dx, 6),
                    round(NORTH - j * dy + rng.uniform(-0.28, 0.28) * dy, 6))
                   for j in range(plan.rows + 1)] for i in range(plan.cols + 1)]
        # A blob, not a rectangle: cells inside a wobbly super-ellipse around the centre.
        phase = rng.uniform(0, 2 * math.pi)
        inside = set()
        for c in range(plan.cols):
            for r in range(plan.rows):
                u = (c + 0.5) / plan.cols * 2 - 1
                w = (r + 0.5) / plan.rows * 2 - 1
                theta = math.atan2(w, u)
                radius = 1.0 + 0.10 * math.sin(3 * theta + phase) + 0.05 * math.sin(5 * theta + 2 * phase)
                if abs(u) ** 3 + abs(w) ** 3 <= radius ** 3:
                    inside.add((c, r))
        self.cells = _largest_component(inside)

    def polygon(self, cell: Cell) -> Polygon:
        c, r = cell
        v = self.v
        return Polygon([v[c][r], v[c + 1][r], v[c + 1][r + 1], v[c][r + 1]])

    def union(self, cells) -> dict:
        geom = shapely.union_all([self.polygon(c) for c in sorted(cells)])
        if geom.geom_type != "Polygon" or len(geom.interiors) or not geom.is_valid:
            raise RuntimeError("demo layout: a region is not one simple polygon")
        return mapping(shapely.normalize(geom))


def _largest_component(cells: set[Cell]) -> set[Cell]:
    return max(_components(cells), key=len)


def _reading_order(parts: list[set[Cell]], band: float) -> list[set[Cell]]:
    """North→south in bands, west→east inside a band: the unit-grid numbering rule."""
    def key(part):
        mean_c = sum(c for c, _ in part) / len(part)
        mean_r = sum(r for _, r in part) / len(part)
        return (int(mean_r // band), mean_c)
    return sorted(parts, key=key)


def _community_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = rng.choice(_COMMUNITY_FIRST) + rng.choice(_COMMUNITY_SECOND) + rng.choice(_COMMUNITY_SUFFIX)
        if name not in names and name[0] not in {x[0] for x in names[-3:]}:
            names.append(name)
    return names


def build_layout(seed: int = DEFAULT_SEED, size: str = "full") -> RegionSpec:
    """The demo city's tree with geometry and names; the same seed gives the same tree."""
    plan = PLANS[size]
    for attempt in range(20):
        try:
            return _build_layout(random.Random(f"{seed}:{size}:{attempt}"), plan)
        except RuntimeError:
            continue  # an unlucky cut (a ring around a neighbour, say): draw again, still deterministic
    raise RuntimeError("demo layout: no valid layout in 20 attempts")


def _build_layout(rng: random.Random, plan: Plan) -> RegionSpec:
    lat = _Lattice(plan, rng)
    district_geom = lat.union(lat.cells)
    city_geom = mapping(shapely.box(WEST - 0.08, SOUTH - 0.06, EAST + 0.08, NORTH + 0.06))
    city = RegionSpec(CITY_CODE, CITY_NAME, codes.CITY, city_geom)
    district = RegionSpec(DISTRICT_CODE, DISTRICT_NAME, codes.DISTRICT, district_geom, cells=frozenset(lat.cells))
    city.children.append(district)

    total = len(lat.cells)
    band = lambda n, k: math.sqrt(n / k) / max(lat.aspect, 0.5)  # noqa: E731  (a part's typical height)
    streets = _reading_order(_partition(set(lat.cells), plan.streets, rng, 2.0, lat.aspect),
                             band(total, plan.streets))
    comm_counts = _apportion(plan.communities, [len(s) for s in streets], minimum=2)
    names = _community_names(rng, plan.communities + 5)
    for si, s_cells in enumerate(streets, start=1):
        street = RegionSpec(f"{DISTRICT_CODE}{si:03d}000", STREET_NAMES[si - 1], codes.STREET,
                            lat.union(s_cells), cells=frozenset(s_cells))
        district.children.append(street)
        comms = _reading_order(_partition(s_cells, comm_counts[si - 1], rng, 1.2, lat.aspect),
                               band(len(s_cells), comm_counts[si - 1]))
        for ci, c_cells in enumerate(comms, start=1):
            community = RegionSpec(f"{street.code[:9]}{ci:03d}", names.pop(0) + "社区", codes.COMMUNITY,
                                   lat.union(c_cells), cells=frozenset(c_cells))
            street.children.append(community)
    communities = [c for s in district.children for c in s.children]
    grid_counts = _apportion(plan.grids, [len(c.cells) for c in communities], minimum=1)
    for community, n in zip(communities, grid_counts):
        while True:
            try:
                parts = _partition(set(community.cells), n, rng, 0.6, lat.aspect)
                break
            except RuntimeError:
                if n == 1:
                    raise
                n -= 1  # a thin community that will not cut into n pieces gets one grid fewer
        parts = _reading_order(parts, band(len(community.cells), n))
        short = community.name.removesuffix("社区")
        for gi, g_cells in enumerate(parts, start=1):
            community.children.append(RegionSpec(f"{community.code}{gi:03d}", f"{short}第{gi}网格", codes.GRID,
                                                 lat.union(g_cells), grid_kind="community",
                                                 cells=frozenset(g_cells)))
    _mark_special_grids(district, rng)
    _check_codes(city)
    return city


def _mark_special_grids(district: RegionSpec, rng: random.Random) -> None:
    """A few key-unit grids (a hospital, a school …) and road grids (a main road) among the rest."""
    grids = [g for s in district.children for c in s.children for g in c.children if len(c.children) > 1]
    # The first grid of the first community stays a community grid: the demo grid worker sits there.
    grids = grids[1:]
    picks = rng.sample(grids, min(len(grids), max(2, len(grids) // 25)))
    n_key = (len(picks) * 2 + 2) // 3
    for i, g in enumerate(picks):
        if i < n_key:
            g.grid_kind, g.name = "key_unit", f"{_KEY_UNITS[i % len(_KEY_UNITS)]}重点单位网格"
        else:
            g.grid_kind, g.name = "road", f"{_ROADS[(i - n_key) % len(_ROADS)]}道路网格"


def _check_codes(node: RegionSpec, parent: RegionSpec | None = None) -> None:
    errors = codes.code_errors(node.level, node.code, parent.level if parent else None,
                               parent.code if parent else None)
    if errors:
        raise AssertionError(f"demo code {node.code}: {errors}")
    for child in node.children:
        _check_codes(child, node)


def walk(node: RegionSpec):
    yield node
    for child in node.children:
        yield from walk(child)


# ---------------------------------------------------------------------------------------------
# People: invented names and obviously fake phone numbers (139-0000-xxxx).

class _People:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phone_serial = 1000
        self.used: set[str] = set()

    def name(self) -> str:
        while True:
            n = self.rng.choice(_SURNAMES) + "".join(self.rng.choice(_GIVEN) for _ in range(self.rng.choice((1, 2))))
            if n not in self.used:
                self.used.add(n)
                return n

    def phone(self) -> str:
        self.phone_serial += 1
        return f"1390000{self.phone_serial:04d}"


# ---------------------------------------------------------------------------------------------
# Database.

@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


def demo_exists() -> bool:
    from .models import Region

    return Region.objects.filter(code=DISTRICT_CODE).exists()


def demo_logins() -> list[DemoLogin]:
    """The one-per-role logins, read back from the database (so they print on every run)."""
    from civicgrid.core import roles as R
    from civicgrid.core.models import Role

    names = ["demo-grid", "demo-community", "demo-dispatcher", "demo-department", "demo-hotline",
             "demo-commander", "demo-admin"]
    out = []
    seats = Role.objects.filter(user__username__in=names).select_related("user", "region", "department_unit")
    by_user = {s.user.username: s for s in seats}
    for username in names:
        s = by_user.get(username)
        if s:
            where = s.department_unit.name if s.department_unit_id else s.region.name
            label = R.ROLE_LABELS[s.role]
            out.append(DemoLogin(username, label + (f"（{s.title}）" if s.title and s.title != label else ""), where))
    return out


def seed(seed: int = DEFAULT_SEED, size: str = "full") -> dict:
    """Create the demo district in one transaction; does nothing if it is already there."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from civicgrid.core import audit
    from civicgrid.core import roles as R
    from civicgrid.core.models import Role, User
    from civicgrid.departments.models import Department, DepartmentUnit

    from . import geo
    from .models import Region
    from .services import apply_geometry

    if demo_exists():
        return {}
    city_spec = build_layout(seed, size)
    rng = random.Random(f"{seed}:people")
    people = _People(rng)

    with transaction.atomic():
        def make(spec: RegionSpec, parent: Region | None) -> Region:
            r = Region(code=spec.code, name=spec.name, level=spec.level, parent=parent, grid_kind=spec.grid_kind)
            apply_geometry(r, spec.geometry)
            r.path = r.compute_path()
            return r

        # The city may already exist (an imported demo city, a rerun after a partial --reset).
        city = Region.objects.filter(code=CITY_CODE).first()
        if city is None:
            city = make(city_spec, None)
            city.save()
        district_spec = city_spec.children[0]
        district = make(district_spec, city)
        district.save()
        streets = Region.objects.bulk_create([make(s, district) for s in district_spec.children])
        comm_specs, comm_objs = [], []
        for street, s_spec in zip(streets, district_spec.children):
            for c_spec in s_spec.children:
                comm_specs.append(c_spec)
                comm_objs.append(make(c_spec, street))
        communities = Region.objects.bulk_create(comm_objs)
        grid_objs = [make(g, community) for community, c_spec in zip(communities, comm_specs) for g in c_spec.children]
        grids = Region.objects.bulk_create(grid_objs, batch_size=200)

        departments, units = {}, {}
        for key, name, short, unit_tpl, _ in DEPARTMENTS:
            dept = Department.objects.create(code=f"{DISTRICT_CODE}-{key}", name=f"{DISTRICT_NAME}{name}",
                                             short_name=short, district=district, phone=f"010-0000{len(departments) + 1:02d}00")
            departments[key] = dept
            units[(key, None)] = DepartmentUnit(department=dept, name=f"{DISTRICT_NAME}{name}", region=district,
                                                phone=dept.phone)
            if unit_tpl:
                for si, street in enumerate(streets, start=1):
                    units[(key, street.code)] = DepartmentUnit(
                        department=dept, name=unit_tpl.format(street=street.name.removesuffix("街道")), region=street,
                        phone=f"010-0000{len(departments):02d}{si:02d}")
        DepartmentUnit.objects.bulk_create(list(units.values()))

        password = make_password(DEMO_PASSWORD)  # argon2 is slow by design: hash once, share it
        users: list[User] = []
        seats: list[tuple[int, dict]] = []  # (index into users, Role kwargs)

        def person(username: str, role: str, *, region=None, unit=None, title="", public=True, name=None,
                   staff=False) -> None:
            users.append(User(username=username, password=password, display_name=name or people.name(),
                              phone=people.phone(), is_staff=staff))
            seats.append((len(users) - 1, dict(role=role, region=region, department_unit=unit, title=title,
                                               public=public)))

        first_grid, first_comm, first_street = grids[0], communities[0], streets[0]
        person("demo-admin", R.SYSTEM_ADMIN, region=district, title="系统管理员", public=False, staff=True)
        person("demo-commander", R.DISTRICT_COMMANDER, region=district, title="指挥中心值班长", public=False)
        person("demo-hotline", R.HOTLINE_OPERATOR, region=district, title="12345 话务员", public=False)
        for street in streets:
            username = "demo-dispatcher" if street is first_street else f"demo-s{street.code[6:9]}-dispatch"
            person(username, R.STREET_DISPATCHER, region=street, title="分中心派遣员", public=False)
        for community in communities:
            leader = "demo-community" if community is first_comm else f"demo-c{community.code[6:12]}-leader"
            person(leader, R.COMMUNITY_STAFF, region=community, title="网格长")
            person(f"demo-c{community.code[6:12]}-staff", R.COMMUNITY_STAFF, region=community, title="社区工作者",
                   public=False)
        for grid in grids:
            username = "demo-grid" if grid is first_grid else f"demo-g{grid.code[6:15]}"
            person(username, R.GRID_WORKER, region=grid, title="专职网格员")
        for (key, street_code), unit in units.items():
            tag = f"{key.lower()}-{street_code[6:9] if street_code else 'qu'}"
            officer_title = next(d[4] for d in DEPARTMENTS if d[0] == key)
            desk = "demo-department" if (key == "URB" and street_code == first_street.code) else f"demo-u{tag}-desk"
            person(desk, R.DEPARTMENT_HANDLER, unit=unit, title="处置人员", public=False)
            if street_code and officer_title:
                person(f"demo-u{tag}-officer", R.DEPARTMENT_HANDLER, unit=unit, title=officer_title)
        users = User.objects.bulk_create(users, batch_size=200)
        Role.objects.bulk_create([Role(user=users[i], **kw) for i, kw in seats], batch_size=200)

        counts = {"streets": len(streets), "communities": len(communities), "grids": len(grids),
                  "departments": len(departments), "department_units": len(units), "users": len(users)}
        audit.record(None, "demo.seed", district, detail={"seed": seed, "size": size, **counts})
        # bulk_create sends no post_save: tell the point-to-grid index itself.
        geo.invalidate()
    return counts


def reset() -> dict:
    """Remove the demo district, its departments and every demo user. The audit log stays: it is
    append-only by design, and its entries name objects by code, not by foreign key."""
    from django.db import transaction
    from django.db.models import ProtectedError, Q

    from civicgrid.core import audit
    from civicgrid.core.models import Role, User
    from civicgrid.departments.models import Department, DepartmentUnit

    from . import geo
    from .models import Region

    prefix = f"/{CITY_CODE}/{DISTRICT_CODE}/"
    with transaction.atomic():
        regions = Region.objects.filter(path__startswith=prefix)
        units = DepartmentUnit.objects.filter(department__district__path__startswith=prefix)
        counts = {"regions": regions.count(), "users": User.objects.filter(username__startswith=DEMO_USER_PREFIX).count()}
        try:
            Role.objects.filter(Q(region__path__startswith=prefix) | Q(department_unit__in=units)).delete()
            User.objects.filter(username__startswith=DEMO_USER_PREFIX).delete()
            units.delete()
            Department.objects.filter(district__path__startswith=prefix).delete()
            # Leaves first: parents are PROTECTed while children point at them.
            for level in reversed(codes.LEVELS[1:]):
                Region.objects.filter(path__startswith=prefix, level=level).delete()
            if not Region.objects.filter(parent__code=CITY_CODE).exists():
                Region.objects.filter(code=CITY_CODE).delete()
        except ProtectedError as exc:
            kinds = "、".join(sorted({o._meta.verbose_name for o in exc.protected_objects}))
            raise RuntimeError(f"演示数据已被其他记录（{kinds}）引用，无法自动清除；请先删除这些记录") from exc
        if counts["regions"]:
            audit.record(None, "demo.reset", None, object_type="regions.region", object_id=DISTRICT_CODE,
                         detail=counts)
        geo.invalidate()
    return counts
