from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "civicgrid.api"
    verbose_name = "接口"
    # Its periodic pruning and audit labels: api/manifest.py.

    def ready(self) -> None:
        from civicgrid.core.backends import refuse_sessions_for

        from .tokens import is_service_user

        refuse_sessions_for(is_service_user)
