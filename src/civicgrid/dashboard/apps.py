from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "civicgrid.dashboard"
    verbose_name = "指挥中心"

    def ready(self) -> None:
        # Tiles, the nightly reconciliation, KPIs, audit labels: dashboard/manifest.py. The rollups
        # listen to the case events here, since they are the cases' rollups.
        from civicgrid.cases import signals as case_signals

        from . import rollup

        case_signals.case_event_appended.connect(rollup.on_case_event, dispatch_uid="dashboard.rollup")
