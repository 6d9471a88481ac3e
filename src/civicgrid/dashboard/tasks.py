"""Background tasks: the nightly reconciliation and monthly report generation."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def reconcile_rollups(days: int = 1) -> dict:
    """Nightly: recompute the last `days` finished days (and the live table) from the raw cases, fix, record."""
    from .reconcile import reconcile

    today = timezone.localdate()
    run = reconcile(today - dt.timedelta(days=days), today - dt.timedelta(days=1))
    return {"rows_checked": run.rows_checked, "rows_fixed": run.rows_fixed, "totals_fixed": run.totals_fixed,
            "live_fixed": run.live_fixed, "heat_fixed": run.heat_fixed}


@task()
def generate_monthly_report(report_id: int) -> str:
    from .report import build

    return build(report_id)


@task()
def fold_rollups() -> int:
    """Every minute: move the deltas the live path appended into the rollups (fold.py), so the table
    of pending deltas stays small and a read's own fold has little to do."""
    from .fold import fold

    return fold()
