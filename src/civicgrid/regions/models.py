from __future__ import annotations

from django.db import models

from . import codes


class Region(models.Model):
    """One node of the territory tree: city → district → street → community → grid."""

    LEVEL_CHOICES = [(lvl, codes.LEVEL_LABELS[lvl]) for lvl in codes.LEVELS]
    GRID_KIND_CHOICES = [
        ("community", "社区网格"),
        ("key_unit", "重点单位网格"),
        ("road", "道路网格"),
    ]

    SCOPE_REGION_FIELD = ""  # a region is scoped by its own path

    code = models.CharField("编码", max_length=15, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=LEVEL_CHOICES, db_index=True)
    grid_kind = models.CharField("网格类型", max_length=10, choices=GRID_KIND_CHOICES, blank=True)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    # Materialised path of codes, "/110100/110108/…/", so a subtree is one indexed prefix match.
    path = models.CharField(max_length=120, db_index=True, editable=False)
    # GeoJSON geometry (Polygon or MultiPolygon) in WGS-84 lon/lat, or null.
    geometry = models.JSONField("边界", null=True, blank=True)
    # Cached bounding box and label point for maps and quick filters.
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    label_lng = models.FloatField(null=True, blank=True, editable=False)
    label_lat = models.FloatField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def level_label(self) -> str:
        return codes.LEVEL_LABELS.get(self.level, self.level)

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "/") + f"{self.code}/"

    def ancestors(self) -> list["Region"]:
        """Root first, self excluded, in one query."""
        ancestor_codes = [c for c in self.path.strip("/").split("/")[:-1] if c]
        by_code = {r.code: r for r in Region.objects.filter(code__in=ancestor_codes)}
        return [by_code[c] for c in ancestor_codes if c in by_code]

    def ancestor_at(self, level: str) -> "Region | None":
        if self.level == level:
            return self
        return next((r for r in self.ancestors() if r.level == level), None)
