from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "civicgrid.hotline"
    verbose_name = "热线"
