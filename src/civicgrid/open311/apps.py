from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "civicgrid.open311"
    verbose_name = "Open311 对外接口"
    # Its public photo rule and pages: open311/manifest.py.
