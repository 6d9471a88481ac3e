"""Social workers (社工): certificates, registration and continuing education, posts per community
("一村一社区一社工"), the graded subsidy and the monthly quotas as data, contact logs, casework for
clients of the register, supervision and the expert pool, and referrals with the client's consent.

Imported by workforce/models.py; writes go through workforce/socialwork.py. Case notes and contact
notes are sensitive personal data: encrypted, declared in the manifest, never shown in clear without a
logged reveal.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField

# The levels a subsidy and a continuing-education rule are keyed by, lowest first.
LEVEL_CHOICES = [("local", "地方社工证书"), ("assistant", "助理社会工作师"), ("intermediate", "社会工作师"),
                 ("senior", "高级社会工作师")]
LEVEL_RANK = {code: i for i, (code, _label) in enumerate(LEVEL_CHOICES)}
# How the certificate was obtained: the national exam, the national exam with the city's review of
# practice ("国考 + 市评", the senior level's path), or a local certificate.
PATH_CHOICES = [("exam", "全国统一考试"), ("exam_review", "国考 + 市评"), ("local", "地方认定")]
CONTACT_CHOICES = [("home_visit", "家庭访视"), ("special_visit", "特殊人群上门服务"), ("group_session", "小组/定点集中服务"),
                   ("large_event", "大型社区活动"), ("other", "其他联系")]
QUOTA_PERIODS = [("month", "每月"), ("quarter", "每季度")]
REFERRAL_STATES = [("pending", "待接收"), ("accepted", "已接收"), ("declined", "已拒绝")]
RECORD_KINDS = [("intake", "接案评估"), ("plan", "服务计划"), ("progress", "过程记录"), ("closing", "结案小结")]


class SocialWorker(models.Model):
    """A social worker registered with the district (登记注册), placed in a community or a street."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="social_worker",
                                verbose_name="人员")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在社区/街道")
    registration_no = models.CharField("登记注册号", max_length=30, blank=True)
    registered_on = models.DateField("登记日期", null=True, blank=True)
    employer = models.CharField("用人/派遣机构", max_length=80, blank=True)
    active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "社工"
        verbose_name_plural = "社工"
        ordering = ["region__path", "id"]

    def __str__(self) -> str:
        return f"社工 {self.user.name if self.user_id else ''}"


class Certificate(models.Model):
    SCOPE_REGION_FIELD = "worker__region"
    SCOPE_UNIT_AREA = False

    worker = models.ForeignKey(SocialWorker, on_delete=models.CASCADE, related_name="certificates", verbose_name="社工")
    level = models.CharField("等级", max_length=15, choices=LEVEL_CHOICES)
    path = models.CharField("取得方式", max_length=15, choices=PATH_CHOICES)
    number = models.CharField("证书编号", max_length=40)
    issued_on = models.DateField("取得日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = "社工证书"
        verbose_name_plural = "社工证书"
        ordering = ["-issued_on"]
        constraints = [models.UniqueConstraint(fields=["level", "number"], name="workforce_sw_cert_once")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}（{self.get_path_display()}）"


class EducationRule(models.Model):
    """Continuing-education hours a year per certificate level (data the district edits)."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    level = models.CharField("等级", max_length=15, choices=LEVEL_CHOICES)
    hours = models.PositiveSmallIntegerField("每年继续教育学时")

    class Meta:
        verbose_name = "继续教育学时要求"
        verbose_name_plural = "继续教育学时要求"
        constraints = [models.UniqueConstraint(fields=["district", "level"], name="workforce_sw_ce_rule_once")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} 每年 {self.hours} 学时"


class EducationRecord(models.Model):
    SCOPE_REGION_FIELD = "worker__region"
    SCOPE_UNIT_AREA = False

    worker = models.ForeignKey(SocialWorker, on_delete=models.CASCADE, related_name="education", verbose_name="社工")
    day = models.DateField("日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    course = models.CharField("课程/培训", max_length=100)
    provider = models.CharField("举办单位", max_length=80, blank=True)

    class Meta:
        verbose_name = "继续教育记录"
        verbose_name_plural = "继续教育记录"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.course} {self.hours} 学时"


class SubsidyRate(models.Model):
    """The monthly subsidy for a certificate level from a date on (e.g. 助理社会工作师 100 元 from 2026-01)."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    level = models.CharField("等级", max_length=15, choices=LEVEL_CHOICES)
    amount = models.DecimalField("每月补贴（元）", max_digits=8, decimal_places=2)
    effective_from = models.DateField("起始日期")

    class Meta:
        verbose_name = "社工职称补贴标准"
        verbose_name_plural = "社工职称补贴标准"
        ordering = ["level", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["district", "level", "effective_from"],
                                               name="workforce_sw_rate_once")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.amount} 元/月（{self.effective_from:%Y-%m-%d} 起）"


class SocialQuota(models.Model):
    """A social worker's quota: so many home visits a month, one large event a quarter …"""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    metric = models.CharField("指标", max_length=15, choices=CONTACT_CHOICES[:4])
    target = models.PositiveSmallIntegerField("目标")
    period = models.CharField("周期", max_length=10, choices=QUOTA_PERIODS, default="month")

    class Meta:
        verbose_name = "社工考核定额"
        verbose_name_plural = "社工考核定额"
        ordering = ["metric"]
        constraints = [models.UniqueConstraint(fields=["district", "metric"], name="workforce_sw_quota_once")]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.get_period_display()} {self.target}"


class Post(models.Model):
    """A social-work post of a community (一村一社区一社工); `holder` empty = the post is vacant."""

    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    name = models.CharField("岗位", max_length=40, default="社区专职社工")
    holder = models.ForeignKey(SocialWorker, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts",
                               verbose_name="在岗社工")
    since = models.DateField("到岗日期", null=True, blank=True)

    class Meta:
        verbose_name = "社工岗位"
        verbose_name_plural = "社工岗位"
        ordering = ["community__path", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{'在岗' if self.holder_id else '空缺'}）"


class Client(models.Model):
    """A person of the register served by a social worker (个案服务对象)."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="服务对象")
    worker = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="clients", verbose_name="负责社工")
    # The person's region when the case opened: jurisdiction is one join.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域")
    need = models.CharField("服务需求", max_length=60)
    opened_on = models.DateField("接案日期")
    closed_on = models.DateField("结案日期", null=True, blank=True)
    expert = models.ForeignKey("workforce.Expert", null=True, blank=True, on_delete=models.SET_NULL, related_name="clients",
                               verbose_name="指派专家")

    class Meta:
        verbose_name = "个案服务对象"
        verbose_name_plural = "个案服务对象"
        ordering = ["closed_on", "-opened_on"]

    def __str__(self) -> str:
        return f"个案 #{self.pk}"


class CaseRecord(models.Model):
    """A casework note (个案记录). The text is sensitive: encrypted, masked everywhere, revealed with a reason."""

    SCOPE_REGION_FIELD = "client__region"
    SCOPE_UNIT_AREA = False

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="records", verbose_name="个案")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="记录人")
    kind = models.CharField("类型", max_length=10, choices=RECORD_KINDS, default="progress")
    at = models.DateTimeField("时间")
    text = EncryptedTextField("记录内容")

    class Meta:
        verbose_name = "个案记录"
        verbose_name_plural = "个案记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class Contact(models.Model):
    """A logged piece of work counted by the quotas: a home visit, a group session, a large event …"""

    SCOPE_REGION_FIELD = "worker__region"
    SCOPE_UNIT_AREA = False

    worker = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="contacts", verbose_name="社工")
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts",
                               verbose_name="个案")
    kind = models.CharField("类型", max_length=15, choices=CONTACT_CHOICES)
    at = models.DateTimeField("时间", db_index=True)
    participants = models.PositiveSmallIntegerField("参与人次", default=1)
    note = EncryptedTextField("情况记录", blank=True, default="")

    class Meta:
        verbose_name = "社工服务记录"
        verbose_name_plural = "社工服务记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["worker", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class Expert(models.Model):
    """The expert pool (专家库): academics and senior practitioners by field."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    name = models.CharField("姓名", max_length=30)
    fields = models.CharField("专业领域", max_length=100, help_text="如：老年社会工作、社区矫正、青少年")
    organisation = models.CharField("单位", max_length=80, blank=True)
    active = models.BooleanField("在库", default=True)

    class Meta:
        verbose_name = "社工专家"
        verbose_name_plural = "社工专家库"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.fields}）"


class Supervision(models.Model):
    """督导关系: a supervisor (a senior social worker or a user the street names) and a supervisee."""

    SCOPE_REGION_FIELD = "supervisee__region"
    SCOPE_UNIT_AREA = False

    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="督导")
    supervisee = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="supervisions",
                                   verbose_name="被督导社工")
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "督导关系"
        verbose_name_plural = "督导关系"
        ordering = ["-started_on"]

    def __str__(self) -> str:
        return f"督导关系 {self.started_on:%Y-%m-%d}"


class SupervisionSession(models.Model):
    SCOPE_REGION_FIELD = "supervision__supervisee__region"
    SCOPE_UNIT_AREA = False

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="sessions", verbose_name="督导关系")
    at = models.DateTimeField("时间")
    topic = models.CharField("督导主题", max_length=100)
    minutes = models.PositiveSmallIntegerField("时长（分钟）", default=60)
    expert = models.ForeignKey(Expert, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions",
                               verbose_name="参与专家")

    class Meta:
        verbose_name = "督导记录"
        verbose_name_plural = "督导记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"督导 {self.at:%Y-%m-%d}：{self.topic}"


class Referral(models.Model):
    """A client referred to another social worker; never without the client's recorded consent."""

    SCOPE_REGION_FIELD = "client__region"
    SCOPE_UNIT_AREA = False

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referrals", verbose_name="个案")
    from_worker = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="referrals_out",
                                    verbose_name="转出社工")
    to_worker = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="referrals_in",
                                  verbose_name="接收社工")
    reason = models.CharField("转介原因", max_length=200)
    consent_at = models.DateTimeField("服务对象同意时间")
    consent_how = models.CharField("同意方式", max_length=10,
                                   choices=[("signed", "书面签字"), ("oral", "口头同意（有见证）"), ("guardian", "监护人同意")])
    state = models.CharField("状态", max_length=10, choices=REFERRAL_STATES, default="pending")
    created_at = models.DateTimeField("转介时间")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decline_reason = models.CharField("拒绝原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "个案转介"
        verbose_name_plural = "个案转介"
        ordering = ["state", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["client"], condition=models.Q(state="pending"),
                                               name="workforce_sw_one_pending_referral")]

    def __str__(self) -> str:
        return f"转介 #{self.pk}（{self.get_state_display()}）"
