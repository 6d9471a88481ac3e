"""Social organisations (社会组织): data and invariants only; writes go through services.py.

An organisation is filed under a region node (`region`: the district for registered organisations,
the street for community groups it filed) and is scoped by it. The legal representative, the
filed group's leader and staff names are personal data: encrypted, shown masked.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_name, mask_phone

from . import vocab as V


class Organisation(models.Model):
    """A registered social organisation, or a community group filed with its street."""

    SCOPE_REGION_FIELD = "region"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=list(V.KIND_LABELS.items()))
    status = models.CharField("状态", max_length=12, choices=list(V.STATUS_LABELS.items()), db_index=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, default="", db_index=True)
    authority = models.CharField("登记管理机关", max_length=60, blank=True)
    supervisor = models.CharField("业务主管单位", max_length=60, blank=True)
    registered_on = models.DateField("登记日期", null=True, blank=True)
    legal_rep = EncryptedTextField("法定代表人/负责人", blank=True, default="")
    legal_rep_phone = EncryptedTextField("联系电话", blank=True, default="")
    domains = models.JSONField("服务领域", default=list, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="登记/备案机关所在区域")
    service_area = models.ManyToManyField("regions.Region", blank=True, related_name="+", verbose_name="服务区域")
    address = models.CharField("住所/活动场所", max_length=200, blank=True)
    is_hub = models.BooleanField("枢纽型社会组织", default=False)
    hub = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="attached",
                            verbose_name="所属枢纽型组织")
    party_coverage = models.CharField("党组织覆盖", max_length=12, choices=list(V.PARTY_COVERAGE.items()),
                                      default="none")
    party_members = models.PositiveIntegerField("党员人数", default=0)
    summary = models.TextField("业务范围/简介", blank=True, max_length=2000)
    # Derived by rules.credit_status (rules as data) whenever a credit event is added; stored for lists.
    credit_status = models.CharField("信用状况", max_length=20, default="normal")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "社会组织"
        verbose_name_plural = "社会组织"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["credit_code"], condition=~models.Q(credit_code=""),
                                               name="orgs_credit_code_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{V.STATUS_LABELS.get(self.status, self.status)}）"

    @property
    def legal_rep_masked(self) -> str:
        return mask_name(self.legal_rep)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.legal_rep_phone)

    @property
    def domain_labels(self) -> list[str]:
        return [V.DOMAINS.get(d, d) for d in self.domains]

    @property
    def party_label(self) -> str:
        return V.PARTY_COVERAGE.get(self.party_coverage, self.party_coverage)

    @property
    def is_registered(self) -> bool:
        return self.status == V.REGISTERED


class Filing(models.Model):
    """街道备案 of a community group: what the filing requires, and its way to registration."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="filing",
                                        verbose_name="社区社会组织")
    filed_on = models.DateField("备案日期")
    charter = models.TextField("章程要点", max_length=4000)
    place = models.CharField("活动场所", max_length=200)
    leader = EncryptedTextField("负责人")
    members = models.PositiveIntegerField("成员人数")
    funds = models.CharField("经费来源", max_length=200, blank=True)
    yearly_plan = models.TextField("年度活动计划", max_length=4000, blank=True)
    registered_on = models.DateField("转为登记日期", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="备案人")

    class Meta:
        verbose_name = "社区社会组织备案"
        verbose_name_plural = "社区社会组织备案"

    def __str__(self) -> str:
        return f"{self.organisation.name} 备案（{self.filed_on:%Y-%m-%d}）"

    @property
    def leader_masked(self) -> str:
        return mask_name(self.leader)


class StaffMember(models.Model):
    """专职工作人员, with the social-work certificate the catalogue counts."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff",
                                     verbose_name="社会组织")
    name = EncryptedTextField("姓名")
    title = models.CharField("岗位", max_length=40, blank=True)
    certificate = models.CharField("社会工作者职业资格", max_length=15, choices=list(V.CERTIFICATES.items()),
                                   blank=True, default="")
    certificate_no = models.CharField("证书编号", max_length=30, blank=True)
    full_time = models.BooleanField("专职", default=True)
    active = models.BooleanField("在职", default=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["organisation_id", "id"]

    def __str__(self) -> str:
        return f"{mask_name(self.name)} {self.title}"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class OrgAccount(models.Model):
    """A user who acts for an organisation in its portal (bids, contracts, reports, inspections)."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="accounts",
                                     verbose_name="社会组织")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_accounts",
                             verbose_name="账号")

    class Meta:
        verbose_name = "社会组织账号"
        verbose_name_plural = "社会组织账号"
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="orgs_account_once")]

    def __str__(self) -> str:
        return f"{self.user} 代表 {self.organisation.name}"


# -- oversight ----------------------------------------------------------------------------------

class Inspection(models.Model):
    """年检 (annual inspection) of one year's work: the submitted report and the authority's result."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="inspections",
                                     verbose_name="社会组织")
    year = models.PositiveSmallIntegerField("年度")
    submitted_on = models.DateField("报告提交日期", null=True, blank=True)
    report = models.TextField("年度工作报告摘要", max_length=4000, blank=True)
    result = models.CharField("年检结论", max_length=10, choices=list(V.INSPECTION_RESULTS.items()), default="pending")
    decided_on = models.DateField("结论日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "年检"
        verbose_name_plural = "年检"
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="orgs_inspection_once_a_year")]

    def __str__(self) -> str:
        return f"{self.year} 年度年检：{V.INSPECTION_RESULTS.get(self.result, self.result)}"

    @property
    def passed(self) -> bool:
        return self.result in V.PASSED


class Grade(models.Model):
    """社会组织评估等级 (1A–5A), valid for five years from the award."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="grades",
                                     verbose_name="社会组织")
    level = models.PositiveSmallIntegerField("等级", choices=list(V.GRADES.items()))
    awarded_on = models.DateField("评定日期")
    valid_until = models.DateField("有效期至")
    assessor = models.CharField("评估机构", max_length=80, blank=True)

    class Meta:
        verbose_name = "评估等级"
        verbose_name_plural = "评估等级"
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return f"{V.GRADES.get(self.level, self.level)}（至 {self.valid_until:%Y-%m-%d}）"

    def valid_on(self, day: dt.date) -> bool:
        return self.awarded_on <= day <= self.valid_until


class CreditEvent(models.Model):
    """A good or bad credit record, with its source and date."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="credit_events",
                                     verbose_name="社会组织")
    kind = models.CharField("性质", max_length=5, choices=list(V.CREDIT_KINDS.items()))
    category = models.CharField("类别", max_length=15, choices=list(V.CREDIT_CATEGORIES.items()))
    source = models.CharField("来源", max_length=15, choices=list(V.CREDIT_SOURCES.items()))
    occurred_on = models.DateField("日期")
    description = models.CharField("事由", max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.get_category_display()}"


class CreditRule(models.Model):
    """One rule deriving the credit status (rules as data, edited by staff). The first matching rule
    by `priority` gives the status; none matching gives 良好/一般 by `default_status` rows."""

    status = models.CharField("信用状况代码", max_length=20)
    label = models.CharField("信用状况", max_length=30)
    kind = models.CharField("记录性质", max_length=5, choices=list(V.CREDIT_KINDS.items()))
    categories = models.JSONField("记录类别（空：任意）", default=list, blank=True)
    within_years = models.PositiveSmallIntegerField("近几年内", default=3)
    min_count = models.PositiveSmallIntegerField("至少几条", default=1)
    priority = models.PositiveSmallIntegerField("优先级（小者先）", default=50)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "信用评价规则"
        verbose_name_plural = "信用评价规则"
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.label}：近 {self.within_years} 年{self.get_kind_display()}记录 ≥ {self.min_count} 条"


# -- the recommended catalogue ----------------------------------------------------------------------

class CatalogueCondition(models.Model):
    """A condition of the recommended catalogue (推荐目录), stored as data and edited by staff.

    `metric` names a measurement in catalogue.METRICS; `value` is its threshold or parameter."""

    metric = models.CharField("条件类型", max_length=30)
    value = models.CharField("参数", max_length=40)
    label = models.CharField("条件", max_length=80)
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("顺序", default=50)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="修改人")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "推荐目录条件"
        verbose_name_plural = "推荐目录条件"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class CatalogueStanding(models.Model):
    """Where one organisation stands now: in or out, and each condition's result (the reasons)."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="standing",
                                        verbose_name="社会组织")
    included = models.BooleanField("在目录内", default=False, db_index=True)
    results = models.JSONField("各条件结果", default=list)
    computed_at = models.DateTimeField("计算时间")
    trigger = models.CharField("触发", max_length=40, blank=True)

    class Meta:
        verbose_name = "推荐目录结果"
        verbose_name_plural = "推荐目录结果"

    def __str__(self) -> str:
        return f"{self.organisation.name}：{'在推荐目录内' if self.included else '不在推荐目录内'}"

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results if not r["ok"]]


class CatalogueSpell(models.Model):
    """History: one period an organisation was in the catalogue ([entered_at, left_at)), and why it left."""

    SCOPE_REGION_FIELD = "organisation__region"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="spells",
                                     verbose_name="社会组织")
    entered_at = models.DateTimeField("列入时间", db_index=True)
    left_at = models.DateTimeField("移出时间", null=True, blank=True, db_index=True)
    left_because = models.JSONField("移出原因（未满足的条件）", default=list, blank=True)
    trigger = models.CharField("触发", max_length=40, blank=True)

    class Meta:
        verbose_name = "推荐目录记录"
        verbose_name_plural = "推荐目录记录"
        ordering = ["-entered_at"]

    def __str__(self) -> str:
        end = f"{self.left_at:%Y-%m-%d}" if self.left_at else "至今"
        return f"{self.organisation.name} 在目录内：{self.entered_at:%Y-%m-%d} — {end}"


# -- incubation ---------------------------------------------------------------------------------------

class Incubator(models.Model):
    """孵化基地/孵化项目 of a street or the district."""

    SCOPE_REGION_FIELD = "region"

    name = models.CharField("名称", max_length=80)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属街道/区")
    operator = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="运营机构")
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "孵化基地"
        verbose_name_plural = "孵化基地"
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


INCUBATION_STATES = {"incubating": "孵化中", "graduated": "出壳（毕业）", "exited": "退出"}
SUPPORT_KINDS = {"space": "场地支持", "training": "培训", "seed_fund": "种子资金", "mentoring": "导师辅导"}


class Incubation(models.Model):
    """One organisation's stay in an incubator: entry assessment, support, milestones, the outcome."""

    SCOPE_REGION_FIELD = "incubator__region"

    incubator = models.ForeignKey(Incubator, on_delete=models.PROTECT, related_name="incubations",
                                  verbose_name="孵化基地")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="incubations",
                                     verbose_name="社会组织")
    cohort = models.CharField("批次", max_length=20)
    entered_on = models.DateField("入驻日期")
    entry_score = models.PositiveSmallIntegerField("入驻评估得分")
    entry_assessment = models.TextField("入驻评估意见", max_length=2000)
    state = models.CharField("状态", max_length=12, choices=list(INCUBATION_STATES.items()), default="incubating")
    ended_on = models.DateField("出壳/退出日期", null=True, blank=True)
    outcome_note = models.CharField("出壳/退出说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "孵化记录"
        verbose_name_plural = "孵化记录"
        ordering = ["-entered_on", "id"]

    def __str__(self) -> str:
        return f"{self.organisation.name} @ {self.incubator.name}（{INCUBATION_STATES.get(self.state, self.state)}）"


class IncubationSupport(models.Model):
    SCOPE_REGION_FIELD = "incubation__incubator__region"

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="supports",
                                   verbose_name="孵化记录")
    kind = models.CharField("支持类型", max_length=12, choices=list(SUPPORT_KINDS.items()))
    given_on = models.DateField("日期")
    amount = models.DecimalField("金额/折价（元）", max_digits=12, decimal_places=2, default=0)
    hours = models.PositiveIntegerField("时长（小时）", default=0)
    note = models.CharField("内容", max_length=200)

    class Meta:
        verbose_name = "孵化支持"
        verbose_name_plural = "孵化支持"
        ordering = ["given_on", "id"]

    def __str__(self) -> str:
        return f"{SUPPORT_KINDS.get(self.kind, self.kind)} {self.amount} 元"


class IncubationMilestone(models.Model):
    SCOPE_REGION_FIELD = "incubation__incubator__region"

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="milestones",
                                   verbose_name="孵化记录")
    title = models.CharField("里程碑", max_length=100)
    due_on = models.DateField("计划日期")
    reached_on = models.DateField("达成日期", null=True, blank=True)

    class Meta:
        verbose_name = "孵化里程碑"
        verbose_name_plural = "孵化里程碑"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.title}（{'已达成' if self.reached_on else '未达成'}）"
