import datetime as dt

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "civicgrid.api"
    verbose_name = "接口"

    def ready(self) -> None:
        from civicgrid.core import periodic

        from . import tasks

        # Without it the table of stored replies grows by one row per write, forever.
        periodic.register(tasks.prune_idempotency, every=dt.timedelta(hours=1))
