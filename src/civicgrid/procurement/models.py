"""Government purchase of services (政府购买服务) and 公益创投: data and invariants only.

Everything a purchasing unit owns is scoped by the call's node (a street, the district) or its
department unit (SCOPE_UNIT_FIELD), so a street sees its own calls and a department its unit's.
An organisation's portal reads bids and contracts by OrgAccount, never through a seat.
"""
from __future__ import annotations

import decimal

from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.utils import timezone

from civicgrid.core.workflow.models import WorkflowEventFields, WorkflowFields, WorkflowLabels

from . import workflow as W

ZERO = decimal.Decimal("0.00")


class FundSource(models.Model):
    """One year's pool of a fund (budget line, 福彩公益金, 社区自治金, a community foundation) held by a
    purchasing unit; the ledger never lets commitments or payments exceed it."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_FIELD = "unit"

    name = models.CharField("资金名称", max_length=80)
    kind = models.CharField("资金来源", max_length=12, choices=list(W.FUND_KINDS.items()))
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("额度（元）", max_digits=14, decimal_places=2)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属街道/区")
    unit = models.ForeignKey("departments.DepartmentUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="所属部门")

    class Meta:
        verbose_name = "资金来源"
        verbose_name_plural = "资金来源"
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return f"{self.year} 年{self.name}（{self.get_kind_display()}）"

    def committed(self) -> decimal.Decimal:
        return self.contracts.aggregate(s=Sum("amount"))["s"] or ZERO

    def paid(self) -> decimal.Decimal:
        return self.ledger.filter(kind="payment").aggregate(s=Sum("amount"))["s"] or ZERO


class Call(WorkflowLabels, WorkflowFields):
    """A call for bids: a service project or a 公益创投 contest."""

    workflow = W.WORKFLOW
    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_FIELD = "unit"

    number = models.CharField("项目编号", max_length=20, unique=True)
    title = models.CharField("项目名称", max_length=100)
    kind = models.CharField("类别", max_length=10, choices=list(W.KINDS.items()))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="购买主体所在区域")
    unit = models.ForeignKey("departments.DepartmentUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="购买部门")
    purchaser = models.CharField("购买主体", max_length=80)
    fund = models.ForeignKey(FundSource, on_delete=models.PROTECT, related_name="calls", verbose_name="资金来源")
    budget = models.DecimalField("预算（元）", max_digits=12, decimal_places=2)
    description = models.TextField("服务内容与要求", max_length=4000)
    domain = models.CharField("服务领域", max_length=15, blank=True)
    eligibility = models.CharField("申报资格", max_length=12, choices=list(W.ELIGIBILITY.items()), default="catalogue")
    conditions = models.JSONField("本项目资格条件", default=list, blank=True)  # [{"metric":…, "value":…}]
    formula = models.JSONField("绩效评估计分办法", default=dict, blank=True)
    bid_deadline = models.DateTimeField("投标截止时间")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    awarded_at = models.DateTimeField("结果公示时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="经办人")
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "购买服务项目"
        verbose_name_plural = "购买服务项目"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_ready(self) -> bool:
        crit = list(self.criteria.all())
        return bool(crit) and sum(c.weight for c in crit) == 100 and self.panel.filter(is_chair=True).exists()

    def bidding_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.bid_deadline

    def scoring_complete(self) -> bool:
        seats = list(self.panel.all())
        return bool(seats) and all(s.submitted_at for s in seats) and self.bids.filter(state="submitted").exists()

    @property
    def formula_or_default(self) -> dict:
        return {**W.DEFAULT_FORMULA, **(self.formula or {})}


class CallEvent(WorkflowEventFields):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="events", verbose_name="项目")

    class Meta:
        verbose_name = "项目流转记录"
        verbose_name_plural = "项目流转记录"
        ordering = ["call_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["call", "seq"], name="procurement_call_event_seq")]

    def __str__(self) -> str:
        return f"{self.call.number} 第{self.seq}步 {W.ACTION_LABELS.get(self.action, self.action)}"


class Criterion(models.Model):
    """A scoring criterion with its weight (the weights of a call add up to 100)."""

    SCOPE_REGION_FIELD = "call__region"
    SCOPE_UNIT_FIELD = "call__unit"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name="项目")
    name = models.CharField("评分项", max_length=60)
    weight = models.PositiveSmallIntegerField("权重（%）")
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "评分标准"
        verbose_name_plural = "评分标准"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}%）"


class PanelSeat(models.Model):
    """A member of the call's scoring panel. `conflicts` are the bids the member declared a conflict of
    interest with (not scored by them); `submitted_at` locks the member's scores."""

    SCOPE_REGION_FIELD = "call__region"
    SCOPE_UNIT_FIELD = "call__unit"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="panel", verbose_name="项目")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats",
                             verbose_name="评审专家")
    is_chair = models.BooleanField("评审组长", default=False)
    declared_at = models.DateTimeField("利益冲突声明时间", null=True, blank=True)
    conflicts = models.JSONField("声明有利益冲突的投标", default=list, blank=True)
    conflict_note = models.CharField("利益冲突说明", max_length=300, blank=True)
    submitted_at = models.DateTimeField("提交评分时间", null=True, blank=True)

    class Meta:
        verbose_name = "评审专家席位"
        verbose_name_plural = "评审专家席位"
        ordering = ["call_id", "-is_chair", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="procurement_panel_once")]

    def __str__(self) -> str:
        return f"{self.call.number} {'组长' if self.is_chair else '评委'} {self.user}"


class Bid(models.Model):
    SCOPE_REGION_FIELD = "call__region"
    SCOPE_UNIT_FIELD = "call__unit"
    STATES = {"submitted": "已投标", "withdrawn": "已撤回", "won": "中标", "lost": "未中标"}

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="bids", verbose_name="项目")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="bids",
                                     verbose_name="投标组织")
    amount = models.DecimalField("报价（元）", max_digits=12, decimal_places=2)
    proposal = models.TextField("服务方案", max_length=8000)
    state = models.CharField("状态", max_length=10, choices=list(STATES.items()), default="submitted")
    eligibility = models.JSONField("资格审查结果", default=list, blank=True)
    total = models.DecimalField("评审总分", max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField("名次", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="提交人")
    submitted_at = models.DateTimeField("投标时间")

    class Meta:
        verbose_name = "投标"
        verbose_name_plural = "投标"
        ordering = ["call_id", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "organisation"], name="procurement_one_bid_per_org")]

    def __str__(self) -> str:
        return f"{self.organisation.name} 投标 {self.call.number}"


class BidDocument(models.Model):
    SCOPE_REGION_FIELD = "bid__call__region"
    SCOPE_UNIT_FIELD = "bid__call__unit"

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="documents", verbose_name="投标")
    title = models.CharField("文件名称", max_length=100)
    file = models.FileField("文件", upload_to="procurement/bids/%Y/%m/", max_length=200)
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "投标文件"
        verbose_name_plural = "投标文件"

    def __str__(self) -> str:
        return self.title


class Score(models.Model):
    """One member's score (0–100) of one bid on one criterion. Written only by that member, before they
    submit; read by anyone else only when every member has submitted (selectors.scores)."""

    SCOPE_REGION_FIELD = "bid__call__region"
    SCOPE_UNIT_FIELD = "bid__call__unit"

    seat = models.ForeignKey(PanelSeat, on_delete=models.PROTECT, related_name="scores", verbose_name="评审专家")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="scores", verbose_name="投标")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name="评分项")
    value = models.DecimalField("得分（0–100）", max_digits=5, decimal_places=2)
    comment = models.CharField("评语", max_length=300, blank=True)
    at = models.DateTimeField("评分时间")

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        constraints = [models.UniqueConstraint(fields=["seat", "bid", "criterion"], name="procurement_score_once")]

    def __str__(self) -> str:
        return f"{self.criterion.name}：{self.value}"


class Contract(models.Model):
    SCOPE_REGION_FIELD = "call__region"
    SCOPE_UNIT_FIELD = "call__unit"
    STATES = {"active": "履行中", "completed": "已完成", "terminated": "已终止"}

    number = models.CharField("合同编号", max_length=24, unique=True)
    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="contract", verbose_name="项目")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="contract", verbose_name="中标投标")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="contracts",
                                     verbose_name="承接组织")
    fund = models.ForeignKey(FundSource, on_delete=models.PROTECT, related_name="contracts", verbose_name="资金来源")
    amount = models.DecimalField("合同金额（元）", max_digits=12, decimal_places=2)
    deliverables = models.TextField("服务内容与交付成果", max_length=4000)
    signed_on = models.DateField("签订日期")
    state = models.CharField("状态", max_length=12, choices=list(STATES.items()), default="active")

    class Meta:
        verbose_name = "服务合同"
        verbose_name_plural = "服务合同"
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.organisation.name}"

    def paid(self) -> decimal.Decimal:
        return self.payments.aggregate(s=Sum("amount"))["s"] or ZERO


class Milestone(models.Model):
    """A milestone with its deliverable and its instalment of the payment schedule."""

    SCOPE_REGION_FIELD = "contract__call__region"
    SCOPE_UNIT_FIELD = "contract__call__unit"
    STATES = {"planned": "未提交", "reported": "已报告待评估", "accepted": "评估通过", "rejected": "评估未通过",
              "paid": "已付款"}

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones", verbose_name="合同")
    seq = models.PositiveSmallIntegerField("序号")
    title = models.CharField("节点", max_length=100)
    deliverable = models.CharField("交付成果", max_length=300)
    due_on = models.DateField("计划完成日期")
    payment = models.DecimalField("本期付款（元）", max_digits=12, decimal_places=2)
    state = models.CharField("状态", max_length=10, choices=list(STATES.items()), default="planned")

    class Meta:
        verbose_name = "合同节点"
        verbose_name_plural = "合同节点"
        ordering = ["contract_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["contract", "seq"], name="procurement_milestone_seq")]

    def __str__(self) -> str:
        return f"第{self.seq}期 {self.title}"


class MilestoneReport(models.Model):
    SCOPE_REGION_FIELD = "milestone__contract__call__region"
    SCOPE_UNIT_FIELD = "milestone__contract__call__unit"

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reports", verbose_name="节点")
    text = models.TextField("完成情况", max_length=4000)
    self_score = models.DecimalField("自评得分", max_digits=5, decimal_places=2)
    evidence = models.FileField("佐证材料", upload_to="procurement/evidence/%Y/%m/", max_length=200, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="提交人")
    submitted_at = models.DateTimeField("提交时间")

    class Meta:
        verbose_name = "节点报告"
        verbose_name_plural = "节点报告"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.milestone} 报告（{self.submitted_at:%Y-%m-%d}）"


class Evaluation(models.Model):
    """Performance evaluation of a milestone by the call's published formula."""

    SCOPE_REGION_FIELD = "milestone__contract__call__region"
    SCOPE_UNIT_FIELD = "milestone__contract__call__unit"

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="evaluations",
                                  verbose_name="节点")
    report = models.ForeignKey(MilestoneReport, on_delete=models.PROTECT, related_name="+", verbose_name="节点报告")
    self_score = models.DecimalField("自评", max_digits=5, decimal_places=2)
    satisfaction = models.DecimalField("满意度", max_digits=5, decimal_places=2)
    third_party = models.DecimalField("第三方评估", max_digits=5, decimal_places=2)
    total = models.DecimalField("综合得分", max_digits=5, decimal_places=2)
    formula = models.JSONField("计分办法")
    accepted = models.BooleanField("评估通过")
    note = models.CharField("评估意见", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="评估人")
    at = models.DateTimeField("评估时间")

    class Meta:
        verbose_name = "绩效评估"
        verbose_name_plural = "绩效评估"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.milestone} 评估 {self.total} 分（{'通过' if self.accepted else '未通过'}）"


class Payment(models.Model):
    SCOPE_REGION_FIELD = "contract__call__region"
    SCOPE_UNIT_FIELD = "contract__call__unit"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments", verbose_name="合同")
    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="paid_by",
                                     verbose_name="节点")
    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="payment",
                                      verbose_name="依据的评估")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    paid_on = models.DateField("支付日期")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="经办人")

    class Meta:
        verbose_name = "付款"
        verbose_name_plural = "付款"
        ordering = ["-paid_on", "-id"]

    def __str__(self) -> str:
        return f"{self.contract.number} 付款 {self.amount} 元"


class LedgerEntry(models.Model):
    """The fund ledger: a commitment when a contract is made, a payment when one is released."""

    SCOPE_REGION_FIELD = "fund__region"
    SCOPE_UNIT_FIELD = "fund__unit"
    KINDS = {"commitment": "合同承诺", "payment": "付款"}

    fund = models.ForeignKey(FundSource, on_delete=models.PROTECT, related_name="ledger", verbose_name="资金来源")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="ledger", verbose_name="合同")
    kind = models.CharField("类别", max_length=12, choices=list(KINDS.items()))
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    at = models.DateTimeField("时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="经办人")
    note = models.CharField("摘要", max_length=200, blank=True)

    class Meta:
        verbose_name = "资金台账"
        verbose_name_plural = "资金台账"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} 元"
