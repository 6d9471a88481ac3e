"""一门式政务服务: the catalogue (items and their versions), windows, applications and what hangs on
them. Data and invariants only; writes go through services.py, the states live in workflow.py."""
from __future__ import annotations

import json

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_id_number, mask_name, mask_phone
from civicgrid.core.workflow.models import WorkflowEventFields, WorkflowFields, WorkflowLabels

from . import workflow as W

LEVEL_CHOICES = list(W.LEVEL_LABELS.items())
RESULT_CHOICES = [("certificate", "证照"), ("payment", "待遇发放"), ("record", "登记备案")]


class Item(models.Model):
    """事项: one service the centre accepts. What it requires lives in its versions (ItemVersion)."""

    SCOPE_REGION_FIELD = "department__district"

    code = models.CharField("事项编码", max_length=30, unique=True)
    name = models.CharField("事项名称", max_length=80)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="affairs_items",
                                   verbose_name="主管部门")
    category = models.CharField("类别", max_length=20, blank=True)
    active = models.BooleanField("在办", default=True)
    current = models.ForeignKey("ItemVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="现行版本")

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ItemVersion(models.Model):
    """One published version of an item. Never changed after publication: a change publishes a new
    version, and every application keeps the version it was made under."""

    SCOPE_REGION_FIELD = "item__department__district"

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions", verbose_name="事项")
    version = models.PositiveIntegerField("版本号")
    legal_basis = models.TextField("设定依据")
    accept_level = models.CharField("受理层级", max_length=10, choices=LEVEL_CHOICES, default=W.COMMUNITY)
    review_level = models.CharField("审核层级", max_length=10, choices=LEVEL_CHOICES, default=W.STREET)
    decide_level = models.CharField("决定层级", max_length=10, choices=LEVEL_CHOICES, default=W.DISTRICT)
    materials = models.JSONField("材料清单", default=list)
    fields = models.JSONField("表单字段", default=list)
    fee = models.DecimalField("收费（元）", max_digits=10, decimal_places=2, default=0)
    fee_note = models.CharField("收费说明", max_length=200, blank=True)
    limits = models.JSONField("环节时限（工作日）", default=dict)
    total_days = models.PositiveSmallIntegerField("承诺时限（工作日）")
    legal_days = models.PositiveSmallIntegerField("法定时限（工作日）", null=True, blank=True)
    result_kind = models.CharField("办理结果", max_length=12, choices=RESULT_CHOICES)
    result_name = models.CharField("结果名称", max_length=80, blank=True)
    note = models.CharField("变更说明", max_length=200, blank=True)
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="发布人")

    class Meta:
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        ordering = ["item", "-version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="affairs_item_version_unique")]

    def __str__(self) -> str:
        return f"{self.item.name if self.item_id else ''} 第{self.version}版"

    def limit(self, step: str) -> int:
        return int(self.limits.get(step) or W.DEADLINES[step].amount)

    @property
    def register_materials(self) -> list[dict]:
        return [m for m in self.materials if m.get("register")]


class Window(models.Model):
    """A window (受理窗口) of a community service station or a street centre."""

    SCOPE_REGION_FIELD = "region"

    name = models.CharField("窗口名称", max_length=60)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="所在社区/街道")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "受理窗口"
        verbose_name_plural = "受理窗口"
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class ApplicationSerial(models.Model):
    """One row per local day: dense application numbers that never collide."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "申请编号计数"
        verbose_name_plural = "申请编号计数"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 已编至第 {self.last} 号"


# Open and late: the condition of the per-seat late indexes and of the overdue list (same states, same order).
LATE = models.Q(state__in=W.WORKFLOW.open_states, is_overdue=True)


class Application(WorkflowLabels, WorkflowFields):
    """One application: one form, one number to the end (一口受理、一单到底).

    Scope: the community/street where it was accepted (region), and the department unit it is routed
    to for the decision (unit) — a department sees only what is routed to it.
    """

    workflow = W.WORKFLOW

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_FIELD = "unit"

    number = models.CharField("申请编号", max_length=20, unique=True)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="applications", verbose_name="事项")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="applications",
                                     verbose_name="事项版本")
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="主管部门")
    unit = models.ForeignKey("departments.DepartmentUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="审批单位")
    tier = models.CharField("审核层级", max_length=10, choices=list(W.TIER_LABELS.items()), default=W.STREET)
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.PROTECT, related_name="applications",
                               verbose_name="受理窗口")
    # Indexed with created_at below (Meta.indexes), which serves the foreign key as well.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="受理地",
                               db_index=False)
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="街道",
                               db_index=False)
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区",
                                 db_index=False)

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="登记居民")
    applicant_name = EncryptedTextField("申请人姓名")
    phone = EncryptedTextField("联系电话", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    id_number = EncryptedTextField("证件号码", blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    form_data = EncryptedTextField("申请表内容", blank=True, default="")
    prefill_consent = models.BooleanField("同意使用登记信息", default=False)
    prefill_consent_at = models.DateTimeField("同意时间", null=True, blank=True)

    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="受理人")
    created_at = models.DateTimeField("收件时间", db_index=True)
    started_at = models.DateTimeField("起算时间", null=True, blank=True)
    total_due = models.DateTimeField("承诺办结时限", null=True, blank=True)
    paused_step = models.CharField("补正前环节", max_length=10, blank=True)
    paused_step_hours = models.FloatField("补正时环节剩余工时", null=True, blank=True)
    paused_total_hours = models.FloatField("补正时总剩余工时", null=True, blank=True)
    paused_since = models.DateTimeField("补正开始", null=True, blank=True)
    paused_hours = models.FloatField("补正累计工时", default=0)
    corrections = models.PositiveSmallIntegerField("补正次数", default=0)
    escalations = models.PositiveSmallIntegerField("督办次数", default=0)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True, db_index=True)
    decision_on_time = models.BooleanField("按时办结", null=True, blank=True)
    working_days = models.DecimalField("实际用时（工作日）", max_digits=7, decimal_places=2, null=True, blank=True)
    result_number = models.CharField("结果文号", max_length=40, blank=True)
    reject_reason = models.TextField("不予批准理由", blank=True)
    reject_basis = models.CharField("法律依据", max_length=300, blank=True)
    delivery_method = models.CharField("送达方式", max_length=10, blank=True,
                                       choices=[("window", "窗口领取"), ("post", "邮寄送达")])
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    signed_by = EncryptedTextField("签收人", blank=True, default="")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "state", "-created_at"], name="affairs_app_window"),
            models.Index(fields=["unit", "state", "due_at"], name="affairs_app_unit"),
            models.Index(fields=["state", "due_at"], name="affairs_app_state_due"),
            # A seat's newest applications (today's at the window, a list page) along its own column
            # (selectors._scoped); each also serves its foreign key.
            models.Index(fields=["region", "-created_at"], name="affairs_app_region_new"),
            models.Index(fields=["street", "-created_at"], name="affairs_app_street_new"),
            models.Index(fields=["district", "-created_at"], name="affairs_app_district_new"),
            # What is late, most overdue first, per seat: small (only late open applications are in them).
            # The condition is the query's own (selectors.applications(overdue=True)): PostgreSQL then
            # knows every row of the index qualifies; with is_overdue alone it took the open states
            # and the late ones for independent, expected a dozenth of the rows and read 70,000 to sort them.
            models.Index(fields=["region", "due_at"], condition=LATE, name="affairs_app_region_late"),
            models.Index(fields=["street", "due_at"], condition=LATE, name="affairs_app_street_late"),
            models.Index(fields=["district", "due_at"], condition=LATE, name="affairs_app_district_late"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name if self.item_id else ''}"

    @property
    def form(self) -> dict:
        try:
            return json.loads(self.form_data or "{}")
        except ValueError:
            return {}

    @property
    def name_masked(self) -> str:
        return mask_name(self.applicant_name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def public_state(self) -> str:
        return W.PUBLIC_STATE.get(self.state, self.state_label)


class Material(models.Model):
    """One line of the application's material list: provided (checked off, maybe scanned), held by the
    register (not brought again), or missing (listed on the one-time notice)."""

    STATUS_CHOICES = [("provided", "已提交"), ("register", "信息库已有，免提交"), ("missing", "缺少"),
                      ("waived", "不适用")]

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="materials")
    code = models.CharField("材料编码", max_length=20)
    name = models.CharField("材料名称", max_length=80)
    form = models.CharField("形式", max_length=10)
    required = models.BooleanField("必需", default=True)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES)
    scan = models.FileField("扫描件", upload_to="affairs/%Y/%m/", blank=True, max_length=200)
    scan_type = models.CharField("扫描件类型", max_length=40, blank=True)
    scan_size = models.PositiveIntegerField("扫描件大小", default=0)
    checked_at = models.DateTimeField("核验时间", null=True, blank=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["application", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "code"], name="affairs_material_once")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"


class Notice(models.Model):
    """一次性告知书: everything missing, in writing, once — at the window or when returned for correction."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notices")
    seq = models.PositiveSmallIntegerField("序号")
    missing = models.JSONField("缺少材料", default=list)
    reason = models.TextField("补正说明", blank=True)
    issued_at = models.DateTimeField("告知时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="告知人")
    resolved_at = models.DateTimeField("补正时间", null=True, blank=True)

    class Meta:
        verbose_name = "一次性告知书"
        verbose_name_plural = "一次性告知书"
        ordering = ["application", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="affairs_notice_seq")]

    def __str__(self) -> str:
        return f"一次性告知书 {self.application.number if self.application_id else ''}-{self.seq}"


class ApplicationEvent(WorkflowEventFields):
    """One step of an application's history; append-only, (application, seq) unique."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "办件流转记录"
        verbose_name_plural = "办件流转记录"
        ordering = ["application", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="affairs_event_seq_unique")]

    def __str__(self) -> str:
        return f"办件流转第{self.seq}步：{self.action_label}"

    @property
    def action_label(self) -> str:
        return W.ACTION_LABELS.get(self.action, self.action)


class Rating(models.Model):
    """好差评: the applicant's rating after the application ended; a poor one must be answered in time."""

    SCOPE_REGION_FIELD = "application__region"
    SCOPE_UNIT_FIELD = "application__unit"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField("评价", choices=W.RATING_CHOICES)
    comment = EncryptedTextField("评价内容", blank=True, default="")
    at = models.DateTimeField("评价时间")
    # Denormalised so the published rates are single-table counts.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer_due = models.DateTimeField("整改反馈时限", null=True, blank=True)
    answer = models.TextField("整改反馈", blank=True)
    answered_at = models.DateTimeField("反馈时间", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="反馈人")

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.application.number if self.application_id else ''} {self.get_score_display()}"

    @property
    def is_poor(self) -> bool:
        return self.score in W.POOR


class Booking(models.Model):
    """预约: a resident books a window slot for an item from the phone; checked in at the window."""

    SCOPE_REGION_FIELD = "window__region"
    STATUS_CHOICES = [("booked", "已预约"), ("checked_in", "已签到取号"), ("missed", "未到")]

    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="bookings", verbose_name="窗口")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name="事项")
    day = models.DateField("预约日期")
    slot = models.TimeField("时段")
    name = EncryptedTextField("姓名")
    phone = EncryptedTextField("手机号")
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    code = models.CharField("预约码", max_length=6)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default="booked")
    created_at = models.DateTimeField("预约时间")

    class Meta:
        verbose_name = "窗口预约"
        verbose_name_plural = "窗口预约"
        ordering = ["day", "slot", "id"]
        constraints = [models.UniqueConstraint(fields=["window", "day", "code"], name="affairs_booking_code")]
        indexes = [models.Index(fields=["window", "day", "slot"], name="affairs_booking_slot")]

    def __str__(self) -> str:
        when = f"{self.day:%m-%d} {self.slot:%H:%M}" if self.day and self.slot else ""
        return f"预约 {when} {mask_name(self.name)}（{self.get_status_display()}）"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class Ticket(models.Model):
    """排队号: a walk-in's number (A…) or a checked-in booking's (B…); waiting time = called − taken."""

    SCOPE_REGION_FIELD = "window__region"
    STATUS_CHOICES = [("waiting", "等候中"), ("called", "已叫号"), ("done", "已办理"), ("absent", "过号")]

    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="tickets", verbose_name="窗口")
    day = models.DateField("日期")
    label = models.CharField("号码", max_length=8)
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="ticket")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="事项")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="waiting")
    taken_at = models.DateTimeField("取号时间")
    called_at = models.DateTimeField("叫号时间", null=True, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "排队号"
        verbose_name_plural = "排队号"
        ordering = ["day", "taken_at", "id"]
        constraints = [models.UniqueConstraint(fields=["window", "day", "label"], name="affairs_ticket_label")]

    def __str__(self) -> str:
        return f"{self.label}号（{self.get_status_display()}）"

    @property
    def wait_minutes(self) -> int | None:
        if self.called_at is None:
            return None
        return int((self.called_at - self.taken_at).total_seconds() // 60)
