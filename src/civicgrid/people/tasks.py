"""Background work: sheet imports and the nightly anonymisation."""
from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    from . import importer

    importer.run(job_id)


@task()
def anonymise_departed() -> int:
    from . import services

    return services.anonymise_departed()


@task()
def purge_stale_uploads() -> int:
    from . import importer

    return importer.purge_stale_uploads()
