from django.apps import AppConfig


class CareConfig(AppConfig):
    """为老关怀与紧急援助. Everything it adds to the whole is declared in manifest.py."""

    name = "civicgrid.care"
    verbose_name = "为老关怀"
