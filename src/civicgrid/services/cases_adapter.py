"""The service supermarket's only doorway into cases: a complaint about a service becomes a case.

Kept in one small file (like mediation/cases_adapter.py) so a change in cases touches this app here only.
The case runs its own closed loop (dispatch, handling, call-back); the order keeps the case number.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError

from civicgrid.cases import services as case_services
from civicgrid.cases.models import Category

# 民生服务 › 老年人需要帮助 — where the closed loop files complaints about community services.
COMPLAINT_CATEGORY = "51001"


def open_complaint(order, text: str, *, now=None):
    """A case for the complaint, placed at the order's place, the orderer as requester (their data
    stays under the cases app's protection: masked, revealed with a reason)."""
    category = Category.objects.filter(code=COMPLAINT_CATEGORY, active=True).first()
    if category is None:
        raise ValidationError("投诉案件类别（民生服务）未配置，请联系管理员。")
    provider = order.provider.name if order.provider_id else "未派单"
    description = f"【社区服务超市投诉】订单 {order.number}（{order.item.name}，服务商：{provider}）：{text}"
    return case_services.intake(None, channel="resident", category=category, description=description[:2000],
                                region=order.region, address=order.address[:200], requester_name=order.name[:50],
                                requester_phone=order.phone, source=f"社区服务超市投诉 {order.number}", now=now)
