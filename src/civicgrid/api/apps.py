from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "civicgrid.api"
    verbose_name = "接口"
    # Its periodic pruning and audit labels: api/manifest.py.

    def ready(self) -> None:
        from civicgrid.core.backends import refuse_sessions_for

        from .tokens import is_service_user

        refuse_sessions_for(is_service_user)

        # A credential's cached lookup (tokens.py) goes as soon as anything about it is saved here.
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from . import tokens
        from .models import ApiToken, ClientApplication, ClientKey

        for model in (ApiToken, ClientKey, ClientApplication, settings.AUTH_USER_MODEL, "core.Role"):
            post_save.connect(tokens.forget_all, sender=model, dispatch_uid=f"api.forget.{model}.save")
            post_delete.connect(tokens.forget_all, sender=model, dispatch_uid=f"api.forget.{model}.delete")
