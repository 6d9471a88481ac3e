from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "civicgrid.open311"
    verbose_name = "Open311 对外接口"
    # Its public photo rule and pages: open311/manifest.py.

    def ready(self) -> None:
        # The per-process catalogue of services.py goes as soon as a category or attribute is saved.
        from django.db.models.signals import post_delete, post_save

        from .services import forget_catalogue

        for model in ("cases.Category", "open311.ServiceAttribute"):
            post_save.connect(forget_catalogue, sender=model, dispatch_uid=f"open311.catalogue.{model}.save")
            post_delete.connect(forget_catalogue, sender=model, dispatch_uid=f"open311.catalogue.{model}.delete")
