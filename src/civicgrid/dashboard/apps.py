import datetime as dt

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "civicgrid.dashboard"
    verbose_name = "指挥中心"

    def ready(self) -> None:
        from civicgrid.cases import signals as case_signals
        from civicgrid.core import landing, periodic
        from civicgrid.core import roles as R

        from . import rollup, tasks

        case_signals.case_event_appended.connect(rollup.on_case_event, dispatch_uid="dashboard.rollup")
        periodic.register(tasks.reconcile_rollups, every=dt.timedelta(hours=24))
        roles = [R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.COMMUNITY_STAFF, R.SYSTEM_ADMIN]
        landing.register(roles, "指挥中心地图", "dashboard:map", "网格着色、在办案件、热力图，逐级下钻", order=20)
        landing.register(roles, "指标看板", "dashboard:board", "受理、立案、结案、按期率，与上期对比", order=21)
        landing.register(roles, "排名", "dashboard:rankings", "街道、社区、网格、部门综合排名", order=22)
        landing.register(roles, "每月一题", "dashboard:topics", "本月上升最多的问题、聚集点与重复诉求", order=23)
        landing.register(roles, "月度报告", "dashboard:reports", "Excel 与 A4 打印版", order=24)
