from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    verbose_name = "用户、权限与审计"

    def ready(self) -> None:
        import datetime as dt

        from django.db.models.signals import post_delete, post_save

        from . import periodic, tasks

        from . import dbguard  # noqa: F401  (registers the SQLite guard function on each connection)
        from .calendar import invalidate_overrides
        from .models import WorkingDayOverride

        post_save.connect(invalidate_overrides, sender=WorkingDayOverride, dispatch_uid="calendar_overrides_save")
        post_delete.connect(invalidate_overrides, sender=WorkingDayOverride, dispatch_uid="calendar_overrides_del")
        periodic.register(tasks.prune_login_throttle, every=dt.timedelta(hours=1))
