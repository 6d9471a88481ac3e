"""Dispute mediation (矛盾纠纷排查化解): data and invariants only. Writes go through services.py;
the states and transitions live in workflow.py and run on the shared engine (core.workflow)."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_id_number, mask_name, mask_phone
from civicgrid.core.workflow.models import WorkflowEventFields, WorkflowFields, WorkflowLabels

from . import workflow as W

TYPE_CHOICES = [
    ("neighbour", "邻里纠纷"), ("family", "家庭纠纷"), ("property", "物业纠纷"), ("labour", "劳资纠纷"),
    ("land", "土地山林纠纷"), ("contract", "合同债务纠纷"), ("damage", "损害赔偿纠纷"), ("other", "其他纠纷"),
]
SOURCE_CHOICES = [("screening", "排查发现"), ("case", "案件移交"), ("walk_in", "来访"), ("hotline", "热线来电")]
REFERRAL_CHOICES = [("court", "诉调对接（法院）"), ("legal_aid", "法律援助"), ("petition", "信访"),
                    ("arbitration", "仲裁")]


class Mediator(models.Model):
    """人民调解员 and the volunteers, professionals and lawyers who mediate beside them."""

    SCOPE_REGION_FIELD = "region"
    KIND_CHOICES = [("people", "人民调解员"), ("volunteer", "志愿调解员（老娘舅/和阿姨）"),
                    ("professional", "专职调解员"), ("lawyer", "值班律师")]

    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类别", max_length=15, choices=KIND_CHOICES)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="所属社区/街道")
    phone = EncryptedTextField("联系电话", blank=True, default="")
    specialities = models.JSONField("擅长类型", default=list, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="mediator_profiles", verbose_name="系统账号")
    max_load = models.PositiveSmallIntegerField("同时承办上限", default=5)
    active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "调解员"
        verbose_name_plural = "调解员"
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def speciality_labels(self) -> list[str]:
        names = dict(TYPE_CHOICES)
        return [names.get(s, s) for s in self.specialities]


class MediationRoom(models.Model):
    """调解工作室: a named room (often after its mediator) at a community or street."""

    SCOPE_REGION_FIELD = "region"

    name = models.CharField("名称", max_length=80)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="所属社区/街道")
    address = models.CharField("地址", max_length=200, blank=True)
    specialities = models.JSONField("擅长类型", default=list, blank=True)
    lead = models.ForeignKey(Mediator, null=True, blank=True, on_delete=models.SET_NULL, related_name="rooms",
                             verbose_name="领衔调解员")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "调解工作室"
        verbose_name_plural = "调解工作室"
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class Screening(models.Model):
    """One weekly screening (排查) of a grid or community; `found == 0` is the "nothing found" record."""

    SCOPE_REGION_FIELD = "region"

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="排查范围（网格/社区）")
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    week = models.DateField("周（周一）", db_index=True)
    found = models.PositiveIntegerField("发现纠纷数", default=0)
    note = models.TextField("排查情况", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name="排查人")
    at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "排查记录"
        verbose_name_plural = "排查记录"
        ordering = ["-week", "region__path"]
        constraints = [models.UniqueConstraint(fields=["region", "week"], name="mediation_screening_once_a_week")]

    def __str__(self) -> str:
        found = "未发现矛盾纠纷" if self.found == 0 else f"发现 {self.found} 起"
        return f"{self.region.name if self.region_id else ''} {self.week:%Y-%m-%d} 周排查：{found}"

    @property
    def nothing_found(self) -> bool:
        return self.found == 0


class DisputeSerial(models.Model):
    """One row per local day: dense dispute numbers that never collide."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "纠纷编号计数"
        verbose_name_plural = "纠纷编号计数"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 已编至第 {self.last} 号"


class Dispute(WorkflowLabels, WorkflowFields):
    """One dispute. Region FKs are denormalised so scoped lists and the monthly report are single-table."""

    workflow = W.WORKFLOW

    SCOPE_REGION_FIELD = "region"

    number = models.CharField("纠纷编号", max_length=20, unique=True)
    source = models.CharField("来源", max_length=10, choices=SOURCE_CHOICES, db_index=True)
    screening = models.ForeignKey(Screening, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="disputes", verbose_name="排查记录")
    case_number = models.CharField("移交案件编号", max_length=20, blank=True, db_index=True)
    type = models.CharField("纠纷类型", max_length=10, choices=TYPE_CHOICES)
    summary = models.TextField("纠纷概况")
    amount = models.DecimalField("涉及金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    risk_level = models.CharField("风险等级", max_length=10, choices=list(W.RISK_LEVELS.items()), default="low")
    risk_flags = models.JSONField("风险因素", default=list, blank=True)
    tier = models.CharField("调解层级", max_length=10, choices=list(W.TIER_LABELS.items()), default=W.COMMUNITY)

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="发生地")
    community = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="社区")
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="街道")
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    address = models.CharField("地址", max_length=200, blank=True)

    room = models.ForeignKey(MediationRoom, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="disputes", verbose_name="调解工作室")
    mediators = models.ManyToManyField(Mediator, blank=True, related_name="disputes", verbose_name="承办调解员")

    accept_due = models.DateTimeField("受理时限", null=True, blank=True)
    mediate_due = models.DateTimeField("调解期限", null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField("延期次数", default=0)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    agreed_at = models.DateTimeField("达成协议时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True, db_index=True)

    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "矛盾纠纷"
        verbose_name_plural = "矛盾纠纷"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"], name="dispute_state_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_type_display()}"

    @property
    def is_risky(self) -> bool:
        return bool(W.matching_rules(self.risk_level, self.risk_flags))

    def followups_complete_and_kept(self) -> bool:
        """Both visits (1 and 3 months) done and the agreement kept at each."""
        visits = {f.month: f.kept for f in self.followups.all()}
        return visits.get(1) is True and visits.get(3) is True


class Party(models.Model):
    """A party to a dispute: a resident from the register, or someone from outside it.

    Name, phone and identity number are protected as in the people app: stored encrypted, shown
    masked, revealed one field at a time with a reason written to the audit log.
    """

    SIDE_CHOICES = [("applicant", "申请方"), ("respondent", "被申请方")]
    REVEALABLE = ("name", "phone", "id_number")
    # The register's retention rule anonymises a party only once the dispute is over (core.personal_data).
    PERSONAL_DATA_FINISHED = {"dispute__state__in": W.WORKFLOW.terminal}

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="parties")
    side = models.CharField("当事方", max_length=10, choices=SIDE_CHOICES)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="登记居民")
    name = EncryptedTextField("姓名")
    phone = EncryptedTextField("联系电话", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    id_number = EncryptedTextField("证件号码", blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    consent = models.BooleanField("同意调解", default=False)
    consent_at = models.DateTimeField("同意时间", null=True, blank=True)
    consent_how = models.CharField("同意方式", max_length=20, blank=True, help_text="书面申请、口头申请（已记录）等")

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["dispute", "side", "id"]

    def __str__(self) -> str:
        # Masked: a party's name never goes into logs or the admin in full.
        return f"{self.get_side_display()} {self.name_masked}"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)


class Session(models.Model):
    """One mediation session (调解记录)."""

    OUTCOME_CHOICES = [("continue", "继续调解"), ("agreement", "达成一致"), ("failed", "调解不成")]

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="sessions")
    at = models.DateTimeField("时间")
    room = models.ForeignKey(MediationRoom, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="调解地点")
    place = models.CharField("其他地点", max_length=100, blank=True)
    attendees = models.CharField("参加人员", max_length=300)
    applicant_statement = models.TextField("申请方陈述")
    respondent_statement = models.TextField("被申请方陈述")
    outcome = models.CharField("结果", max_length=10, choices=OUTCOME_CHOICES)
    note = models.TextField("调解员意见", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "调解记录"
        verbose_name_plural = "调解记录"
        ordering = ["dispute", "at", "id"]

    def __str__(self) -> str:
        return f"调解记录 {self.at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"


class Agreement(models.Model):
    """人民调解协议书: the text, the parties' confirmation and the mediators who signed."""

    dispute = models.OneToOneField(Dispute, on_delete=models.PROTECT, related_name="agreement")
    number = models.CharField("协议书编号", max_length=30, unique=True)
    text = models.TextField("协议内容")
    performance = models.CharField("履行方式与期限", max_length=300, blank=True)
    confirmed_by_parties = models.BooleanField("当事人已确认签字", default=False)
    signed_at = models.DateTimeField("签订时间")
    mediator_names = models.CharField("调解员", max_length=200)

    class Meta:
        verbose_name = "人民调解协议书"
        verbose_name_plural = "人民调解协议书"

    def __str__(self) -> str:
        return f"人民调解协议书 {self.number}"


class FollowUp(models.Model):
    """A return visit 1 or 3 months after the agreement: is it kept?"""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="followups")
    month = models.PositiveSmallIntegerField("回访（协议后第几月）", choices=[(1, "1个月"), (3, "3个月")])
    due_on = models.DateField("应回访日期")
    done_at = models.DateTimeField("回访时间")
    kept = models.BooleanField("协议已履行")
    note = models.TextField("回访情况", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "协议回访"
        verbose_name_plural = "协议回访"
        ordering = ["dispute", "month"]
        constraints = [models.UniqueConstraint(fields=["dispute", "month"], name="mediation_followup_once")]

    def __str__(self) -> str:
        return f"协议后{self.month}个月回访：{'已履行' if self.kept else '未履行'}"


class Referral(models.Model):
    """A dispute sent on (诉调对接, 法律援助, 信访, 仲裁), tracked until the receiving body answers."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="referrals")
    channel = models.CharField("转介渠道", max_length=15, choices=REFERRAL_CHOICES)
    receiver = models.CharField("接收单位", max_length=100, blank=True)
    reason = models.TextField("转介原因")
    referred_at = models.DateTimeField("转介时间")
    answer = models.TextField("答复情况", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "转介记录"
        verbose_name_plural = "转介记录"
        ordering = ["dispute", "referred_at"]

    def __str__(self) -> str:
        return f"转介{self.get_channel_display()}（{'已答复' if self.answered_at else '待答复'}）"


class RiskAlert(models.Model):
    """An alert to 综治/公安 raised by a risk rule (workflow.RISK_RULES)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="alerts")
    rule = models.CharField("规则", max_length=20)
    label = models.CharField("预警内容", max_length=100)
    targets = models.CharField("推送对象", max_length=100)
    at = models.DateTimeField("预警时间")
    notified = models.PositiveIntegerField("通知人数", default=0)

    class Meta:
        verbose_name = "风险预警"
        verbose_name_plural = "风险预警"
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["dispute", "rule"], name="mediation_alert_once_per_rule")]

    def __str__(self) -> str:
        return f"风险预警：{self.label}"


class DisputeEvent(WorkflowEventFields):
    """One step of a dispute's history; append-only, (dispute, seq) unique."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "纠纷流转记录"
        verbose_name_plural = "纠纷流转记录"
        ordering = ["dispute", "seq"]
        constraints = [models.UniqueConstraint(fields=["dispute", "seq"], name="dispute_event_seq_unique")]

    def __str__(self) -> str:
        return f"纠纷流转第{self.seq}步：{self.action_label}"

    @property
    def action_label(self) -> str:
        return W.ACTION_LABELS.get(self.action, self.action)
