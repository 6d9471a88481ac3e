"""What the regions app (territory tree, grids, roster, GeoJSON) contributes: see core/manifest.py."""
from civicgrid.core import roles as R
from civicgrid.core.manifest import PUBLIC, ROLES, SCOPED, STAFF, Route, AppManifest, NavEntry, Seeder, Tile, UrlInclude
from civicgrid.core.seeding import command



def street_code(objs, inside: bool) -> dict:
    return {"code": objs["t"].grids["A1a" if inside else "B1a"].code}


MANIFEST = AppManifest(
    app="regions",
    urls=(UrlInclude("regions/", "civicgrid.regions.urls"),),
    api_routers=("civicgrid.api.routers.regions.router",),
    api_prefix="",  # published before the manifest existed: /api/v1/regions
    nav=(
        NavEntry("网格地图", "regions:map", order=10),
        NavEntry("网格公示", "regions:roster", order=90),
        NavEntry("查找我的网格", "regions:roster", anonymous=True, order=90),
    ),
    tiles=(
        Tile(None, "网格地图", "regions:map", "辖区内的街道、社区与网格边界，逐级下钻",
             order=80),
        # Those who answer residents ("who is my grid worker?") get the public roster too.
        Tile((R.HOTLINE_OPERATOR, R.GRID_WORKER, R.COMMUNITY_STAFF), "网格公示查询", "regions:roster",
             "按地址或地图位置查找网格及其实名制公示人员", order=85),
        Tile((R.SYSTEM_ADMIN,), "区域导入导出", "regions:import", "以 GeoJSON 批量导入、导出街道、社区与网格边界（先试运行）",
             order=90),
    ),
    audit_subjects={"region": "区域"},
    seeders=(Seeder("演示区县、街道、社区、网格与工作人员", command("seed-demo"), order=10),),
    routes=(
        Route("regions:map", STAFF),
        Route("regions:roster", PUBLIC),
        Route("regions:geo_top", STAFF),
        Route("regions:geo_node", SCOPED, args=street_code),
        Route("regions:public_grid_at", PUBLIC),
        Route("regions:public_roster", PUBLIC, args=street_code),
        Route("regions:public_search", PUBLIC),
        Route("regions:public_grids", PUBLIC),
        Route("regions:import", ROLES, roles=(R.SYSTEM_ADMIN,), refusal="系统管理员"),
        Route("regions:export", ROLES, roles=(R.SYSTEM_ADMIN,), refusal="系统管理员"),
        Route("GET /api/v1/regions", STAFF),
        Route("GET /api/v1/regions/{code}", SCOPED, args=street_code, refusal="not_found"),
        Route("GET /api/v1/grid-lookup", STAFF),
    ),
)
