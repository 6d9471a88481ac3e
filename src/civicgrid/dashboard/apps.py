from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "civicgrid.dashboard"
    verbose_name = "指挥中心"
