"""Open311 GeoReport v2: what the city publishes beyond the category table, and POST tokens."""
from __future__ import annotations

from django.db import models


class ServiceAttribute(models.Model):
    """An extra question for one service (GeoReport v2 "service definition" attribute).

    Keyed by the category code rather than a foreign key, so the city can prepare attributes for a
    code before it enables the category, and the cases app stays free of Open311 concerns.
    """

    DATATYPE_CHOICES = [(d, d) for d in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")]

    service_code = models.CharField("服务编码（类别编码）", max_length=5, db_index=True)
    code = models.CharField("属性编码", max_length=50)
    variable = models.BooleanField("需用户填写", default=True)
    datatype = models.CharField("数据类型", max_length=20, choices=DATATYPE_CHOICES, default="string")
    required = models.BooleanField("必填", default=False)
    datatype_description = models.CharField("格式说明", max_length=200, blank=True)
    order = models.PositiveIntegerField("顺序", default=1)
    description = models.CharField("问题", max_length=300)
    values = models.JSONField("可选值", default=list, blank=True, help_text='[{"key": "1", "name": "一处"}, …]')

    class Meta:
        verbose_name = "Open311 服务属性"
        verbose_name_plural = "Open311 服务属性"
        ordering = ["service_code", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service_code", "code"], name="open311_attribute_code")]

    def __str__(self) -> str:
        return f"{self.service_code}/{self.code}"


class RequestToken(models.Model):
    """The token a POST returns beside the id; GET tokens/{token} resolves it."""

    token = models.CharField(max_length=40, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("api.ClientApplication", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Open311 请求令牌"
        verbose_name_plural = "Open311 请求令牌"

    def __str__(self) -> str:
        return f"Open311 请求令牌（案件 {self.case.number}）" if self.case_id else "Open311 请求令牌"
