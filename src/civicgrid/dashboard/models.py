"""Command centre data: exact rollups of the case stream, ranking weights, monthly reports.

DailyRollup holds integer counters per (day, region, category, department, channel). Every case
event adds to one row for each level of the case's region chain (grid, community, street,
district), so the figures of any area are read from that area's own rows (`region = area`), not
summed over a subtree: a district-year board is a few hundred thousand rows at most, whatever the
number of cases. DailyTotal holds the same counters summed to (day, region), for the pages that
need no category/department/channel split (rankings, map colours, totals). LiveCase mirrors the
open cases (one slim row each) for "open now / overdue now" and the map's markers; HeatCell
counts reports per day in ~100 m cells for the heat layer.

All four are written only by dashboard/rollup.py, inside the transaction of the case event
(cases.signals.case_event_appended), and checked against the raw cases by dashboard/reconcile.py.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

# The counters of a DailyRollup row, in the order the bulk loader writes them.
COUNTERS = (
    "reported",        # 受理数: intake (report event), on the day it came in
    "filed",           # 立案数: file or take
    "not_filed",       # 不予立案数
    "dispatched",      # 派遣数: dispatch or reroute
    "returned",        # 退回数
    "extended",        # 延期数: extension approved
    "escalated",       # 上报上级数
    "handled",         # 处置反馈数: handle events
    "reworked",        # 返工次数: verify_fail events
    "closed",          # 结案数
    "closed_on_time",  # 按期结案数: closed, last handling on time
    "closed_reworked",  # closed cases that had at least one rework
    "closed_timed",    # closed cases with a recorded handling time
    "closed_centihours",  # Σ handling hours × 100 over closed_timed (integers, so sums are exact)
    "merged",          # 合并数
    "h0", "h1", "h2", "h3", "h4",  # closed cases by handling hours: <2, 2–8, 8–24, 24–72, ≥72
    # 响应: cases reported on this day whose first step after intake (event seq 2) has happened,
    # counted on the day they came in (the hotline's 响应率 is by the period cases came in), and
    # those whose first step met the acceptance deadline (accept_due).
    "answered", "answered_in_time",
)
HOUR_BUCKETS = (2, 8, 24, 72)  # upper bounds of h0..h3 in working hours
BUCKET_LABELS = ("2 工作时内", "2–8 工作时", "8–24 工作时", "24–72 工作时", "72 工作时以上")


class Counters(models.Model):
    """The COUNTERS as integer columns, shared by the rollup tables and their deltas.

    Signed: a delta may subtract (a reopen undoes a closure), and the fold adds a batch of deltas to a
    row in one INSERT … ON CONFLICT, whose proposed row is checked before it meets the existing one.
    That no total goes below zero is the reconciler's check (reconcile.py), not a column constraint."""

    reported = models.IntegerField(default=0)
    filed = models.IntegerField(default=0)
    not_filed = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    closed_reworked = models.IntegerField(default=0)
    closed_timed = models.IntegerField(default=0)
    closed_centihours = models.BigIntegerField(default=0)
    merged = models.IntegerField(default=0)
    h0 = models.IntegerField(default=0)
    h1 = models.IntegerField(default=0)
    h2 = models.IntegerField(default=0)
    h3 = models.IntegerField(default=0)
    h4 = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_in_time = models.IntegerField(default=0)

    class Meta:
        abstract = True


# The rollup rows that count a report or a first answer: the condition of the partial index
# rollup_answers, which covers the board's sums of those counters (figures.py).
ANSWER_ROWS = models.Q(reported__gt=0) | models.Q(answered__gt=0)


class DailyRollup(Counters):
    SCOPE_REGION_FIELD = "region"

    day = models.DateField("日期")
    # Its own index stays although rollup_region_day starts with it: at 5M cases, without it,
    # PostgreSQL (default cost settings) read a district-year by department with a scan of the whole
    # table (973 ms) rather than along rollup_region_day (113 ms); with it, 165 ms. There is no index
    # on (level, day): the rollups are read by area; rankings and the map read DailyTotal.
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10)  # the region's level (the reconciliation's rows carry it)
    category = models.ForeignKey("cases.Category", on_delete=models.CASCADE, related_name="+")
    # 0 = no department yet (before dispatch, or handled in the community/street). Not a FK: NULLs
    # would make the unique key non-unique on both databases.
    department_key = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=15)

    class Meta:
        verbose_name = "日汇总"
        verbose_name_plural = "日汇总"
        constraints = [models.UniqueConstraint(fields=["day", "region", "category", "department_key", "channel"],
                                               name="dashboard_rollup_key")]
        indexes = [models.Index(fields=["region", "day"], name="rollup_region_day"),
                   # The exact count of a one-category drill-down ("closed, one category", bench/case_lists.py):
                   # one area's rows of one class over the period, not all its classes' rows.
                   models.Index(fields=["region", "category", "day"], name="rollup_region_cat_day"),
                   # The board's breakdowns (figures._breakdowns): reports and first answers are in
                   # about a fifth of the rows (the rest count later steps, per department); the
                   # included columns answer the query from the index alone (PostgreSQL; SQLite has
                   # no covering indexes and skips it).
                   models.Index(fields=["region", "day"], include=["channel", "category", "reported", "answered",
                                                                   "answered_in_time"],
                                condition=ANSWER_ROWS, name="rollup_answers")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.region.name if self.region_id else ''} 日汇总"


class DailyTotal(Counters):
    """DailyRollup summed over category, department and channel: one row per (day, region).

    What rankings, the map's colours and the figures beside it read: a year of 300 grids is about
    110,000 rows here against some millions in DailyRollup. Kept by the same increments, in the same
    transaction, and reconciled against the raw cases like DailyRollup."""

    SCOPE_REGION_FIELD = "region"

    day = models.DateField("日期")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10)

    class Meta:
        verbose_name = "区域日合计"
        verbose_name_plural = "区域日合计"
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="dashboard_total_key")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.region.name if self.region_id else ''} 日合计"


class RollupDelta(Counters):
    """What one case event adds to DailyRollup and DailyTotal, appended on the request path.

    Why: every intake of a district used to update the same DailyTotal rows (the district's and the
    city's day), each locked until commit, so concurrent intakes queued behind each other. An insert
    locks nothing another intake needs. dashboard/fold.py moves these rows into DailyRollup (per key)
    and DailyTotal (per day and region) in one transaction — the worker every minute, and every read
    of the rollups before it reads — so the figures stay exact. Plain ids, no foreign keys: the
    insert checks nothing, and the fold writes the rows that carry the constraints.

    One row per event and day, carrying the case's whole chain (grid … city, each NULL where the
    case has no such region); the fold counts it once for each region of the chain (CHAIN_LEVELS).
    A row per region made intake write five rows of 28 values where one does.
    """

    day = models.DateField()
    grid_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField(null=True)
    street_id = models.BigIntegerField(null=True)
    district_id = models.BigIntegerField(null=True)
    city_id = models.BigIntegerField(null=True)
    category_id = models.BigIntegerField()
    department_key = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=15)

    CHAIN_LEVELS = ("grid", "community", "street", "district", "city")  # each has its <level>_id column

    class Meta:
        verbose_name = "汇总增量（待归并）"
        verbose_name_plural = "汇总增量（待归并）"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 网格 {self.grid_id} 汇总增量"

    def regions(self) -> list[tuple[int, str]]:
        """(region id, level) for each region of the row's chain."""
        return self.chain_of({f"{level}_id": getattr(self, f"{level}_id") for level in self.CHAIN_LEVELS})

    @classmethod
    def chain_of(cls, values: dict) -> list[tuple[int, str]]:
        """(region id, level) for each region of a chain given as its <level>_id values (a row's
        fields, or a values() dict)."""
        return [(rid, level) for level in cls.CHAIN_LEVELS if (rid := values.get(f"{level}_id")) is not None]


class HeatDelta(models.Model):
    """One report's heat cell, appended on the request path and folded into HeatCell (as RollupDelta)."""

    day = models.DateField()
    region_id = models.BigIntegerField()
    path = models.CharField(max_length=120)
    x = models.IntegerField()
    y = models.IntegerField()
    n = models.IntegerField(default=1)

    class Meta:
        verbose_name = "热力增量（待归并）"
        verbose_name_plural = "热力增量（待归并）"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 热力增量（{self.x}, {self.y}）"


class LiveCase(models.Model):
    """One row per open case (deleted when it reaches a terminal state)."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_FIELD = "unit"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    number = models.CharField(max_length=20)
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=120, db_index=True)
    grid = models.ForeignKey("regions.Region", null=True, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("cases.Category", on_delete=models.CASCADE, related_name="+")
    department_key = models.PositiveIntegerField(default=0)
    unit = models.ForeignKey("departments.DepartmentUnit", null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=15)
    state = models.CharField(max_length=20)
    urgent = models.BooleanField(default=False)
    due_at = models.DateTimeField(null=True)
    lng = models.FloatField(null=True)
    lat = models.FloatField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "在办案件"
        verbose_name_plural = "在办案件"
        indexes = [models.Index(fields=["path", "due_at"], name="livecase_path_due")]

    def __str__(self) -> str:
        return f"在办案件 {self.number}"


class HeatCell(models.Model):
    """Reports per local day in cells of 0.001° (about 100 m), per most precise region."""

    SCOPE_REGION_FIELD = "region"
    CELL = 1000  # cells per degree

    day = models.DateField()
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=120)
    x = models.IntegerField()
    y = models.IntegerField()
    n = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "热力格"
        verbose_name_plural = "热力格"
        constraints = [models.UniqueConstraint(fields=["day", "region", "x", "y"], name="dashboard_heat_key")]
        indexes = [models.Index(fields=["path", "day"], name="heat_path_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 热力格（{self.x}, {self.y}）{self.n} 件"


class ReconciliationRun(models.Model):
    """What one reconciliation found and fixed (kept so a difference is never silent)."""

    started_at = models.DateTimeField(auto_now_add=True)
    start = models.DateField()
    end = models.DateField()
    rows_checked = models.PositiveIntegerField(default=0)
    rows_fixed = models.PositiveIntegerField(default=0)
    totals_fixed = models.PositiveIntegerField(default=0)  # DailyTotal rows
    live_fixed = models.PositiveIntegerField(default=0)
    heat_fixed = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "汇总核对记录"
        verbose_name_plural = "汇总核对记录"

    def __str__(self) -> str:
        return f"汇总核对 {self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}（修正 {self.rows_fixed} 行）"


class RankingWeights(models.Model):
    """The district's weights for the composite ranking score (排名综合得分)."""

    SCOPE_REGION_FIELD = "district"

    district = models.OneToOneField("regions.Region", on_delete=models.CASCADE, related_name="+")
    w_closure = models.PositiveIntegerField("结案率权重", default=30)
    w_on_time = models.PositiveIntegerField("按期结案率权重", default=40)
    w_rework = models.PositiveIntegerField("（1−返工率）权重", default=15)
    w_satisfaction = models.PositiveIntegerField("满意率权重", default=15)
    min_cases = models.PositiveIntegerField("参与排名的最少案件数", default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = "排名权重"
        verbose_name_plural = "排名权重"

    def __str__(self) -> str:
        return f"{self.district.name} 排名权重" if self.district_id else "排名权重"


class MonthlyReport(models.Model):
    SCOPE_REGION_FIELD = "area"
    PENDING, DONE, FAILED = "pending", "done", "failed"
    STATUS_CHOICES = [(PENDING, "生成中"), (DONE, "已生成"), (FAILED, "生成失败")]

    area = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区域")
    month = models.DateField("月份")  # first day of the month
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default=PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    workbook = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "月度报告"
        verbose_name_plural = "月度报告"

    def __str__(self) -> str:
        area = self.area.name if self.area_id else ""
        return f"{area} {self.month:%Y年%m月}月度报告（{self.get_status_display()}）".strip()
