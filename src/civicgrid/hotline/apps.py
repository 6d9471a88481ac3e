from django.apps import AppConfig


def _on_case_closed(sender, case, event, **kwargs):
    from .services import enqueue_callback

    enqueue_callback(case)


class HotlineConfig(AppConfig):
    name = "civicgrid.hotline"
    verbose_name = "热线"

    def ready(self) -> None:
        from civicgrid.cases import signals
        from civicgrid.core import landing, media
        from civicgrid.core import roles as R

        from .media import resident_may_see

        media.register("cases/", resident_may_see)

        from civicgrid.cases import evaluation

        from .rates import evaluation_provider

        evaluation.register_hotline_rates(evaluation_provider)

        signals.case_closed.connect(_on_case_closed, dispatch_uid="hotline_callback_on_close")
        landing.register([R.HOTLINE_OPERATOR], "话务台", "hotline:console", "接听来电、查知识库、转为案件", order=5)
        landing.register([R.HOTLINE_OPERATOR], "回访", "hotline:callbacks", "办结案件回访：解决与满意度", order=6)
        landing.register([R.HOTLINE_OPERATOR, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN], "知识库", "hotline:kb",
                         "政策、流程、地点与时间", order=7)
        landing.register([R.HOTLINE_OPERATOR, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN],
                         "热线三率", "hotline:rates", "响应率、解决率、满意率", order=14)
        landing.register([R.STREET_DISPATCHER, R.DISTRICT_COMMANDER], "回访复核", "hotline:reviews",
                         "不满意、未解决的回访", order=15)
