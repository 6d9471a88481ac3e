from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    """网格力量: staff sent into the grids, duties and patrols, volunteers, assessment and pay.
    Everything it adds to the whole is declared in manifest.py."""

    name = "civicgrid.workforce"
    verbose_name = "网格力量"
