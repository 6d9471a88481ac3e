from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "civicgrid.api"
    verbose_name = "接口"
    # Its periodic pruning and audit labels: api/manifest.py.
