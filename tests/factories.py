"""A small, exact territory for tests: 1 city, 1 district, 2 streets, 2 communities each,
2 grids per community, all with square polygons that tile their parents.

Coordinates: the district spans lng 116.00–116.04, lat 39.90–39.92. Street A is the west half
(116.00–116.02), street B the east half. Each community is a quarter of its street split by lat,
each grid half of its community split by lng. `t.grid("A1a")` etc. name them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from civicgrid.core import roles as R
from civicgrid.core.models import Role, User
from civicgrid.departments.models import Department, DepartmentUnit
from civicgrid.regions.models import Region
from civicgrid.regions.services import apply_geometry


def box(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def make_region(code, name, level, parent=None, geometry=None, grid_kind="") -> Region:
    r = Region(code=code, name=name, level=level, parent=parent, grid_kind=grid_kind)
    apply_geometry(r, geometry)
    r.path = r.compute_path()
    r.save()
    return r


def make_user(username, role=None, region=None, unit=None, *, password="pass-1234", name="", phone="", title=""):
    user = User.objects.create_user(username=username, password=password, display_name=name or username,
                                    phone=phone, is_staff=(role == R.SYSTEM_ADMIN))
    if role:
        Role.objects.create(user=user, role=role, region=region, department_unit=unit, title=title)
    return user


def make_superuser(username="root", *, password="pass-1234"):
    return User.objects.create_superuser(username=username, password=password, display_name=username)


@dataclass
class Territory:
    city: Region
    district: Region
    streets: dict = field(default_factory=dict)      # "A", "B"
    communities: dict = field(default_factory=dict)  # "A1", "A2", "B1", "B2"
    grids: dict = field(default_factory=dict)        # "A1a", "A1b", …
    departments: dict = field(default_factory=dict)  # "police", "urban"
    units: dict = field(default_factory=dict)        # ("urban", "A"), ("urban", None) for district level
    users: dict = field(default_factory=dict)

    def grid(self, key):
        return self.grids[key]


def restore_migration_rows() -> None:
    """Rows that data migrations made (the shipped categories, orgs' default rules) are gone after a
    browser test's flush (transactional_db), and with work stealing any test may run after one: put
    them back. Each is loaded only into an empty table."""
    from civicgrid.cases.shipped import ensure_categories
    from civicgrid.orgs import defaults as org_defaults

    org_defaults.ensure()
    ensure_categories()


def build_territory() -> Territory:
    restore_migration_rows()
    city = make_region("110100", "测试市", "city", geometry=box(115.9, 39.8, 116.1, 40.0))
    district = make_region("110108", "测试区", "district", city, box(116.00, 39.90, 116.04, 39.92))
    t = Territory(city=city, district=district)
    for si, s in enumerate("AB"):
        x0 = 116.00 + 0.02 * si
        street = make_region(f"110108{si + 1:03d}000", f"{s}街道", "street", district, box(x0, 39.90, x0 + 0.02, 39.92))
        t.streets[s] = street
        for ci in range(2):
            y0 = 39.90 + 0.01 * ci
            ckey = f"{s}{ci + 1}"
            comm = make_region(f"110108{si + 1:03d}{ci + 1:03d}", f"{ckey}社区", "community", street,
                               box(x0, y0, x0 + 0.02, y0 + 0.01))
            t.communities[ckey] = comm
            for gi, g in enumerate("ab"):
                gx = x0 + 0.01 * gi
                t.grids[ckey + g] = make_region(f"{comm.code}{gi + 1:03d}", f"{ckey}社区第{gi + 1}网格", "grid", comm,
                                                box(gx, y0, gx + 0.01, y0 + 0.01), grid_kind="community")
    for code, name, unit_name in [("POL", "公安分局", "派出所"), ("URB", "城市管理委员会", "城管中队")]:
        dept = Department.objects.create(code=code, name=f"测试区{name}", district=district)
        key = "police" if code == "POL" else "urban"
        t.departments[key] = dept
        t.units[(key, None)] = DepartmentUnit.objects.create(department=dept, name=f"测试区{name}", region=district)
        for s, street in t.streets.items():
            t.units[(key, s)] = DepartmentUnit.objects.create(department=dept, name=f"{s}街道{unit_name}", region=street)
    u = t.users
    u["admin"] = make_user("admin", R.SYSTEM_ADMIN, district)
    u["commander"] = make_user("commander", R.DISTRICT_COMMANDER, district)
    u["operator"] = make_user("operator", R.HOTLINE_OPERATOR, district)
    for s in "AB":
        u[f"dispatcher_{s}"] = make_user(f"dispatcher_{s}", R.STREET_DISPATCHER, t.streets[s])
        u[f"urban_{s}"] = make_user(f"urban_{s}", R.DEPARTMENT_HANDLER, unit=t.units[("urban", s)])
        for c in "12":
            u[f"staff_{s}{c}"] = make_user(f"staff_{s}{c}", R.COMMUNITY_STAFF, t.communities[f"{s}{c}"])
            u[f"worker_{s}{c}a"] = make_user(f"worker_{s}{c}a", R.GRID_WORKER, t.grids[f"{s}{c}a"],
                                             phone=f"1380000{si_phone(s, c)}", title="专职网格员")
    u["urban_district"] = make_user("urban_district", R.DEPARTMENT_HANDLER, unit=t.units[("urban", None)])
    return t


def si_phone(s: str, c: str) -> str:
    return f"{'AB'.index(s)}{c}00"
