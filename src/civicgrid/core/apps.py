from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    verbose_name = "用户、权限与审计"
    manifest = "civicgrid.core.declarations.MANIFEST"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import dbguard  # noqa: F401  (registers the SQLite guard function on each connection)
        from .calendar import invalidate_overrides
        from .models import WorkingDayOverride

        post_save.connect(invalidate_overrides, sender=WorkingDayOverride, dispatch_uid="calendar_overrides_save")
        post_delete.connect(invalidate_overrides, sender=WorkingDayOverride, dispatch_uid="calendar_overrides_del")
