"""Hotline (热线): contacts, the knowledge base, call-backs, and the resident's one-time codes.

Data and invariants only; writes are in services.py.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_phone
from civicgrid.core.pii import SplitsPrivateText


class Article(models.Model):
    """A knowledge-base article (知识库). Each save through the service bumps `version` and keeps a copy.

    `search_text` holds character bigrams of title, keywords and body (what Lucene's CJK analyser
    does), space-separated, so a Chinese phrase is found with one LIKE per bigram on any database;
    see search.py.
    """

    SCOPE_REGION_FIELD = "region"

    CATEGORY_CHOICES = [
        ("policy", "政策法规"), ("procedure", "办事流程"), ("where", "办事地点"), ("hours", "开放时间"),
        ("faq", "常见问答"), ("other", "其他"),
    ]

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="适用区域")
    category = models.CharField("分类", max_length=20, choices=CATEGORY_CHOICES, db_index=True)
    title = models.CharField("标题", max_length=200)
    keywords = models.CharField("关键词", max_length=200, blank=True, help_text="空格分隔，如：低保 申请 救助")
    body = models.TextField("正文")
    source = models.CharField("依据/来源", max_length=200, blank=True)
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    search_text = models.TextField(editable=False, blank=True)
    used_count = models.PositiveIntegerField("被引用次数", default=0)
    last_used_at = models.DateTimeField("最近引用", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="最后修改人")

    class Meta:
        verbose_name = "知识库文章"
        verbose_name_plural = "知识库文章"
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title

    def is_valid_on(self, day) -> bool:
        return (self.active and (self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    title = models.CharField("标题", max_length=200)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    body = models.TextField("正文")
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    saved_at = models.DateTimeField(auto_now_add=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        ordering = ["article", "-version"]
        verbose_name = "知识历史版本"
        verbose_name_plural = "知识历史版本"
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="article_version_unique")]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.version} 版）"


class Contact(SplitsPrivateText, models.Model):
    PRIVATE_TEXT = {"subject": "subject_private"}
    """One call, SMS or web message (话单). `region` is the most precise place known, for jurisdiction."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # a caller's number is personal data: departments see cases, not calls

    CHANNEL_CHOICES = [("phone", "电话"), ("sms", "短信"), ("web", "网上留言")]
    PENDING, ANSWERED, CASE, FORWARDED, INVALID = "pending", "answered", "case", "forwarded", "invalid"
    OUTCOME_CHOICES = [
        (PENDING, "待处理"), (ANSWERED, "直接答复"), (CASE, "转为案件"), (FORWARDED, "转办"), (INVALID, "无效/骚扰"),
    ]

    number = models.CharField("话单编号", max_length=20, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=CHANNEL_CHOICES, default="phone")
    received_at = models.DateTimeField("来电时间", db_index=True)
    caller_phone = EncryptedTextField("来电号码", blank=True)
    caller_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    caller_name = models.CharField("来电人", max_length=50, blank=True)
    subject = models.TextField("诉求内容")
    # As typed, when it held an identity or phone number (masked in `subject`): core.pii.SplitsPrivateText.
    subject_private = EncryptedTextField("诉求内容原文", blank=True, default="", db_default="")
    urgent = models.BooleanField("紧急", default=False, db_index=True)
    address = models.CharField("地址", max_length=200, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="网格")
    outcome = models.CharField("处理结果", max_length=10, choices=OUTCOME_CHOICES, default=PENDING, db_index=True)
    outcome_note = models.TextField("答复/说明", blank=True)
    forwarded_to = models.CharField("转办对象", max_length=100, blank=True)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts",
                                verbose_name="答复所用知识")
    article_version = models.PositiveIntegerField("知识版本", null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="案件")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="话务员")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "来电记录"
        verbose_name_plural = "来电记录"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["outcome", "urgent", "received_at"], name="contact_queue")]

    def __str__(self) -> str:
        return f"{self.number} {self.subject[:20]}"

    @property
    def caller_phone_masked(self) -> str:
        return mask_phone(self.caller_phone)


class CallBack(models.Model):
    """A call-back (回访) after a case was closed, or a resident's own rating of it.

    Rates (see rates.py): reached call-backs are the denominator of 解决率 and 满意率.
    """

    SCOPE_REGION_FIELD = "region"

    PENDING, DONE, FAILED = "pending", "done", "unreached"
    STATE_CHOICES = [(PENDING, "待回访"), (DONE, "已回访"), (FAILED, "未接通")]
    SATISFIED, BASIC, DISSATISFIED = "satisfied", "basic", "dissatisfied"
    SATISFACTION_CHOICES = [(SATISFIED, "满意"), (BASIC, "基本满意"), (DISSATISFIED, "不满意")]
    SOURCE_CHOICES = [("hotline", "话务员回访"), ("resident", "居民评价")]
    FOLLOW_CHOICES = [("", "无"), ("reopened", "已重新办理"), ("review", "待复核"), ("reviewed", "已复核")]

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name="案件")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="街道")
    department = models.ForeignKey("departments.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="处置部门")
    closed_at = models.DateTimeField("结案时间")
    source = models.CharField("来源", max_length=10, choices=SOURCE_CHOICES, default="hotline")
    state = models.CharField("状态", max_length=10, choices=STATE_CHOICES, default=PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField("拨打次数", default=0)
    reached = models.BooleanField("已联系上", null=True, blank=True)
    solved = models.BooleanField("已解决", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=15, choices=SATISFACTION_CHOICES, blank=True)
    note = models.TextField("回访记录", blank=True)
    follow_up = models.CharField("后续", max_length=10, choices=FOLLOW_CHOICES, blank=True)
    follow_up_case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="重新交办案件")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="回访人")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField("回访时间", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["closed_at", "id"]
        constraints = [
            # one call-back per closure (a reopened and re-closed case gets a new one)
            models.UniqueConstraint(fields=["case", "closed_at", "source"], name="callback_one_per_closure"),
        ]

    def __str__(self) -> str:
        return f"案件 {self.case.number} 的回访（{self.get_state_display()}）" if self.case_id else "回访"

    @property
    def unhappy(self) -> bool:
        return bool(self.reached) and (self.solved is False or self.satisfaction == self.DISSATISFIED)


class PhoneCode(models.Model):
    """A one-time code sent to a resident's phone. Only a keyed hash of the code is stored."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    purpose = models.CharField(max_length=20, default="report")
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"

    def __str__(self) -> str:  # never the code itself: only its hash is stored
        return f"验证码（{self.created_at:%Y-%m-%d %H:%M}，{'已使用' if self.used_at else '未使用'}）"


class RateHit(models.Model):
    """One counted request for a rate limit (DB-backed, so several app servers share the counters)."""

    bucket = models.CharField(max_length=100, db_index=True)  # e.g. "otp-phone:<hash>", "report-ip:1.2.3.4"
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "限流计数"
        verbose_name_plural = "限流计数"
        indexes = [models.Index(fields=["bucket", "at"], name="ratehit_bucket_at")]

    def __str__(self) -> str:
        return f"限流计数 {self.bucket.split(':')[0]} {self.at:%Y-%m-%d %H:%M}"
