"""Writes of the command centre: ranking weights and monthly report requests (rollups: rollup.py)."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from civicgrid.core import audit
from civicgrid.core.scoping import sees_everything, visible_to

from .models import MonthlyReport, RankingWeights
from .rankings import DEFAULT_WEIGHTS
from .selectors import DASH_ROLES, WEIGHT_ROLES


def save_weights(actor, district, **values) -> RankingWeights:
    """The district commander (or an administrator of the district) sets the ranking weights."""
    if district.level != "district":
        raise ValidationError("排名权重按区设置。")
    if not (sees_everything(actor) or visible_to(actor, type(district).objects.filter(pk=district.pk),
                                                 roles=WEIGHT_ROLES).exists()):
        raise PermissionDenied("只有本区指挥中心或系统管理员可以设置排名权重。")
    clean = {}
    for k in DEFAULT_WEIGHTS:
        try:
            v = int(values.get(k, DEFAULT_WEIGHTS[k]))
        except (TypeError, ValueError):
            raise ValidationError("权重须为 0 到 100 的整数。")
        if not 0 <= v <= (10_000 if k == "min_cases" else 100):
            raise ValidationError("权重须为 0 到 100 的整数。")
        clean[k] = v
    if not any(clean[k] for k in DEFAULT_WEIGHTS if k.startswith("w_")):
        raise ValidationError("至少一项权重须大于 0。")
    with transaction.atomic():
        w, _ = RankingWeights.objects.update_or_create(district=district, defaults={**clean, "updated_by": actor})
        audit.record(actor, "dashboard.weights", w, detail=clean)
    return w


def request_report(actor, area, month: dt.date) -> MonthlyReport:
    """Queue the monthly report of a district or street; the task builds it and keeps it for download."""
    if area.level not in ("district", "street"):
        raise ValidationError("月度报告按区或街道生成。")
    if not visible_to(actor, type(area).objects.filter(pk=area.pk), roles=DASH_ROLES).exists():
        raise Http404("区域不存在或不在您的管辖范围内")
    month = month.replace(day=1)
    from django.utils import timezone

    if month > timezone.localdate().replace(day=1):
        raise ValidationError("不能生成未来月份的报告。")
    with transaction.atomic():
        report = MonthlyReport.objects.create(area=area, month=month, requested_by=actor)
        audit.record(actor, "dashboard.report_request", report, detail={"area": area.code, "month": month.isoformat()})

        def enqueue():
            from .tasks import generate_monthly_report

            generate_monthly_report.enqueue(report.pk)

        transaction.on_commit(enqueue)
    return report
