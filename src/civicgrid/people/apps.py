import datetime as dt

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civicgrid.people"
    verbose_name = "基础数据"

    def ready(self) -> None:
        from civicgrid.core import landing, periodic
        from civicgrid.core import roles as R

        from . import tasks

        periodic.register(tasks.anonymise_departed, every=dt.timedelta(hours=24))
        periodic.register(tasks.purge_stale_uploads, every=dt.timedelta(hours=1))
        staff = [R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.SYSTEM_ADMIN, R.DISTRICT_COMMANDER]
        landing.register(staff + [R.GRID_WORKER], "居民查询", "people:index", "按姓名片段、电话尾号、证件号或地址查找居民", order=20)
        landing.register([R.COMMUNITY_STAFF, R.GRID_WORKER], "楼栋与住户", "people:buildings", "楼栋 → 房间 → 户", order=21)
        landing.register([R.COMMUNITY_STAFF, R.GRID_WORKER], "关爱走访清单", "people:care", "按网格列出应走访的关爱对象", order=22)
        landing.register([R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.SYSTEM_ADMIN], "批量导入", "people:import",
                         "Excel/CSV 导入居民、户、楼栋", order=23)
        landing.register([R.COMMUNITY_STAFF, R.GRID_WORKER, R.STREET_DISPATCHER], "单位与场所", "people:places",
                         "商铺、学校、工地、出租屋、重点单位及安全检查", order=24)
        self._register_address_resolver()

    def _register_address_resolver(self) -> None:
        """The public roster asks registered resolvers to turn a typed address into a point."""
        try:
            from civicgrid.regions import addresses
        except ImportError:
            return
        from .addresses import resolve_building_address

        addresses.register_resolver(resolve_building_address, order=40)  # a building is more specific than a region name
