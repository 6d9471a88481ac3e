"""Joint action (联勤联动) and emergency mode (应急处置) on a case: the data. The rules are in joint.py.

Kept in their own module (imported by models.py) so the closed loop's own models stay as they were.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

PART_STATES = [("assigned", "待反馈"), ("fed_back", "已反馈待确认"), ("confirmed", "牵头单位已确认"),
               ("returned", "牵头单位退回")]


class JointPart(models.Model):
    """One unit's share of a joint case: the lead (牵头) or a supporting (协办) unit, its task,
    deadline and feedback. The case closes only when the lead has confirmed every supporting part."""

    # Street/district seats over the case's place; a unit sees the parts addressed to it.
    SCOPE_REGION_FIELD = "case__region"
    SCOPE_UNIT_FIELD = "unit"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="joint_parts", verbose_name="案件")
    unit = models.ForeignKey("departments.DepartmentUnit", on_delete=models.PROTECT, related_name="+",
                             verbose_name="单位")
    lead = models.BooleanField("牵头单位", default=False)
    task = models.CharField("任务", max_length=300)
    due_at = models.DateTimeField("时限")
    state = models.CharField("状态", max_length=10, choices=PART_STATES, default="assigned", db_index=True)
    feedback = models.TextField("反馈", blank=True)
    fed_back_at = models.DateTimeField("反馈时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="发起人")
    created_at = models.DateTimeField("发起时间")

    class Meta:
        verbose_name = "联合处置分工"
        verbose_name_plural = "联合处置分工"
        ordering = ["-lead", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="cases_joint_part_once"),
                       models.UniqueConstraint(fields=["case"], condition=models.Q(lead=True),
                                               name="cases_joint_one_lead")]

    def __str__(self) -> str:
        return f"{'牵头' if self.lead else '协办'}：{self.task[:30]}（{self.get_state_display()}）"


class JointOperation(models.Model):
    """A planned joint enforcement operation (联合执法行动) in an area with several departments;
    what it finds becomes cases (their numbers are kept here)."""

    SCOPE_REGION_FIELD = "region"

    title = models.CharField("行动名称", max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="行动区域")
    day = models.DateField("行动日期")
    units = models.ManyToManyField("departments.DepartmentUnit", related_name="+", verbose_name="参与单位")
    plan = models.TextField("行动方案", blank=True)
    findings = models.JSONField("发现问题生成的案件", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="组织人")

    class Meta:
        verbose_name = "联合执法行动"
        verbose_name_plural = "联合执法行动"
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.title}"
