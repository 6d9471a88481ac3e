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
        # Navigation, tiles, the sweep, media rules, audit labels: cases/manifest.py.
        post_migrate.connect(_sync_transitions, sender=self)
        from django.db.backends.signals import connection_created

        from . import onewrite

        connection_created.connect(onewrite.plan_prepared_statements_generically,
                                   dispatch_uid="cases.plan_prepared_statements_generically")
        from . import joint  # joint action and emergency mode: the close guard and the emergency step

        joint.install()
