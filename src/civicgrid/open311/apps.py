from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "civicgrid.open311"
    verbose_name = "Open311 对外接口"

    def ready(self) -> None:
        from civicgrid.core import media

        from .media import published_photo

        media.register("cases/", published_photo)
