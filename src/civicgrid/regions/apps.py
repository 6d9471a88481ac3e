from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "civicgrid.regions"
    verbose_name = "区域与网格"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (rebuilds the grid index when grids change)
        from civicgrid.core import landing
        from civicgrid.core import roles as R

        landing.register(list(R.ROLE_LABELS), "网格地图", "regions:map",
                         "辖区内的街道、社区与网格边界，逐级下钻", order=80)
        # Those who answer residents ("who is my grid worker?") get the public roster too.
        landing.register([R.HOTLINE_OPERATOR, R.GRID_WORKER, R.COMMUNITY_STAFF], "网格公示查询", "regions:roster",
                         "按地址或地图位置查找网格及其实名制公示人员", order=85)
        landing.register([R.SYSTEM_ADMIN], "区域导入导出", "regions:import",
                         "以 GeoJSON 批量导入、导出街道、社区与网格边界（先试运行）", order=90)
