"""为老关怀 (care plans, contacts, misses) and 紧急援助 (devices, alerts): data and invariants only.
Writes go through services.py; the alert's states live in workflow.py and run on the shared engine.

Scope: every row carries the person's region (grid or community) for core.scoping; the assigned seats
(助老员、社工、志愿者) are narrowed further to their own people in selectors.py.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_name, mask_phone
from civicgrid.core.workflow.models import WorkflowEventFields, WorkflowFields, WorkflowLabels

from . import rhythms as RH
from . import workflow as W


class CarePlan(models.Model):
    """One person's care plan: the rhythms of contact, who keeps each, and who responds to an alert."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # personal data: territorial seats only

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="care_plan",
                                  verbose_name="居民")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格/社区")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    # Contacts in a row that did not reach the person (a failed attempt or a missed period); at 2 → alert.
    unreached = models.PositiveSmallIntegerField("连续未联系上次数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="建立人")
    created_at = models.DateTimeField("建立时间", auto_now_add=True)

    class Meta:
        verbose_name = "关爱计划"
        verbose_name_plural = "关爱计划"
        ordering = ["community__code", "id"]

    def __str__(self) -> str:
        return f"关爱计划（{self.person}）" if self.person_id else "关爱计划"

    @property
    def active(self) -> bool:
        return self.ended_on is None


class Rhythm(models.Model):
    """One rhythm of a plan (日电话、周上门、月访视) with its responsible worker and its current window.

    `next_due`..`due_by` is the window of the current period: due today is `next_due <= today`; the
    period is missed when `due_by < today` without a reached contact (the daily sweep)."""

    SCOPE_REGION_FIELD = "plan__region"
    SCOPE_UNIT_AREA = False

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="rhythms", verbose_name="关爱计划")
    kind = models.CharField("节奏", max_length=20, choices=RH.KIND_CHOICES)
    period = models.CharField("周期", max_length=5, choices=list(RH.PERIOD_LABELS.items()))
    contact = models.CharField("方式", max_length=5, choices=list(RH.CONTACT_LABELS.items()))
    working_days = models.BooleanField("仅工作日", default=True)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_rhythms",
                               verbose_name="责任人")
    worker_kind = models.CharField("责任人类别", max_length=15, choices=list(RH.WORKER_KINDS.items()))
    active = models.BooleanField("启用", default=True)
    next_due = models.DateField("本期起", db_index=True)
    due_by = models.DateField("本期截止", db_index=True)
    last_contact_at = models.DateTimeField("上次联系", null=True, blank=True)
    missed_in_row = models.PositiveSmallIntegerField("连续漏访", default=0)

    class Meta:
        verbose_name = "关爱节奏"
        verbose_name_plural = "关爱节奏"
        ordering = ["plan", "kind"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="care_rhythm_once_per_plan")]
        # The due list: one worker's active rhythms by the start of their window.
        indexes = [models.Index(fields=["worker", "active", "next_due"], name="care_rhythm_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.next_due:%m-%d}起，{self.due_by:%m-%d}前）" if self.next_due else self.get_kind_display()

    @property
    def spec(self) -> RH.RhythmKind:
        return RH.KINDS[self.kind]


class Responder(models.Model):
    """Someone on the person's duty chain: family or a neighbour (a contact, maybe without an account),
    or a worker with an account. Contacts' names and phones are protected as in the register."""

    SCOPE_REGION_FIELD = "plan__region"
    SCOPE_UNIT_AREA = False
    KIND_CHOICES = [(k, v) for k, v in W.RESPONDER_KINDS.items() if k in (W.FAMILY, W.NEIGHBOUR, W.HELPER)]

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="responders", verbose_name="关爱计划")
    kind = models.CharField("类别", max_length=10, choices=KIND_CHOICES)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="care_duties", verbose_name="系统账号")
    name = EncryptedTextField("姓名", blank=True, default="")
    phone = EncryptedTextField("电话", blank=True, default="")
    relation = models.CharField("关系", max_length=20, blank=True)
    # On duty between these local times (both empty: always); a window may run past midnight.
    duty_from = models.TimeField("值守开始", null=True, blank=True)
    duty_to = models.TimeField("值守结束", null=True, blank=True)

    class Meta:
        verbose_name = "响应人"
        verbose_name_plural = "响应人"
        ordering = ["plan", "kind", "id"]

    def __str__(self) -> str:
        who = self.user.display_name if self.user_id else mask_name(self.name)
        return f"{self.get_kind_display()} {who}"

    @property
    def name_masked(self) -> str:
        return self.user.display_name if self.user_id else mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def on_duty(self, at_time) -> bool:
        if self.duty_from is None or self.duty_to is None:
            return True
        if self.duty_from <= self.duty_to:
            return self.duty_from <= at_time < self.duty_to
        return at_time >= self.duty_from or at_time < self.duty_to


FINDINGS = {
    "unwell": "身体不适", "mood": "情绪低落", "safety": "居家安全隐患", "daily_care": "需要生活照料",
    "meals": "就餐困难", "medicine": "用药问题", "loneliness": "孤独需陪伴", "none": "情况良好",
}
LOCATION_CHECKS = {"ok": "定位在住址附近", "far": "定位离住址较远", "none": "未定位", "na": "电话（无需定位）"}


class Contact(models.Model):
    """One contact logged against a plan (a call or a home visit): reached or not, where, what was found.
    A reached contact also lands in the person's record (people.Visit)."""

    SCOPE_REGION_FIELD = "plan__region"
    SCOPE_UNIT_AREA = False

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="contacts", verbose_name="关爱计划")
    rhythm = models.ForeignKey(Rhythm, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts",
                               verbose_name="节奏")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="联系人")
    contact = models.CharField("方式", max_length=5, choices=list(RH.CONTACT_LABELS.items()))
    at = models.DateTimeField("时间", db_index=True)
    reached = models.BooleanField("联系上", default=True)
    on_time = models.BooleanField("按期", default=True)
    location_check = models.CharField("定位核验", max_length=5, choices=list(LOCATION_CHECKS.items()), default="na")
    distance_m = models.PositiveIntegerField("距住址（米）", null=True, blank=True)
    findings = models.JSONField("发现", default=list, blank=True)
    note = models.TextField("情况记录", blank=True)
    follow_up = models.BooleanField("需跟进", default=False)
    follow_up_note = models.CharField("跟进事项", max_length=200, blank=True)
    visit = models.ForeignKey("people.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="走访记录")

    class Meta:
        verbose_name = "关爱联系记录"
        verbose_name_plural = "关爱联系记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["plan", "at"], name="care_contact_plan_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_contact_display()}{'' if self.reached else '（未联系上）'}"

    @property
    def finding_labels(self) -> list[str]:
        return [FINDINGS.get(f, f) for f in self.findings]


class Miss(models.Model):
    """A period that ended without a reached contact: flagged to the worker, escalated to the community."""

    SCOPE_REGION_FIELD = "plan__region"
    SCOPE_UNIT_AREA = False

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="misses", verbose_name="关爱计划")
    rhythm = models.ForeignKey(Rhythm, on_delete=models.CASCADE, related_name="misses", verbose_name="节奏")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="责任人")
    window_start = models.DateField("应联系起")
    window_end = models.DateField("应联系止", db_index=True)
    in_row = models.PositiveSmallIntegerField("连续第几次", default=1)
    escalated_to = models.CharField("上报至", max_length=60, blank=True)
    flagged_at = models.DateTimeField("标记时间")

    class Meta:
        verbose_name = "漏访记录"
        verbose_name_plural = "漏访记录"
        ordering = ["-window_end", "-id"]
        constraints = [models.UniqueConstraint(fields=["rhythm", "window_end"], name="care_miss_once_per_window")]

    def __str__(self) -> str:
        return f"漏访 {self.rhythm.get_kind_display() if self.rhythm_id else ''} {self.window_start:%m-%d}—{self.window_end:%m-%d}"


class AlertChainStep(models.Model):
    """One level of a community's escalation chain; without rows the default chain applies."""

    SCOPE_REGION_FIELD = "community"

    community = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name="社区")
    level = models.PositiveSmallIntegerField("级别")
    after_minutes = models.PositiveSmallIntegerField("发起后（分钟）")
    kinds = models.JSONField("通知对象", default=list)

    class Meta:
        verbose_name = "求助逐级上报设置"
        verbose_name_plural = "求助逐级上报设置"
        ordering = ["community", "level"]
        constraints = [models.UniqueConstraint(fields=["community", "level"], name="care_chain_level_once")]

    def __str__(self) -> str:
        who = "、".join(W.RESPONDER_KINDS.get(k, k) for k in self.kinds)
        return f"第{self.level}级：{self.after_minutes}分钟未响应 → {who}"


class Device(models.Model):
    """An emergency button or pendant. Its signing key is stored encrypted (the server must recompute
    the HMAC) and shown once when issued; `key_hint` identifies it without revealing it."""

    SCOPE_REGION_FIELD = "plan__region"
    SCOPE_UNIT_AREA = False
    KIND_CHOICES = [("button", "一键呼叫器"), ("pendant", "智能手环/胸牌"), ("sensor", "居家传感器")]

    serial = models.CharField("设备编号", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES)
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="devices", verbose_name="关爱计划")
    key = EncryptedTextField("签名密钥")
    key_hint = models.CharField("密钥指纹", max_length=16)
    active = models.BooleanField("启用", default=True)
    issued_at = models.DateTimeField("发放时间")
    last_seen_at = models.DateTimeField("最近上报", null=True, blank=True)

    class Meta:
        verbose_name = "紧急呼叫设备"
        verbose_name_plural = "紧急呼叫设备"
        ordering = ["serial"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class DeviceNonce(models.Model):
    """A nonce a device has used, kept for twice the timestamp window so a replay is refused."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "设备请求随机数"
        verbose_name_plural = "设备请求随机数"
        constraints = [models.UniqueConstraint(fields=["device", "nonce"], name="care_nonce_once")]

    def __str__(self) -> str:
        return f"随机数 {self.nonce[:8]}…"


class AlertSerial(models.Model):
    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "求助编号计数"
        verbose_name_plural = "求助编号计数"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 已编至第 {self.last} 号"


class Alert(WorkflowLabels, WorkflowFields):
    """One call for help. Health and location details are sensitive personal information: encrypted,
    shown masked, revealed one at a time with a reason (core.reveal)."""

    workflow = W.WORKFLOW
    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False
    REVEALABLE = {"location": "位置", "health": "健康信息"}

    number = models.CharField("求助编号", max_length=20, unique=True)
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="alerts", verbose_name="关爱计划")
    source = models.CharField("来源", max_length=10, choices=list(W.SOURCES.items()), db_index=True)
    kind = models.CharField("类型", max_length=12, choices=list(W.ALERT_KINDS.items()))
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts",
                               verbose_name="设备")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格/社区")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    location = EncryptedTextField("位置", blank=True, default="")
    health = EncryptedTextField("健康信息", blank=True, default="")
    chain = models.JSONField("上报链", default=list)
    level = models.PositiveSmallIntegerField("已通知至第几级", default=0)
    raised_at = models.DateTimeField("发起时间", db_index=True)
    acknowledged_at = models.DateTimeField("响应时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="响应人")
    arrived_at = models.DateTimeField("到场时间", null=True, blank=True)
    closed_at = models.DateTimeField("处置完毕时间", null=True, blank=True)
    outcome = models.CharField("处置结果", max_length=12, choices=list(W.OUTCOMES.items()), blank=True)

    class Meta:
        verbose_name = "紧急求助"
        verbose_name_plural = "紧急求助"
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"], name="care_alert_state_due")]

    def __str__(self) -> str:
        return f"紧急求助 {self.number}"

    @property
    def response_minutes(self) -> float | None:
        if not self.acknowledged_at:
            return None
        return round((self.acknowledged_at - self.raised_at).total_seconds() / 60, 1)

    @property
    def level_label(self) -> str:
        if not self.chain:
            return ""
        step = self.chain[min(self.level, len(self.chain) - 1)]
        return "、".join(W.RESPONDER_KINDS.get(k, k) for k in step["kinds"])


class AlertEvent(WorkflowEventFields):
    """One line of an alert's timeline; append-only, (alert, seq) unique."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "求助处置记录"
        verbose_name_plural = "求助处置记录"
        ordering = ["alert", "seq"]
        constraints = [models.UniqueConstraint(fields=["alert", "seq"], name="care_alert_event_seq_unique")]

    def __str__(self) -> str:
        return f"求助第{self.seq}步：{W.ACTION_LABELS.get(self.action, self.action)}"

    @property
    def action_label(self) -> str:
        return W.ACTION_LABELS.get(self.action, self.action)
