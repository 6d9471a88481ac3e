from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "civicgrid.regions"
    verbose_name = "区域与网格"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (rebuilds the grid index when grids change)
        # Its pages, tiles and navigation: regions/manifest.py.
