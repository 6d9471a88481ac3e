import datetime as dt

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_transitions(sender, **kwargs):
    """Rewrite the Transition mirror from workflow.py after every migrate.

    A data migration would freeze the table at the moment it ran; this keeps it identical to the
    code the services actually read, on every deploy.
    """
    from django.db import DEFAULT_DB_ALIAS

    if kwargs.get("using", DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
        return
    from . import workflow
    from .models import Transition

    rows = workflow.mirror_rows()
    existing = list(Transition.objects.order_by("id").values(*rows[0].keys()))
    if existing != rows:
        Transition.objects.all().delete()
        Transition.objects.bulk_create(Transition(**r) for r in rows)


class CasesConfig(AppConfig):
    name = "civicgrid.cases"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from civicgrid.core import landing, media, periodic
        from civicgrid.core import roles as R

        from . import media as case_media
        from . import tasks

        media.register("cases/", case_media.staff_may_see)

        post_migrate.connect(_sync_transitions, sender=self)
        periodic.register(tasks.sweep_deadlines, every=dt.timedelta(minutes=5))
        landing.register([R.GRID_WORKER], "我的网格", "cases:grid", "本网格在办案件、上报问题、现场核查", order=10)
        landing.register([R.GRID_WORKER, R.COMMUNITY_STAFF, R.HOTLINE_OPERATOR], "上报问题", "cases:report",
                         "拍照定位，一键上报", order=11)
        landing.register([R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DEPARTMENT_HANDLER, R.DISTRICT_COMMANDER,
                          R.HOTLINE_OPERATOR, R.SYSTEM_ADMIN], "案件工作台", "cases:worklist",
                         "待办案件，超期与预警优先", order=12)
        landing.register([R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.COMMUNITY_STAFF, R.SYSTEM_ADMIN], "考核评价",
                         "cases:evaluation", "立案率、结案率、按期结案率、返工率……", order=13)
