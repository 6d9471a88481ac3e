"""Cases: the closed loop from discovery to verified closure (问题处置闭环).

Data and invariants only. Every write goes through services.py; the allowed transitions live in
workflow.py (mirrored into the Transition table for reporting and the admin).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_name, mask_phone
from civicgrid.core.pii import SplitsPrivateText
from civicgrid.core.workflow.models import WorkflowEventFields, WorkflowLabels

from . import workflow as W


class Category(models.Model):
    """A case type in the manner of GB/T 47678: 5 digits = 2-digit major class + 3-digit minor class.

    Components (部件) and events (事件) follow the national standard's classes; social-governance
    matters (社会治理) are our own extension majors (50+). Limits are in working hours (工作时).
    """

    KIND_CHOICES = [("component", "部件"), ("event", "事件"), ("social", "社会治理")]

    code = models.CharField("类别编码", max_length=5, unique=True,
                            help_text="5 位：2 位大类 + 3 位小类，如 01037 路灯")
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES)
    major_name = models.CharField("大类名称", max_length=50)
    name = models.CharField("小类名称", max_length=50)
    # A code, not a FK: departments are per-district data; resolved to the case's district's department.
    department_code = models.CharField("默认处置部门编码", max_length=20, blank=True)
    default_tier = models.CharField("默认处置层级", max_length=10, choices=W.TIER_CHOICES, default=W.STREET)
    accept_hours = models.FloatField("受理（立案）时限（工作时）", default=0.5)
    dispatch_hours = models.FloatField("派遣时限（工作时）", default=0.5)
    handle_hours = models.FloatField("处置时限（工作时）", default=14)
    urgent_accept_hours = models.FloatField("紧急受理时限（工作时）", default=1 / 6)
    urgent_dispatch_hours = models.FloatField("紧急派遣时限（工作时）", default=1 / 6)
    urgent_handle_hours = models.FloatField("紧急处置时限（工作时）", default=2)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "案件类别"
        verbose_name_plural = "案件类别"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{5}$"), name="category_code_5_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def major_code(self) -> str:
        return self.code[:2]

    @property
    def minor_code(self) -> str:
        return self.code[2:]

    def limit(self, step: str, urgent: bool) -> float:
        """Working hours allowed for step 'accept' | 'dispatch' | 'handle'."""
        return getattr(self, f"{'urgent_' if urgent else ''}{step}_hours")


class CaseSerial(models.Model):
    """One row per local day: the last serial handed out, so numbers are dense and never collide."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("已用流水号", default=0)

    class Meta:
        verbose_name = "案件编号流水"
        verbose_name_plural = "案件编号流水"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 已编至第 {self.last} 号"


# "Open" as the partial indexes and check constraints say it: three inequalities, a text that survives
# pg_get_indexdef and re-creation unchanged (the bulk loader drops and re-creates the indexes).
NOT_TERMINAL = models.Q(*[~models.Q(state=s) for s in sorted(W.TERMINAL)])


class Case(WorkflowLabels, SplitsPrivateText, models.Model):
    """One reported problem. Region FKs are denormalised so scoped lists are single-table filters.

    `region` is the most precise known node (grid, else community, else street): it is what
    jurisdiction follows. `version` grows by one with every event; CaseEvent(case, seq) is unique,
    so two concurrent actions can never both append the same step.
    """

    workflow = W.WORKFLOW
    PRIVATE_TEXT = {"description": "description_private", "address": "address_private"}

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_FIELD = "assigned_unit"

    CHANNEL_CHOICES = [
        ("grid_worker", "网格员上报"), ("community", "社区受理"), ("hotline", "热线"),
        ("resident", "居民自报"), ("api", "接口"), ("other", "其他"),
    ]

    number = models.CharField("案件编号", max_length=20, unique=True)
    channel = models.CharField("来源渠道", max_length=15, choices=CHANNEL_CHOICES)
    source = models.CharField("来源说明", max_length=100, blank=True,
                              help_text="无登录用户的渠道（居民、接口）记录来源，如 open311:app-key")
    # No single-column index on category, community, street or state: the composite indexes in Meta lead
    # with them and serve the same lookups; every index is written on each intake (issue 19).
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name="类别",
                                 db_index=False)
    description = models.TextField("问题描述")
    # The description as typed when it held an identity or phone number (masked in `description`):
    # shown only through the logged requester reveal. See core.pii.SplitsPrivateText.
    description_private = EncryptedTextField("问题描述原文", blank=True, default="", db_default="")
    urgent = models.BooleanField("紧急", default=False)
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    address_private = EncryptedTextField("地址原文", blank=True, default="", db_default="")

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="网格")
    community = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="社区", db_index=False)
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="街道",
                               db_index=False)
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")

    assigned_unit = models.ForeignKey("departments.DepartmentUnit", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="cases", verbose_name="处置单位")
    # The department that last handled it; kept after closure so evaluation can group by department.
    department = models.ForeignKey("departments.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="cases", verbose_name="处置部门")

    state = models.CharField("状态", max_length=20, choices=W.STATE_CHOICES, default=W.REPORTED)
    tier = models.CharField("处置层级", max_length=10, choices=W.TIER_CHOICES, default=W.STREET)

    # Deadlines of each step (kept after the step for evaluation) and the clock now running.
    accept_due = models.DateTimeField("受理时限", null=True, blank=True)
    dispatch_due = models.DateTimeField("派遣时限", null=True, blank=True)
    handle_due = models.DateTimeField("处置时限", null=True, blank=True)
    # No index of its own: every query by deadline is about open cases, which case_open_urgency
    # (due_at first) and case_state_due answer; this one indexed 5M closed cases' deadlines too.
    due_at = models.DateTimeField("当前环节时限", null=True, blank=True)
    warn_at = models.DateTimeField("当前环节预警点", null=True, blank=True)
    is_warned = models.BooleanField("已预警", default=False)
    is_overdue = models.BooleanField("已超期", default=False)
    overdue_count = models.PositiveIntegerField("超期环节数", default=0)

    filed_at = models.DateTimeField("立案时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("派遣时间", null=True, blank=True)
    handle_started_at = models.DateTimeField("开始处置", null=True, blank=True)
    handled_at = models.DateTimeField("处置反馈时间", null=True, blank=True)
    handled_on_time = models.BooleanField("按期处置", null=True, blank=True)
    handling_hours = models.FloatField("处置用时（工作时）", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True, db_index=True)

    rework_count = models.PositiveIntegerField("返工次数", default=0)
    return_count = models.PositiveIntegerField("退回次数", default=0)
    extension_count = models.PositiveIntegerField("延期次数", default=0)
    extension_hours_requested = models.FloatField("申请延期（工作时）", null=True, blank=True)
    suspended_until = models.DateField("挂账复查日期", null=True, blank=True)

    requester_name = models.CharField("诉求人", max_length=50, blank=True)
    requester_phone = EncryptedTextField("诉求人电话", blank=True)
    requester_phone_hash = models.CharField(max_length=64, blank=True, editable=False)

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reported_cases", verbose_name="上报人")
    # Suggested on intake (same minor class, nearby, recent); `duplicate_of` is set only by a merge.
    possible_duplicate = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name="疑似重复")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="merged_cases", verbose_name="合并至")

    created_at = models.DateTimeField("上报时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="case_state_due"),
            # A supervisor's to-do (cases/selectors.py _todo_q): its tier's cases in its states, by
            # deadline. At 5M cases the commander's to-do read 26 ms instead of 164 ms with it.
            models.Index(fields=["tier", "state", "due_at"], name="case_tier_state_due"),
            models.Index(fields=["category", "state", "created_at"], name="case_cat_state_created"),
            # The duplicate check's first look: original reports only (not flagged, not merged), by
            # class and latitude band — a hot spot of thousands of calls has one or a few of these.
            models.Index(fields=["category", "lat", "lng"], name="case_dup_roots",
                         condition=models.Q(possible_duplicate__isnull=True, duplicate_of__isnull=True)),
            # Worklists: the open cases (the backlog, however long the history) in deadline order,
            # exactly the worklist's (deadline, newest first): a page stops after its rows even when
            # a filter (a text search) keeps few of them and the planner cannot tell how few — with
            # (due_at, created_at) it sorted every match (at 5M cases a search read 250 ms, now 4).
            # PostgreSQL uses it for queries that imply its condition: open (state IN open states, or
            # NOT state IN terminal ones), or with a deadline (any condition on due_at but IS NULL) —
            # the same rows, since only an open case has one (case_deadline_only_while_open), but
            # the lists' deadline pieces say no state beyond their own filter's (selectors._states_q).
            models.Index(fields=["due_at", "-created_at", "-id"], name="case_open_urgency",
                         condition=models.Q(due_at__isnull=False) | NOT_TERMINAL),
            # A street's open cases by deadline, as its dispatcher's to-do and lists read them: the
            # street's overdue ones were found through the whole district's deadline index (or
            # ANDed with a bitmap of the street's 770,000 cases of the year to count them) — at 5M
            # cases a to-do page took 100 ms, 19 ms with it. Only open cases (~2 % of the table),
            # said as case_open_urgency's condition is.
            models.Index(fields=["street", "due_at", "-created_at", "-id"], name="case_street_due",
                         condition=models.Q(due_at__isnull=False) | NOT_TERMINAL),
            # The same for a community's staff, the most numerous daily users: their to-do's pieces
            # ANDed a bitmap of the community's 110,000 cases of the year, 10–16 ms each (a page 83 ms
            # at 5M cases, 46 with it).
            models.Index(fields=["community", "due_at", "-created_at", "-id"], name="case_community_due",
                         condition=models.Q(due_at__isnull=False) | NOT_TERMINAL),
            # Drill-downs and filtered lists of one community, street or class, newest first: read
            # along these from the period's end, the rows of a figure (filed on one day, closed this
            # year) come first instead of after the whole district's newer cases (or a sort of all
            # of the community's, as PostgreSQL chose for "filed, one community, one day": 0.9 s).
            models.Index(fields=["community", "-created_at"], name="case_community_new"),
            models.Index(fields=["street", "-created_at"], name="case_street_new"),
            models.Index(fields=["category", "-created_at"], name="case_category_new"),
            # "Filed on this day" (a drill-down from the board): no rollup counts it exactly, so its
            # list is counted, and without this the count read a community's whole year (19,545 rows)
            # to find 76.
            models.Index(fields=["filed_at"], name="case_filed"),
            # Plain b-trees for equality lookups; `db_index=True` on a CharField also builds a
            # varchar_pattern_ops copy on PostgreSQL for LIKE, which nothing asks of these columns.
            models.Index(fields=["channel"], name="case_channel"),
            models.Index(fields=["requester_phone_hash"], name="case_requester_hash"),
        ]
        constraints = [
            # The clock runs only while a case is open: closing, merging or not filing stops it
            # (core/workflow/machine.py start_clock with no step). The lists rely on it
            # (selectors._states_q: "has a deadline" already means open), so the database keeps it.
            models.CheckConstraint(condition=models.Q(due_at__isnull=True) | NOT_TERMINAL,
                                   name="case_deadline_only_while_open"),
            # A warning point belongs to a running clock (start_clock sets both or neither; a
            # suspended case has a review date and no warning): the worklist's "warned" piece is
            # then one of the pieces with a deadline (selectors.urgency_parts).
            models.CheckConstraint(condition=models.Q(warn_at__isnull=True) | models.Q(due_at__isnull=False),
                                   name="case_warning_only_with_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category.name if self.category_id else ''}"

    @property
    def requester_phone_masked(self) -> str:
        return mask_phone(self.requester_phone)

    @property
    def requester_name_masked(self) -> str:
        return mask_name(self.requester_name)


class CaseEvent(WorkflowEventFields):
    """One step of the case's history (the engine's event fields). Append-only; (case, seq) unique so the
    history cannot fork."""

    # No index of its own: the unique key (case, seq) starts with it (at 5M cases, 30M events: an
    # index of 30M rows less to keep current and to rebuild after a bulk load).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    # The case's own created_at, copied: on a partitioned database (cases/partitions.py) the events are
    # partitioned by it, so a case's whole history sits in the month of the case. Every event the
    # services write carries it; rows bulk-loaded into unpartitioned tables may leave it empty.
    case_created_at = models.DateTimeField("案件上报时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "案件流转记录"
        verbose_name_plural = "案件流转记录"
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        return W.ACTION_LABELS.get(self.action, self.action)

    @property
    def actor_role_label(self) -> str:
        from civicgrid.core.roles import ROLE_LABELS

        return ROLE_LABELS.get(self.actor_role, "系统" if self.actor_role == W.SYSTEM else self.actor_role)


class Attachment(models.Model):
    """A photo attached to an event; re-encoded on upload (EXIF, including GPS, is dropped)."""

    KIND_CHOICES = [("before", "现场照片"), ("evidence", "处置照片"), ("after", "核查照片")]

    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES)
    image = models.ImageField("图片", upload_to="cases/%Y/%m/")
    thumbnail = models.ImageField("缩略图", upload_to="cases/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField("字节数", default=0)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "案件附件"
        verbose_name_plural = "案件附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.original_name or '照片'}）"


class Transition(models.Model):
    """Read-only mirror of workflow.TRANSITIONS, rewritten after every migrate (see apps.py).

    The code is the one source the services read; this table lets the admin and SQL reports see it.
    """

    from_state = models.CharField("原状态", max_length=20, blank=True)
    action = models.CharField("动作", max_length=30)
    to_state = models.CharField("新状态", max_length=20)
    roles = models.CharField("可执行角色", max_length=200)
    label = models.CharField("名称", max_length=30)
    condition = models.CharField("条件", max_length=30, blank=True)
    needs_note = models.BooleanField("须填写说明", default=False)
    needs_photo = models.BooleanField("须上传照片", default=False)

    class Meta:
        verbose_name = "流转规则"
        verbose_name_plural = "流转规则"
        ordering = ["id"]

    def __str__(self) -> str:
        from . import workflow as W

        start = W.STATE_LABELS.get(self.from_state, "（新案件）")
        return f"{start} —{self.label}→ {W.STATE_LABELS.get(self.to_state, self.to_state)}"


# Joint action and emergency mode (issue 18 item 6): their own module, registered with this app.
from .joint_models import JointOperation, JointPart  # noqa: E402,F401
