from django.apps import AppConfig


class SelfgovConfig(AppConfig):
    """居民自治与共治考评. Everything it adds to the whole is declared in manifest.py."""

    name = "civicgrid.selfgov"
    verbose_name = "居民自治与共治考评"
