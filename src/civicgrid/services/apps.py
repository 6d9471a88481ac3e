from django.apps import AppConfig


class ServicesConfig(AppConfig):
    """社区服务超市: catalogue, providers, orders. Everything it adds to the whole is declared in manifest.py."""

    name = "civicgrid.services"
    label = "services"
    verbose_name = "社区服务超市"
