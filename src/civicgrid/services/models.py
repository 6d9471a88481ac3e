"""社区服务超市: the catalogue, providers and their vetting, service points, venues, subsidies, orders.

An order's orderer (name, phone, address) is personal data: name and phone encrypted, everything shown
masked and revealed one field at a time with a reason (services.reveal_orderer).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_name, mask_phone
from civicgrid.core.workflow.models import WorkflowEventFields, WorkflowFields, WorkflowLabels
from civicgrid.people import tags as T

from . import workflow as W

KIND_CHOICES = [("public", "公益服务"), ("market", "市场服务"), ("volunteer", "志愿服务")]
PRICING_CHOICES = [("paid", "自费"), ("free", "免费"), ("subsidised", "政府补贴")]
PERIOD_CHOICES = [("month", "每人每月"), ("year", "每人每年")]


def mask_address(text: str) -> str:
    """Keep the estate and building, hide the door: "幸福小区3号楼2单元501" → "幸福小区3号楼****"."""
    text = text or ""
    if len(text) <= 6:
        return text[:2] + "****" if text else ""
    cut = max(text.rfind("楼"), text.rfind("号"))
    keep = cut + 1 if 4 <= cut < len(text) - 1 else len(text) // 2
    return text[:keep] + "****"


class ServiceSeries(models.Model):
    """一个服务系列 (生活照料、助餐、家政保洁 …): the shelves of the supermarket."""

    code = models.CharField("编号", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "服务系列"
        verbose_name_plural = "服务系列"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """One orderable service, with its price, who may order it and its standard timings."""

    series = models.ForeignKey(ServiceSeries, on_delete=models.PROTECT, related_name="items", verbose_name="系列")
    code = models.CharField("编号", max_length=20, unique=True)
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("服务性质", max_length=10, choices=KIND_CHOICES, default="market")
    pricing = models.CharField("收费方式", max_length=10, choices=PRICING_CHOICES, default="paid")
    price = models.DecimalField("价格（元/次）", max_digits=8, decimal_places=2, default=0)
    unit = models.CharField("计价单位", max_length=10, default="次")
    # Subsidy per order for entitled residents (pricing "subsidised"); capped by their budget.
    subsidy = models.DecimalField("每次补贴（元）", max_digits=8, decimal_places=2, default=0)
    # Care-group kinds (people.tags) that may order it; empty: everyone.
    eligible_kinds = models.JSONField("可下单人群", default=list, blank=True)
    accept_minutes = models.PositiveIntegerField("接单时限（分钟）", default=30)
    arrive_minutes = models.PositiveIntegerField("到达时限（预约时间后分钟）", default=30)
    duration_minutes = models.PositiveIntegerField("标准服务时长（分钟）", default=60)
    is_venue = models.BooleanField("场地预约", default=False)
    description = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("上架", default=True)

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["series__order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def eligible_labels(self) -> list[str]:
        return [T.KINDS[k].label for k in self.eligible_kinds if k in T.KINDS]

    @property
    def price_label(self) -> str:
        if self.pricing == "free":
            return "免费"
        label = f"{self.price:g}元/{self.unit}"
        return f"{label}（补贴{self.subsidy:g}元）" if self.pricing == "subsidised" and self.subsidy else label


class Provider(models.Model):
    """A social organisation, enterprise or volunteer team that serves residents, vetted by the centre."""

    SCOPE_REGION_FIELD = "region"
    KIND_CHOICES = [("social_org", "社会组织"), ("enterprise", "企业"), ("volunteer", "志愿服务队"),
                    ("community", "社区自营")]
    STATUS_CHOICES = [("active", "正常"), ("suspended", "暂停服务")]

    name = models.CharField("名称", max_length=80)
    kind = models.CharField("类别", max_length=15, choices=KIND_CHOICES)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="登记所在街道/社区")
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_phone = models.CharField("服务电话", max_length=20, blank=True)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="active", db_index=True)
    status_reason = models.CharField("状态说明", max_length=200, blank=True)
    max_load = models.PositiveSmallIntegerField("同时在办上限", default=20)
    rating_sum = models.PositiveIntegerField("评分合计", default=0)
    rating_count = models.PositiveIntegerField("评价次数", default=0)
    complaints = models.PositiveIntegerField("投诉次数", default=0)
    # The registry's record of this provider when it is a social organisation (issue 16): its grade,
    # credit and catalogue standing are read from there (orgs_adapter), never copied here.
    organisation = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="service_providers", verbose_name="社会组织登记")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务商"
        verbose_name_plural = "服务商"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class ProviderOffer(models.Model):
    """The provider offers this item in this area (a community or a whole street)."""

    SCOPE_REGION_FIELD = "area"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="offers", verbose_name="服务商")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="offers", verbose_name="服务项目")
    area = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="服务区域")

    class Meta:
        verbose_name = "服务商服务范围"
        verbose_name_plural = "服务商服务范围"
        constraints = [models.UniqueConstraint(fields=["provider", "item", "area"], name="services_offer_once")]

    def __str__(self) -> str:
        return f"{self.provider} · {self.item.name} · {self.area.name if self.area_id else ''}"


class ProviderAccount(models.Model):
    """A login of a provider's staff for the provider portal: sees only that provider's orders."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_account",
                                verbose_name="账号")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="accounts", verbose_name="服务商")

    class Meta:
        verbose_name = "服务商账号"
        verbose_name_plural = "服务商账号"

    def __str__(self) -> str:
        return f"{self.provider} 的账号"


class ProviderDocument(models.Model):
    """Vetting documents (营业执照、责任保险、从业人员背景审查) with the date they expire."""

    SCOPE_REGION_FIELD = "provider__region"
    KIND_CHOICES = [("licence", "营业执照/登记证书"), ("insurance", "责任保险"), ("background", "从业人员背景审查"),
                    ("health", "从业人员健康证"), ("agreement", "服务协议")]

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="documents", verbose_name="服务商")
    kind = models.CharField("材料", max_length=15, choices=KIND_CHOICES)
    number = models.CharField("编号", max_length=50, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True, db_index=True)
    reminded_on = models.DateField("已提醒日期", null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="审核人")

    class Meta:
        verbose_name = "资质材料"
        verbose_name_plural = "资质材料"
        ordering = ["provider", "expires_on"]

    def __str__(self) -> str:
        until = f"有效期至{self.expires_on:%Y-%m-%d}" if self.expires_on else "长期有效"
        return f"{self.get_kind_display()}（{until}）"


class ProviderStaff(models.Model):
    """A provider's door-to-door worker, registered and supervised by the centre."""

    SCOPE_REGION_FIELD = "provider__region"
    SCOPE_UNIT_AREA = False

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="staff", verbose_name="服务商")
    name = EncryptedTextField("姓名")
    phone = EncryptedTextField("联系电话", blank=True, default="")
    skills = models.CharField("服务技能", max_length=100, blank=True)
    background_checked_on = models.DateField("背景审查日期", null=True, blank=True)
    active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "上门服务人员"
        verbose_name_plural = "上门服务人员"
        ordering = ["provider", "id"]

    def __str__(self) -> str:
        return f"服务人员 {mask_name(self.name)}"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class ProviderStatusChange(models.Model):
    """Suspension and reinstatement, always with the reason and who decided."""

    SCOPE_REGION_FIELD = "provider__region"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="status_changes",
                                 verbose_name="服务商")
    to_status = models.CharField("变更为", max_length=10, choices=Provider.STATUS_CHOICES)
    reason = models.CharField("理由", max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="决定人")
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "服务商状态变更"
        verbose_name_plural = "服务商状态变更"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.provider}：{self.get_to_status_display()}"


class ServicePoint(models.Model):
    """A place residents walk to: a service station, a community canteen (助餐点), a day-care centre."""

    SCOPE_REGION_FIELD = "community"
    KIND_CHOICES = [("station", "社区服务站"), ("canteen", "社区食堂/助餐点"), ("daycare", "日间照料中心"),
                    ("health", "卫生服务站"), ("party", "党群服务中心")]

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    name = models.CharField("名称", max_length=80)
    kind = models.CharField("类别", max_length=10, choices=KIND_CHOICES)
    address = models.CharField("地址", max_length=200)
    hours = models.CharField("开放时间", max_length=100)
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)

    class Meta:
        verbose_name = "服务点位"
        verbose_name_plural = "服务点位"
        ordering = ["community", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Venue(models.Model):
    """A community room open for booking (场地开放); its keeper takes the bookings as provider."""

    SCOPE_REGION_FIELD = "community"

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    name = models.CharField("名称", max_length=80)
    capacity = models.PositiveSmallIntegerField("容纳人数", default=20)
    hours = models.CharField("开放时间", max_length=100, default="周一至周五 8:30-20:00")
    keeper = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="venues", verbose_name="管理方")
    active = models.BooleanField("开放", default=True)

    class Meta:
        verbose_name = "活动场地"
        verbose_name_plural = "活动场地"
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name


class AssignmentRule(models.Model):
    """派单规则 as data: which providers may take an order of this item/series in this area, and which first.

    Rules are tried by `priority`; the first rule that matches the order (item or series, area) and has
    an eligible provider decides. No rule matching: the default (any offering provider, rating first).
    """

    name = models.CharField("规则名称", max_length=50)
    priority = models.PositiveSmallIntegerField("优先级（小者先）", default=10)
    series = models.ForeignKey(ServiceSeries, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name="服务系列")
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name="服务项目")
    area = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name="区域")
    min_rating = models.DecimalField("最低评分", max_digits=3, decimal_places=1, default=0)
    prefer = models.CharField("优先", max_length=15, choices=list(W.PREFER.items()), default="rating")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "派单规则"
        verbose_name_plural = "派单规则"
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_prefer_display()}）"


class Fund(models.Model):
    """A subsidy fund (养老服务补贴资金) of a district or street with its budget for the year."""

    SCOPE_REGION_FIELD = "region"

    name = models.CharField("名称", max_length=80)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区域")
    year = models.PositiveSmallIntegerField("年度")
    budget = models.DecimalField("年度预算（元）", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "补贴资金"
        verbose_name_plural = "补贴资金"
        constraints = [models.UniqueConstraint(fields=["region", "year", "name"], name="services_fund_once")]

    def __str__(self) -> str:
        return f"{self.year}年{self.name}"


class Entitlement(models.Model):
    """Who is entitled to how much: per person per month or year, for a care-group kind, from a fund."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entitlements", verbose_name="资金")
    kind = models.CharField("人群", max_length=30, choices=T.KIND_CHOICES)
    period = models.CharField("额度周期", max_length=5, choices=PERIOD_CHOICES, default="month")
    amount = models.DecimalField("额度（元）", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "补贴额度"
        verbose_name_plural = "补贴额度"
        constraints = [models.UniqueConstraint(fields=["fund", "kind"], name="services_entitlement_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_period_display()} {self.amount or 0:g} 元"


class OrderSerial(models.Model):
    """One row per local day: dense order numbers that never collide."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "订单编号计数"
        verbose_name_plural = "订单编号计数"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 已编至第 {self.last} 号"


class Order(WorkflowLabels, WorkflowFields):
    """One service order or venue booking. Region FKs are denormalised for scoped lists and KPIs."""

    workflow = W.WORKFLOW

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # orderers' names, phones and addresses: territorial seats only
    CHANNEL_CHOICES = [("resident", "居民手机下单"), ("desk", "服务台代下单"), ("hotline", "热线代下单"),
                       ("care", "关爱计划")]

    number = models.CharField("订单编号", max_length=20, unique=True)
    channel = models.CharField("下单渠道", max_length=10, choices=CHANNEL_CHOICES, db_index=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="orders", verbose_name="服务项目")
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings",
                              verbose_name="场地")
    tier = models.CharField("责任层级", max_length=10, choices=list(W.TIER_LABELS.items()), default=W.COMMUNITY)

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="登记居民")
    name = EncryptedTextField("下单人")
    phone = EncryptedTextField("联系电话")
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    address = EncryptedTextField("服务地址")
    hotline_contact = models.CharField("热线话单", max_length=20, blank=True)
    note = models.CharField("需求说明", max_length=300, blank=True)

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="服务地点")
    community = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="社区")
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="街道")
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)

    scheduled_for = models.DateTimeField("预约时间", db_index=True)
    scheduled_until = models.DateTimeField("预约结束", null=True, blank=True)
    price = models.DecimalField("价格（元）", max_digits=8, decimal_places=2, default=0)
    subsidy = models.DecimalField("补贴（元）", max_digits=8, decimal_places=2, default=0)

    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="orders",
                                 verbose_name="服务商")
    declined_by = models.JSONField("拒单服务商", default=list, blank=True)
    staff = models.ForeignKey(ProviderStaff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="上门人员")
    assigned_at = models.DateTimeField("派单时间", null=True, blank=True)
    accepted_at = models.DateTimeField("接单时间", null=True, blank=True)
    arrive_due = models.DateTimeField("到达时限", null=True, blank=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checkin_lng = models.FloatField("签到经度", null=True, blank=True)
    checkin_lat = models.FloatField("签到纬度", null=True, blank=True)
    checkin_distance = models.PositiveIntegerField("签到距服务地址（米）", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True, db_index=True)
    completion_note = models.TextField("服务记录", blank=True)
    photo = models.ImageField("服务照片", upload_to="services/%Y/%m/", blank=True)
    on_time = models.BooleanField("按时到达", null=True, blank=True)
    rating = models.PositiveSmallIntegerField("评分（1-5）", null=True, blank=True)
    rating_note = models.CharField("评价", max_length=300, blank=True)
    case_number = models.CharField("投诉案件编号", max_length=20, blank=True, db_index=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="代下单人")
    created_at = models.DateTimeField("下单时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "服务订单"
        verbose_name_plural = "服务订单"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"], name="services_order_state_due"),
                   models.Index(fields=["provider", "state"], name="services_order_provider")]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name if self.item_id else ''}"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def address_masked(self) -> str:
        return mask_address(self.address)

    @property
    def pays(self):
        return max(self.price - self.subsidy, 0)


class SubsidyBooking(models.Model):
    """The fund ledger: one line per subsidy drawn (positive) or given back on cancellation (negative)."""

    SCOPE_REGION_FIELD = "order__region"
    SCOPE_UNIT_AREA = False

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="bookings", verbose_name="资金")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="bookings",
                                    verbose_name="额度")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="居民")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="subsidy_bookings", verbose_name="订单")
    period = models.CharField("额度期间", max_length=7, db_index=True)  # "2026-11" or "2026"
    amount = models.DecimalField("金额（元）", max_digits=8, decimal_places=2)
    at = models.DateTimeField("记账时间")

    class Meta:
        verbose_name = "补贴记账"
        verbose_name_plural = "补贴记账"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        amount = self.amount or 0
        return f"补贴{'支出' if amount >= 0 else '冲回'} {abs(amount):g} 元（{self.period}）"


class OrderEvent(WorkflowEventFields):
    """One step of an order's history; append-only, (order, seq) unique."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "订单流转记录"
        verbose_name_plural = "订单流转记录"
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="order_event_seq_unique")]

    def __str__(self) -> str:
        return f"订单流转第{self.seq}步：{self.action_label}"

    @property
    def action_label(self) -> str:
        return W.ACTION_LABELS.get(self.action, self.action)


class JointMeeting(models.Model):
    """联席会议 of the providers with the centre: minutes, decisions, and their follow-up."""

    SCOPE_REGION_FIELD = "region"

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="召集方")
    held_on = models.DateField("日期")
    attendees = models.CharField("参会单位", max_length=300)
    minutes = models.TextField("会议纪要")
    decisions = models.TextField("议定事项", blank=True)
    follow_up = models.TextField("落实情况", blank=True)
    followed_up_at = models.DateTimeField("落实登记时间", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="记录人")

    class Meta:
        verbose_name = "服务商联席会议"
        verbose_name_plural = "服务商联席会议"
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} 服务商联席会议"
