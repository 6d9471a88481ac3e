"""Resident self-governance (居民自治) and co-governance evaluation (共治考评): data and invariants only.

Writes go through services.py (evaluation.py for the review); proposals run on the shared workflow
engine (workflow.py). Every scoped model declares the community (or district) it belongs to.

Secret ballots (see Poll): who voted and what was voted are kept in two tables that share nothing
but the poll. `PollVoter` (the roll) has no option and no time; `SecretTally` holds one counter per
option and never a row per ballot. A table of one anonymous row per ballot would keep the order of
insertion (SQLite's hidden rowid, PostgreSQL's xmin/ctid and an autoincrement id) in step with the
roll's, so the k-th voter would be the k-th ballot; a counter that is overwritten at each vote keeps
no such trace. Running tallies of a secret poll are not shown before it closes (a watcher could
otherwise diff the counters between two votes), and no audit entry is written for a secret ballot
(the audit log would be a second roll, with times).

What this does not cover: someone with superuser access to the database server who reads heap pages
before VACUUM could match the transaction ids of old counter versions to the roll's rows. Closing that
would need ballots queued and flushed to the counters in shuffled batches; it is not done here.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import mask_name
from civicgrid.core.workflow.models import WorkflowEventFields, WorkflowFields, WorkflowLabels

from . import rules
from . import workflow as W


class Representative(models.Model):
    """居民代表 / 居委会委员 / 楼组长 with a mandate: who may sit at a representatives' meeting."""

    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="登记居民")
    kind = models.CharField("身份", max_length=20, choices=list(rules.REPRESENTATIVE_KINDS.items()))
    mandate_from = models.DateField("任期起")
    mandate_to = models.DateField("任期止")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="系统账号")

    class Meta:
        verbose_name = "居民代表"
        verbose_name_plural = "居民代表"
        ordering = ["community", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "person", "kind"], name="selfgov_rep_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {mask_name(self.person.name) if self.person_id else ''}"

    def in_mandate(self, day) -> bool:
        return self.mandate_from <= day <= self.mandate_to


class Meeting(models.Model):
    """四会 and the rest: one meeting with its notice, agenda, roll of attendance, minutes and resolutions.

    The quorum and the share a resolution needs come from rules.MEETING_TYPES (data, per type), copied
    onto the meeting when it is called, so a later change of the rules does not rewrite held meetings.
    """

    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False
    STATE_CHOICES = [("called", "已发通知"), ("held", "已召开"), ("cancelled", "已取消")]

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    kind = models.CharField("会议类型", max_length=20, choices=[(k, v.label) for k, v in rules.MEETING_TYPES.items()])
    title = models.CharField("会议名称", max_length=100)
    agenda = models.TextField("议程")
    place = models.CharField("地点", max_length=100)
    starts_at = models.DateTimeField("召开时间")
    notice_at = models.DateTimeField("通知时间")
    electorate = models.PositiveIntegerField("应到人数", default=0)
    quorum_rule = models.CharField("到会要求", max_length=12, choices=list(rules.SHARES.items()))
    pass_rule = models.CharField("表决通过要求", max_length=12, choices=list(rules.SHARES.items()))
    pass_base = models.CharField("通过比例基数", max_length=10, choices=list(rules.PASS_BASES.items()))
    state = models.CharField("状态", max_length=10, choices=STATE_CHOICES, default="called", db_index=True)
    minutes = models.TextField("会议纪要", blank=True)
    held_at = models.DateTimeField("召开记录时间", null=True, blank=True)
    proposal = models.ForeignKey("Proposal", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="meetings", verbose_name="审议议题")
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="召集人")

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def rule(self) -> rules.MeetingType:
        return rules.MEETING_TYPES[self.kind]

    @property
    def attended(self) -> int:
        return self.registrations.filter(attended=True).count()

    @property
    def quorate(self) -> bool:
        return rules.meets(self.quorum_rule, self.attended, self.electorate)


class MeetingRegistration(models.Model):
    """One person on a meeting's roll, checked against the register (or the representatives' mandates)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="registrations")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="登记居民")
    as_representative = models.BooleanField("以代表身份", default=False)
    attended = models.BooleanField("到会", default=False)
    registered_at = models.DateTimeField("报名时间")

    class Meta:
        verbose_name = "会议报名"
        verbose_name_plural = "会议报名"
        ordering = ["meeting", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="selfgov_register_once")]

    def __str__(self) -> str:
        return f"报名 {mask_name(self.person.name) if self.person_id else ''}{'（到会）' if self.attended else ''}"


class Resolution(models.Model):
    """决议: a motion put to a held meeting with the count of hands; `passed` follows the meeting's rule."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions")
    text = models.TextField("决议内容")
    votes_for = models.PositiveIntegerField("赞成", default=0)
    votes_against = models.PositiveIntegerField("反对", default=0)
    votes_abstain = models.PositiveIntegerField("弃权", default=0)
    passed = models.BooleanField("通过")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "会议决议"
        verbose_name_plural = "会议决议"
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return f"决议（{'通过' if self.passed else '未通过'}，赞成{self.votes_for}票）"


class HearingStatement(models.Model):
    """听证会 speaker's view, in order. The speaker is named by role/description, not by full name."""

    STANCES = [("support", "赞成"), ("oppose", "反对"), ("conditional", "有条件赞成"), ("neutral", "中立/建议")]

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="statements")
    seq = models.PositiveSmallIntegerField("发言顺序")
    speaker = models.CharField("发言人（身份）", max_length=60)
    stance = models.CharField("观点", max_length=12, choices=STANCES)
    view = models.TextField("发言要点")

    class Meta:
        verbose_name = "听证发言"
        verbose_name_plural = "听证发言"
        ordering = ["meeting", "seq"]
        constraints = [models.UniqueConstraint(fields=["meeting", "seq"], name="selfgov_statement_seq")]

    def __str__(self) -> str:
        return f"听证发言第{self.seq}位（{self.get_stance_display()}）"


class Proposal(WorkflowLabels, WorkflowFields):
    """居民议事 proposal: collects support, goes to the committee or a meeting, is decided, executed, reported."""

    workflow = W.WORKFLOW
    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    number = models.CharField("议题编号", max_length=20, unique=True)
    title = models.CharField("议题", max_length=60)
    body = models.TextField("内容与理由")
    proposer = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="提议居民")
    by_representative = models.BooleanField("代表提议", default=False)
    support_threshold = models.PositiveIntegerField("联署门槛")
    support_count = models.PositiveIntegerField("联署人数", default=0)
    decision = models.TextField("决定", blank=True)
    responsible = models.CharField("责任人", max_length=60, blank=True)
    execute_due = models.DateField("执行期限", null=True, blank=True)
    result = models.TextField("执行结果（反馈）", blank=True)
    created_at = models.DateTimeField("提出时间", db_index=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    done_at = models.DateTimeField("反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = "居民议题"
        verbose_name_plural = "居民议题"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def proposer_masked(self) -> str:
        if self.by_representative:
            return "居民代表"
        return mask_name(self.proposer.name) if self.proposer_id else ""


class ProposalSupport(models.Model):
    """One registered resident's support (联署) of a proposal; once per person."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="supports")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("联署时间")

    class Meta:
        verbose_name = "议题联署"
        verbose_name_plural = "议题联署"
        constraints = [models.UniqueConstraint(fields=["proposal", "person"], name="selfgov_support_once")]

    def __str__(self) -> str:
        return f"联署 {self.proposal_id}"


class ProposalEvent(WorkflowEventFields):
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = "议题流转记录"
        verbose_name_plural = "议题流转记录"
        ordering = ["proposal", "seq"]
        constraints = [models.UniqueConstraint(fields=["proposal", "seq"], name="selfgov_event_seq")]

    def __str__(self) -> str:
        return f"议题流转第{self.seq}步：{self.action_label}"

    @property
    def action_label(self) -> str:
        return W.ACTION_LABELS.get(self.action, self.action)


class Poll(models.Model):
    """A vote, survey or committee election of one community. See the module docstring on secrecy."""

    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False
    KINDS = [("vote", "表决"), ("survey", "意见征询"), ("election", "居委会选举")]
    ELECTORATES = [("residents", "本社区登记居民（年满18周岁）"), ("representatives", "居民代表")]
    STATES = [("open", "投票中"), ("closed", "已截止"), ("published", "结果已公布")]

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    kind = models.CharField("类型", max_length=10, choices=KINDS)
    title = models.CharField("事项", max_length=100)
    question = models.TextField("说明", blank=True)
    electorate = models.CharField("投票人范围", max_length=20, choices=ELECTORATES)
    secret = models.BooleanField("无记名投票", default=True)
    max_choices = models.PositiveSmallIntegerField("每人最多可选", default=1)
    seats = models.PositiveSmallIntegerField("应选名额", default=0)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    state = models.CharField("状态", max_length=10, choices=STATES, default="open", db_index=True)
    electorate_size = models.PositiveIntegerField("有投票资格人数", default=0)
    results = models.JSONField("结果", default=dict, blank=True)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="polls",
                                verbose_name="所属会议")

    class Meta:
        verbose_name = "投票/征询"
        verbose_name_plural = "投票/征询"
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


class PollOption(models.Model):
    """A choice, or a candidate in an election (candidate's name as published on the candidate list)."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="options")
    label = models.CharField("选项/候选人", max_length=60)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "投票选项"
        verbose_name_plural = "投票选项"
        ordering = ["poll", "order", "id"]

    def __str__(self) -> str:
        return self.label


class PollVoter(models.Model):
    """The roll (已投票名册): this person has voted in this poll. No option, no time: see the module docstring."""

    id = models.UUIDField(primary_key=True)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="voters")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "已投票名册"
        verbose_name_plural = "已投票名册"
        constraints = [models.UniqueConstraint(fields=["poll", "person"], name="selfgov_vote_once")]

    def __str__(self) -> str:
        return "已投票"


class SecretTally(models.Model):
    """票箱 of a secret poll: one counter per option, overwritten by each ballot. Nothing about the voter."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="tallies")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField("票数", default=0)

    class Meta:
        verbose_name = "计票"
        verbose_name_plural = "计票"
        constraints = [models.UniqueConstraint(fields=["poll", "option"], name="selfgov_tally_once")]

    def __str__(self) -> str:
        return f"计票 {self.count}"


class OpenBallot(models.Model):
    """A named vote (记名表决, polls with secret=False): who chose what is part of the record."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="open_ballots")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "记名表决票"
        verbose_name_plural = "记名表决票"
        constraints = [models.UniqueConstraint(fields=["poll", "person", "option"], name="selfgov_open_ballot")]

    def __str__(self) -> str:
        return "记名表决票"


class Disclosure(models.Model):
    """居务公开: one item per matter (一事一公开) or the month's summary (一月一公开)."""

    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    kind = models.CharField("类别", max_length=12, choices=list(rules.DISCLOSURE_KINDS.items()))
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    # Subsidy recipients: masked names only ever reach this table (services.publish masks them).
    recipients = models.JSONField("受益对象（已遮蔽）", default=list, blank=True)
    month = models.DateField("月份（月度公开）", null=True, blank=True)
    published_on = models.DateField("公开日期", db_index=True)
    publisher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="公开人")
    publisher_name = models.CharField("公开人", max_length=60)
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="disclosures", verbose_name="关联议题")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="disclosures", verbose_name="关联会议")

    class Meta:
        verbose_name = "居务公开"
        verbose_name_plural = "居务公开"
        ordering = ["-published_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["community", "month"], condition=models.Q(kind="monthly"),
                                               name="selfgov_one_monthly_summary")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


class CharterVersion(models.Model):
    """一章一约: the self-governance charter (自治章程) or residents' convention (居民公约), one row per version."""

    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False
    KINDS = [("charter", "居民自治章程"), ("convention", "居民公约")]

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    kind = models.CharField("类别", max_length=10, choices=KINDS)
    version = models.PositiveSmallIntegerField("版本")
    text = models.TextField("正文")
    adopted_by = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+", verbose_name="通过会议")
    adopted_on = models.DateField("通过日期")

    class Meta:
        verbose_name = "章程公约版本"
        verbose_name_plural = "章程公约版本"
        ordering = ["community", "kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["community", "kind", "version"], name="selfgov_charter_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}第{self.version}版"


class AdmissionItem(models.Model):
    """准入清单: one task a department may give a residents' committee, with the money and authority that follow."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    reference = models.CharField("清单编号", max_length=20)
    title = models.CharField("事项", max_length=100)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="责任部门")
    funding = models.DecimalField("随事转移经费（元/年/社区）", max_digits=12, decimal_places=2)
    authority = models.CharField("随责下放权限", max_length=200)
    basis = models.CharField("依据", max_length=200)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "准入清单事项"
        verbose_name_plural = "准入清单事项"
        ordering = ["district", "reference"]
        constraints = [models.UniqueConstraint(fields=["district", "reference"], name="selfgov_admission_ref")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class TaskRequest(models.Model):
    """A department's request that a residents' committee take on a task: accepted (on the list) or refused."""

    SCOPE_REGION_FIELD = "community"
    STATES = [("accepted", "已承接"), ("refused", "不予承接（清单外）"), ("done", "已完成")]

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="提出部门")
    item = models.ForeignKey(AdmissionItem, null=True, blank=True, on_delete=models.PROTECT, related_name="requests",
                             verbose_name="准入清单事项")
    title = models.CharField("事项", max_length=100)
    state = models.CharField("状态", max_length=10, choices=STATES)
    refusal = models.CharField("不予承接理由", max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="提出人")
    requested_at = models.DateTimeField("提出时间")

    class Meta:
        verbose_name = "下派事项"
        verbose_name_plural = "下派事项"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"下派事项：{self.title}（{self.get_state_display()}）"

    @property
    def transferred(self) -> Decimal:
        return sum((f.amount for f in self.funds.filter(kind="transfer")), Decimal("0"))

    @property
    def spent(self) -> Decimal:
        return sum((f.amount for f in self.funds.filter(kind="use")), Decimal("0"))


class FundEntry(models.Model):
    """费随事转: money transferred with an accepted task, and each use of it (the balance must stay ≥ 0)."""

    KINDS = [("transfer", "经费拨付"), ("use", "经费使用")]

    task = models.ForeignKey(TaskRequest, on_delete=models.PROTECT, related_name="funds")
    kind = models.CharField("类别", max_length=10, choices=KINDS)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    on = models.DateField("日期")
    purpose = models.CharField("说明", max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "随事经费"
        verbose_name_plural = "随事经费"
        ordering = ["task", "on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} 元"


class SealUse(models.Model):
    """印章使用清单: each use of the residents' committee's seal, with what it certified and the list reference."""

    SCOPE_REGION_FIELD = "community"
    SCOPE_UNIT_AREA = False

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    on = models.DateField("用印日期")
    matter = models.CharField("用印事项", max_length=100)
    basis = models.CharField("依据（清单编号）", max_length=40)
    approved_by = models.CharField("批准人", max_length=30)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="经办人")

    class Meta:
        verbose_name = "印章使用登记"
        verbose_name_plural = "印章使用登记"
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} 用印：{self.matter}"


# -- co-governance evaluation (共治考评) -------------------------------------------------------------
class EvaluationPeriod(models.Model):
    """A half-year (or other) evaluation round of a district, with the weights the district set."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    label = models.CharField("名称", max_length=30)
    start = models.DateField("起")
    end = models.DateField("止")
    # {"cases": 30, "visits": 20, "surveys": 30, "kpi:<code>": 20}: percentages summing to 100.
    weights = models.JSONField("权重", default=dict)
    rewards = models.JSONField("奖励规则", default=dict, blank=True)  # {"1": "优秀网格", ...} by rank

    class Meta:
        verbose_name = "考评周期"
        verbose_name_plural = "考评周期"
        ordering = ["-start"]
        constraints = [models.UniqueConstraint(fields=["district", "label"], name="selfgov_period_label")]

    def __str__(self) -> str:
        return f"考评周期 {self.label}"


class Rating(models.Model):
    """One rating (1–5) of a unit or a territory by a person in a round: 满意度测评 and 条块双向评价.

    The target is a department's local unit or a region (a community or street rated by a department).
    The rater is a resident or representative from the register, or a staff account rating for its
    seat; one rating per rater, target and period.
    """

    SCOPE_REGION_FIELD = "area"
    RATERS = [("resident", "居民"), ("representative", "居民代表"), ("community", "社区（条块评价）"),
              ("department", "职能部门（条块评价）")]

    period = models.ForeignKey(EvaluationPeriod, on_delete=models.PROTECT, related_name="ratings")
    area = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域")
    unit = models.ForeignKey("departments.DepartmentUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="被评单位")
    target_region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name="被评社区/街道")
    rater_kind = models.CharField("评价人类别", max_length=15, choices=RATERS)
    rater_key = models.CharField(max_length=64, editable=False)  # person:<id> or user:<id>; uniqueness only
    score = models.PositiveSmallIntegerField("评分（1–5）")
    comment = models.CharField("意见", max_length=200, blank=True)
    at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "满意度评价"
        verbose_name_plural = "满意度评价"
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "rater_key"], condition=models.Q(unit__isnull=False),
                                    name="selfgov_rate_unit_once"),
            models.UniqueConstraint(fields=["period", "target_region", "rater_key"],
                                    condition=models.Q(target_region__isnull=False), name="selfgov_rate_region_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rater_kind_display()}评价 {self.score} 分"

    @property
    def satisfied(self) -> bool:
        return self.score >= rules.SATISFIED_FROM


class ThirdPartySurvey(models.Model):
    """第三方测评 results imported from a spreadsheet: per target, the sample and the satisfied count."""

    SCOPE_REGION_FIELD = "area"

    period = models.ForeignKey(EvaluationPeriod, on_delete=models.PROTECT, related_name="third_party")
    area = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="被评网格/社区")
    agency = models.CharField("测评机构", max_length=60)
    sample = models.PositiveIntegerField("样本数")
    satisfied = models.PositiveIntegerField("满意数")

    class Meta:
        verbose_name = "第三方测评结果"
        verbose_name_plural = "第三方测评结果"
        constraints = [models.UniqueConstraint(fields=["period", "area", "agency"], name="selfgov_third_party_once")]

    def __str__(self) -> str:
        return f"第三方测评 {self.satisfied}/{self.sample}"


class GridReview(models.Model):
    """半年网格考评 result: the grid's components, weighted score, rank, explanation and reward."""

    SCOPE_REGION_FIELD = "grid"

    period = models.ForeignKey(EvaluationPeriod, on_delete=models.PROTECT, related_name="reviews")
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    components = models.JSONField("分项得分", default=dict)
    score = models.DecimalField("综合得分", max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField("排名")
    explanation = models.TextField("得分说明")
    reward = models.CharField("奖励", max_length=60, blank=True)

    class Meta:
        verbose_name = "网格半年考评"
        verbose_name_plural = "网格半年考评"
        ordering = ["period", "rank"]
        constraints = [models.UniqueConstraint(fields=["period", "grid"], name="selfgov_review_once")]

    def __str__(self) -> str:
        return f"第{self.rank}名 {self.score}分"
