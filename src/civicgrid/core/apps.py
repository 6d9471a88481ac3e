from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    verbose_name = "用户、权限与审计"

    def ready(self) -> None:
        from . import dbguard  # noqa: F401  (registers the SQLite guard function on each connection)
