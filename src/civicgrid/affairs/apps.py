from django.apps import AppConfig


class AffairsConfig(AppConfig):
    """一门式政务服务: one window, one form, one number to the end. Everything it adds to the whole is
    declared in manifest.py."""

    name = "civicgrid.affairs"
    verbose_name = "一门式受理"
