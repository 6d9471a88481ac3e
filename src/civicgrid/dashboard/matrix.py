"""Objects for the jurisdiction matrix (dashboard/manifest.py routes): a finished monthly report per street."""
from __future__ import annotations

import datetime as dt


def objects(t) -> dict:
    from .models import MonthlyReport

    from django.core.files.base import ContentFile

    out = {}
    for side, c in (("in", "A1"), ("out", "B1")):
        r = MonthlyReport.objects.create(area=t.communities[c], month=dt.date(2026, 10, 1), status=MonthlyReport.DONE,
                                         requested_by=t.users["admin"])
        r.workbook.save(f"report-{c}.xlsx", ContentFile(b"PK"))
        out[f"report_{side}"] = r
    return out
