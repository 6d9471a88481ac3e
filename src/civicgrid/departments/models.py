from __future__ import annotations

from django.db import models


class Department(models.Model):
    """A line department (条) of the district: police, urban management, market supervision …"""

    SCOPE_REGION_FIELD = "district"

    code = models.CharField("部门编码", max_length=20, unique=True)
    name = models.CharField("部门名称", max_length=100)
    short_name = models.CharField("简称", max_length=20, blank=True)
    district = models.ForeignKey("regions.Region", verbose_name="所属区", on_delete=models.PROTECT,
                                 related_name="departments", limit_choices_to={"level": "district"})
    phone = models.CharField("值班电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "职能部门"
        verbose_name_plural = "职能部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DepartmentUnit(models.Model):
    """A department's own desk at district level, or its local unit in a street (派出所, 城管中队 …).

    Cases are dispatched to units; a department-handler role sits at a unit.
    """

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_FIELD = "id"

    department = models.ForeignKey(Department, verbose_name="所属部门", on_delete=models.PROTECT,
                                   related_name="units")
    name = models.CharField("单位名称", max_length=100)
    # The district itself for the department's head office, or a street for a local unit.
    region = models.ForeignKey("regions.Region", verbose_name="服务区域", on_delete=models.PROTECT,
                               related_name="department_units")
    phone = models.CharField("联系电话", max_length=30, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门单位"
        verbose_name_plural = "部门单位"
        ordering = ["department__code", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "region"], name="one_unit_per_department_region"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_district_level(self) -> bool:
        return self.region.level == "district"
