from django.apps import AppConfig


def _on_case_closed(sender, case, event, **kwargs):
    from .services import enqueue_callback

    enqueue_callback(case)


class HotlineConfig(AppConfig):
    name = "civicgrid.hotline"
    verbose_name = "热线"

    def ready(self) -> None:
        # Navigation, tiles, media rules, audit labels: hotline/manifest.py. These are hooks into the
        # cases app the hotline builds on, which is why they stay here.
        from civicgrid.cases import evaluation, signals

        from .rates import evaluation_provider

        evaluation.register_hotline_rates(evaluation_provider)
        signals.case_closed.connect(_on_case_closed, dispatch_uid="hotline_callback_on_close")
