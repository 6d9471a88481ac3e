"""Abstract fields for a model run by the workflow machine, and for its event rows.

Abstract: each app's own migration creates its columns; core holds no table for them.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicgrid.core.models import AppendOnlyModel


class WorkflowLabels:
    """State and tier labels read from the model's `workflow` (a spec.Workflow), so an app's model does
    not repeat them. A plain mixin: it adds no field, so models already migrated can take it."""

    workflow = None  # the app's spec.Workflow

    @property
    def state_label(self) -> str:
        return self.workflow.states.get(self.state, self.state)

    @property
    def tier_label(self) -> str:
        return self.workflow.tiers.get(self.tier, self.tier)

    @property
    def is_open(self) -> bool:
        return self.state not in self.workflow.terminal


class WorkflowFields(models.Model):
    """state/version and the running clock the machine and its sweep read and write."""

    state = models.CharField("状态", max_length=30, db_index=True)
    version = models.PositiveIntegerField("版本", default=0)
    due_at = models.DateTimeField("当前环节时限", null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField("当前环节预警点", null=True, blank=True)
    is_warned = models.BooleanField("已预警", default=False)
    is_overdue = models.BooleanField("已超期", default=False)
    overdue_count = models.PositiveIntegerField("超期环节数", default=0)

    class Meta:
        abstract = True


class WorkflowEventFields(AppendOnlyModel):
    """One step of an object's history; the concrete model adds the parent FK and (parent, seq) unique."""

    seq = models.PositiveIntegerField("序号")
    action = models.CharField("动作", max_length=30)
    from_state = models.CharField("原状态", max_length=30, blank=True)
    to_state = models.CharField("新状态", max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    actor_role = models.CharField("操作身份", max_length=30, blank=True)
    at = models.DateTimeField("时间")
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        abstract = True
