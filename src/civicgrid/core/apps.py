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

        self._load_manifests()
        self._private_upload_dir()
        post_save.connect(invalidate_overrides, sender=WorkingDayOverride, dispatch_uid="calendar_overrides_save")
        post_delete.connect(invalidate_overrides, sender=WorkingDayOverride, dispatch_uid="calendar_overrides_del")

    @staticmethod
    def _private_upload_dir() -> None:
        """Large uploads are spooled here (settings.FILE_UPLOAD_TEMP_DIR): it must exist, owner-only."""
        import os

        from django.conf import settings

        path = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)
        if path:
            os.makedirs(path, mode=0o700, exist_ok=True)
            os.chmod(path, 0o700)

    def _load_manifests(self) -> None:
        """Register every app's periodic tasks and media rules from its manifest (core names no app)."""
        from . import media, periodic
        from .manifest import each, resolve

        for _m, p in each("periodic"):
            periodic.register(resolve(p.task), every=p.every)
        for _m, rule in each("media"):
            media.register(rule.prefix, resolve(rule.check))
