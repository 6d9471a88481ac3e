"""The workforce of the grids (网格力量): data and invariants only; writes go through services.py.

- Staff types and profiles: who a roster seat (core.Role) is — 专职网格员, 网格长, 社区民警 … — and who
  employs them; the roster itself stays in regions/core (a profile is linked to its seat, not a copy).
- Duty checklists (九必访/六必到/九必报) as rows the district edits; the day's tasks generated from them.
- Patrols with route points and checks; every row the phone sends carries its client-generated id,
  unique, so an upload retried after a dropped signal never duplicates anything.
- Volunteers, teams (the 3+1 model), activities, sign-ups, hours (only confirmed hours count).
- Pay rules (allowances and subsidies as data) and quotas for the assessment.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from civicgrid.core.crypto import EncryptedTextField, mask_name, mask_phone

LIST_CHOICES = [("visit9", "九必访"), ("attend6", "六必到"), ("report9", "九必报")]
TARGET_CHOICES = [("household", "每户（按标签）"), ("building", "每栋楼"), ("occasion", "场合/事件")]
# What the public roster (regions:public_roster) shows of a staff member's work phone. The default is
# the safe one: masked, until the district says a type's phones are public.
CONTACT_RULES = [("public", "公示工作电话（完整）"), ("masked", "公示工作电话（隐去中间四位）"), ("hidden", "不公示电话")]


class StaffType(models.Model):
    """A kind of staff sent into the grids (data the district edits, not code)."""

    code = models.SlugField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30)
    contact_rule = models.CharField("公示电话规则", max_length=10, choices=CONTACT_RULES, default="masked")
    grid_staff = models.BooleanField("计入网格力量", default=True)
    order = models.PositiveSmallIntegerField("排序", default=50)

    class Meta:
        verbose_name = "人员类型"
        verbose_name_plural = "人员类型"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """One roster seat's workforce data: type, employer, contact rule, on/off boarding."""

    SCOPE_REGION_FIELD = "region"

    # The seat goes when the person leaves; the profile stays as the record of who served here.
    seat = models.OneToOneField("core.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_profile",
                                verbose_name="公示席位")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profiles",
                             verbose_name="人员")
    # The seat's node (or its unit's street): kept here so jurisdiction is one join, not two.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在网格/社区")
    staff_type = models.ForeignKey(StaffType, on_delete=models.PROTECT, related_name="profiles", verbose_name="人员类型")
    employer = models.CharField("派出/用人单位", max_length=80, blank=True)
    show_phone = models.BooleanField("公示电话（覆盖类型规则）", null=True, blank=True)
    onboarded_on = models.DateField("入职日期")
    left_on = models.DateField("离岗日期", null=True, blank=True)
    successor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="接替人")

    class Meta:
        verbose_name = "网格力量人员"
        verbose_name_plural = "网格力量人员"
        ordering = ["region__path", "staff_type__order"]

    def __str__(self) -> str:
        return f"{self.staff_type.name if self.staff_type_id else ''} {self.user.name if self.user_id else ''}"

    @property
    def active(self) -> bool:
        return self.left_on is None

    @property
    def phone_public(self) -> bool:
        return self.phone_rule == "public"

    @property
    def phone_rule(self) -> str:
        """public / masked / hidden: the profile's own override (shown or not) wins over the type's rule."""
        if self.show_phone is not None:
            return "public" if self.show_phone else "hidden"
        return self.staff_type.contact_rule


class Handover(models.Model):
    """Leaving with a handover: what moved to whom (the audit log has the same entry)."""

    SCOPE_REGION_FIELD = "profile__region"

    profile = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, related_name="handovers", verbose_name="离岗人员")
    successor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="接替人")
    at = models.DateTimeField("交接时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="经办人")
    cases = models.JSONField("移交案件编号", default=list, blank=True)
    tasks = models.PositiveIntegerField("移交待办数", default=0)

    class Meta:
        verbose_name = "工作交接"
        verbose_name_plural = "工作交接"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"工作交接 {self.at:%Y-%m-%d}：{len(self.cases)} 件案件、{self.tasks} 项待办"


class DutyItem(models.Model):
    """One line of a duty checklist (九必访 / 六必到 / 九必报) for a district."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    list = models.CharField("清单", max_length=10, choices=LIST_CHOICES)
    name = models.CharField("事项", max_length=60)
    target = models.CharField("对象", max_length=10, choices=TARGET_CHOICES)
    tag = models.CharField("居民标签（九必访对象）", max_length=30, blank=True,
                           help_text="people 标签编码，如 dibao、elderly_alone；留空为每户")
    interval_days = models.PositiveSmallIntegerField("周期（天）", default=30)
    order = models.PositiveSmallIntegerField("排序", default=50)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "职责清单事项"
        verbose_name_plural = "职责清单事项"
        ordering = ["list", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_list_display()}：{self.name}（每 {self.interval_days} 天）"


class Patrol(models.Model):
    """A grid worker's patrol (巡查): started and stopped on the phone, uploaded once or many times."""

    SCOPE_REGION_FIELD = "grid"

    client_id = models.UUIDField("客户端编号", unique=True, default=uuid.uuid4)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols",
                               verbose_name="网格员")
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    started_at = models.DateTimeField("开始", db_index=True)
    ended_at = models.DateTimeField("结束", null=True, blank=True)
    distance_m = models.PositiveIntegerField("里程（米）", default=0)

    class Meta:
        verbose_name = "巡查记录"
        verbose_name_plural = "巡查记录"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["worker", "started_at"])]

    def __str__(self) -> str:
        return f"巡查 {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPoint(models.Model):
    SCOPE_REGION_FIELD = "patrol__grid"

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points", verbose_name="巡查")
    client_id = models.UUIDField("客户端编号")
    at = models.DateTimeField("时间")
    lng = models.FloatField("经度")
    lat = models.FloatField("纬度")

    class Meta:
        verbose_name = "巡查轨迹点"
        verbose_name_plural = "巡查轨迹点"
        ordering = ["at"]
        constraints = [models.UniqueConstraint(fields=["patrol", "client_id"], name="workforce_point_once")]

    def __str__(self) -> str:
        return f"轨迹点 {self.at:%H:%M:%S}"


OUTCOME_CHOICES = [("nothing", "未发现问题"), ("case", "发现问题（上报案件）"), ("correction", "基础信息更正")]


class PatrolCheck(models.Model):
    """A place checked on a patrol and what was found there."""

    SCOPE_REGION_FIELD = "patrol__grid"

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="checks", verbose_name="巡查")
    client_id = models.UUIDField("客户端编号")
    at = models.DateTimeField("时间", db_index=True)
    building = models.ForeignKey("people.Building", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="楼栋")
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="户")
    duty = models.ForeignKey(DutyItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="职责事项")
    outcome = models.CharField("结果", max_length=10, choices=OUTCOME_CHOICES)
    note = models.TextField("情况说明", blank=True)
    case_number = models.CharField("案件编号", max_length=20, blank=True)

    class Meta:
        verbose_name = "巡查检查点"
        verbose_name_plural = "巡查检查点"
        ordering = ["at"]
        constraints = [models.UniqueConstraint(fields=["patrol", "client_id"], name="workforce_check_once")]

    def __str__(self) -> str:
        return f"检查 {self.at:%H:%M}：{self.get_outcome_display()}"


class Correction(models.Model):
    """A base-data correction request (基础信息更正) for a building or a household, raised on patrol;
    community staff apply it in the register and close it here."""

    SCOPE_REGION_FIELD = "grid"
    SCOPE_UNIT_AREA = False  # about the register: departments do not see it

    check_row = models.OneToOneField(PatrolCheck, on_delete=models.CASCADE, related_name="correction",
                                     verbose_name="巡查检查点")
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    building = models.ForeignKey("people.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="楼栋")
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="户")
    text = models.TextField("更正内容")
    state = models.CharField("状态", max_length=10, choices=[("open", "待核实"), ("done", "已更正"), ("rejected", "不予更正")],
                             default="open")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="处理人")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "基础信息更正"
        verbose_name_plural = "基础信息更正"
        ordering = ["state", "-id"]

    def __str__(self) -> str:
        return f"基础信息更正（{self.get_state_display()}）"


class TaskDone(models.Model):
    """A task of the day ticked off. The list itself is computed (checklists, cases, extensions);
    only what was done is stored, keyed by the task's stable key."""

    SCOPE_REGION_FIELD = "grid"

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="网格员")
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    day = models.DateField("日期")
    key = models.CharField("任务键", max_length=60)
    at = models.DateTimeField("完成时间")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "已完成任务"
        verbose_name_plural = "已完成任务"
        constraints = [models.UniqueConstraint(fields=["worker", "day", "key"], name="workforce_task_done_once")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 已完成 {self.key}"


# -- volunteers -----------------------------------------------------------------------------------
class Team(models.Model):
    """A service team of a grid; kind "3+1": a social worker leads, volunteers support, the grid
    leader takes part, with the residents."""

    SCOPE_REGION_FIELD = "grid"

    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("模式", max_length=10, choices=[("3+1", "3+1（社工+志愿者+网格长+居民）"), ("other", "其他")],
                            default="3+1")
    social_worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name="带队社工")
    grid_leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="网格长")

    class Meta:
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        ordering = ["grid__path", "name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    SCOPE_REGION_FIELD = "grid"
    SCOPE_UNIT_AREA = False

    number = models.CharField("志愿者编号", max_length=12, unique=True)
    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在网格")
    name = EncryptedTextField("姓名")
    phone = EncryptedTextField("手机")
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    skills = models.CharField("特长", max_length=100, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="volunteers",
                             verbose_name="服务队")
    consent_at = models.DateTimeField("同意个人信息处理时间")
    registered_at = models.DateTimeField("登记时间")
    redeemed_hours = models.DecimalField("时间银行已兑换（小时）", max_digits=7, decimal_places=1, default=0)
    # The time bank's running balance: the sum of the volunteer's BankEntry rows, changed only by a
    # conditional UPDATE in services (never below zero: the check constraint is the last guard).
    bank_balance = models.DecimalField("时间银行余额（小时）", max_digits=7, decimal_places=1, default=0)

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["-registered_at"]
        constraints = [models.UniqueConstraint(fields=["grid", "phone_hash"], name="workforce_volunteer_once"),
                       models.CheckConstraint(condition=models.Q(bank_balance__gte=0),
                                              name="workforce_bank_balance_not_negative")]

    def __str__(self) -> str:
        return f"志愿者 {self.number}"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Activity(models.Model):
    SCOPE_REGION_FIELD = "grid"

    grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities",
                             verbose_name="服务队")
    title = models.CharField("活动名称", max_length=80)
    place = models.CharField("地点", max_length=100)
    starts_at = models.DateTimeField("开始")
    hours = models.DecimalField("服务时长（小时）", max_digits=4, decimal_places=1)
    capacity = models.PositiveSmallIntegerField("名额", default=20)
    checkin_code = models.CharField("签到码", max_length=6)
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="协调人")

    class Meta:
        verbose_name = "志愿活动"
        verbose_name_plural = "志愿活动"
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    SCOPE_REGION_FIELD = "activity__grid"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups", verbose_name="活动")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups", verbose_name="志愿者")
    signed_at = models.DateTimeField("报名时间")
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="workforce_signup_once")]

    def __str__(self) -> str:
        return f"报名 {self.signed_at:%m-%d %H:%M}" + ("（已签到）" if self.checked_in_at else "")


HOUR_STATES = [("pending", "待确认"), ("confirmed", "已确认"), ("rejected", "不予确认")]


class HourEntry(models.Model):
    """Hours logged by (or for) a volunteer; only `confirmed` ones count anywhere."""

    SCOPE_REGION_FIELD = "volunteer__grid"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="hours", verbose_name="志愿者")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="活动")
    day = models.DateField("服务日期", db_index=True)
    hours = models.DecimalField("时长（小时）", max_digits=4, decimal_places=1)
    note = models.CharField("服务内容", max_length=200, blank=True)
    state = models.CharField("状态", max_length=10, choices=HOUR_STATES, default="pending", db_index=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="确认人")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "志愿服务时长"
        verbose_name_plural = "志愿服务时长"
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "activity"], condition=models.Q(activity__isnull=False),
                                               name="workforce_hours_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.hours} 小时（{self.get_state_display()}）"


class HourCertificate(models.Model):
    """志愿服务时长证明: confirmed hours up to a date, with a number anyone can verify."""

    SCOPE_REGION_FIELD = "volunteer__grid"

    number = models.CharField("证明编号", max_length=20, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates", verbose_name="志愿者")
    hours = models.DecimalField("累计确认时长", max_digits=7, decimal_places=1)
    issued_at = models.DateTimeField("开具时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="开具人")

    class Meta:
        verbose_name = "志愿服务时长证明"
        verbose_name_plural = "志愿服务时长证明"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"时长证明 {self.number}"


# -- pay and assessment ----------------------------------------------------------------------------
PERIOD_CHOICES = [("month", "每月"), ("quarter", "每季度")]
METRIC_CHOICES = [("patrol_days", "巡查天数"), ("checks", "走访/检查点数"), ("cases", "上报案件数"),
                  ("tasks", "完成清单任务数")]


class PayRule(models.Model):
    """An allowance or subsidy for a staff type (e.g. 网格长 200 元 fixed + 200 元 assessed per quarter)."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    staff_type = models.ForeignKey(StaffType, on_delete=models.PROTECT, related_name="pay_rules", verbose_name="人员类型")
    fixed = models.DecimalField("固定部分（元）", max_digits=8, decimal_places=2, default=0)
    assessed = models.DecimalField("考核部分（元）", max_digits=8, decimal_places=2, default=0)
    period = models.CharField("发放周期", max_length=10, choices=PERIOD_CHOICES, default="month")

    class Meta:
        verbose_name = "补贴标准"
        verbose_name_plural = "补贴标准"
        constraints = [models.UniqueConstraint(fields=["district", "staff_type"], name="workforce_pay_rule_once")]

    def __str__(self) -> str:
        return f"{self.staff_type.name if self.staff_type_id else ''}：固定 {self.fixed} 元 + 考核 {self.assessed} 元（{self.get_period_display()}）"


class Quota(models.Model):
    """A monthly quota a staff type is assessed against (e.g. 网格员 巡查 20 天)."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    staff_type = models.ForeignKey(StaffType, on_delete=models.PROTECT, related_name="quotas", verbose_name="人员类型")
    metric = models.CharField("指标", max_length=15, choices=METRIC_CHOICES)
    target = models.PositiveSmallIntegerField("每月目标")

    class Meta:
        verbose_name = "考核定额"
        verbose_name_plural = "考核定额"
        constraints = [models.UniqueConstraint(fields=["district", "staff_type", "metric"], name="workforce_quota_once")]

    def __str__(self) -> str:
        return f"{self.staff_type.name if self.staff_type_id else ''} {self.get_metric_display()} 每月 {self.target}"


# -- joint enforcement operations (联合执法行动) ------------------------------------------------------
# cases.JointOperation holds the operation itself (area, day, units, plan, the numbers of the cases
# its findings became); the workforce keeps what running it needs: a number people can quote, the
# time, the lead unit, the targets, the state and the closing summary, and each finding as a row.
OPERATION_STATES = [("planned", "待行动"), ("underway", "行动中"), ("closed", "已结束")]
FINDING_OUTCOMES = [("case", "发现问题（已立案）"), ("none", "未发现问题")]


class OperationPlan(models.Model):
    """How a joint enforcement operation runs: number, time, lead unit, targets, state, summary."""

    SCOPE_REGION_FIELD = "operation__region"
    # A department sees only the operations its unit takes part in (selectors.operations), never every
    # operation over its service area.
    SCOPE_UNIT_AREA = False

    operation = models.OneToOneField("cases.JointOperation", on_delete=models.PROTECT, related_name="workforce_plan",
                                     verbose_name="联合执法行动")
    number = models.CharField("行动编号", max_length=20, unique=True)
    street = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属街道")
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("预计结束", null=True, blank=True)
    lead_unit = models.ForeignKey("departments.DepartmentUnit", on_delete=models.PROTECT, related_name="+",
                                  verbose_name="牵头单位")
    targets = models.TextField("检查对象和点位")
    state = models.CharField("状态", max_length=10, choices=OPERATION_STATES, default="planned", db_index=True)
    summary = models.TextField("行动小结", blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="结束人")

    class Meta:
        verbose_name = "联合执法行动安排"
        verbose_name_plural = "联合执法行动安排"
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"联合执法行动 {self.number}"


class OperationFinding(models.Model):
    """One finding of an operation: a problem that became a case, or "no problem found" for a unit.
    The form carries a token made when it was shown: a resubmitted form finds its row and opens no
    second case (unique constraint, checked under the operation's row lock)."""

    SCOPE_REGION_FIELD = "plan__operation__region"
    SCOPE_UNIT_AREA = False

    plan = models.ForeignKey(OperationPlan, on_delete=models.PROTECT, related_name="findings", verbose_name="行动")
    token = models.UUIDField("提交编号")
    unit = models.ForeignKey("departments.DepartmentUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="发现单位")
    outcome = models.CharField("结果", max_length=10, choices=FINDING_OUTCOMES)
    place = models.CharField("地点/对象", max_length=200, blank=True)
    note = models.TextField("情况", blank=True)
    case_number = models.CharField("案件编号", max_length=20, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人")
    at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "联合执法发现"
        verbose_name_plural = "联合执法发现"
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "token"], name="workforce_finding_once")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.case_number}".strip()


# -- the time bank (时间银行) -------------------------------------------------------------------------
BENEFIT_KINDS = [("service", "兑换服务"), ("gift", "兑换礼品"), ("donation", "时长捐赠")]
BANK_KINDS = [("earned", "服务获得"), ("redeemed", "兑换"), ("donated", "捐出"), ("received", "受赠"),
              ("expired", "过期")]


class TimeBankRule(models.Model):
    """Whether a district runs a time bank, and after how many months earned hours expire (blank: never).
    A district without a row follows the WORKFORCE_TIME_BANK setting."""

    SCOPE_REGION_FIELD = "district"

    district = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    enabled = models.BooleanField("启用时间银行", default=False)
    expire_months = models.PositiveSmallIntegerField("时长有效期（月）", null=True, blank=True)

    class Meta:
        verbose_name = "时间银行规则"
        verbose_name_plural = "时间银行规则"

    def __str__(self) -> str:
        return "时间银行" + ("启用" if self.enabled else "未启用")


class Benefit(models.Model):
    """What hours can be redeemed for (data the district edits): a service from a shop, a gift, or
    hours donated to another volunteer or a family member (the volunteer chooses how many)."""

    SCOPE_REGION_FIELD = "district"

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区")
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类别", max_length=10, choices=BENEFIT_KINDS)
    provider = models.CharField("提供方", max_length=60, blank=True)
    hours = models.DecimalField("所需时长（小时）", max_digits=5, decimal_places=1, default=0,
                                help_text="时长捐赠填 0：由志愿者自定")
    active = models.BooleanField("上架", default=True)
    order = models.PositiveSmallIntegerField("排序", default=50)

    class Meta:
        verbose_name = "时间银行兑换项目"
        verbose_name_plural = "时间银行兑换项目"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class BankEntry(models.Model):
    """One movement of a volunteer's time bank: + earned (one per confirmed hour entry) or received,
    − redeemed, donated or expired. `balance_after` is the balance this movement left."""

    SCOPE_REGION_FIELD = "volunteer__grid"
    SCOPE_UNIT_AREA = False

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="bank_entries", verbose_name="志愿者")
    kind = models.CharField("类别", max_length=10, choices=BANK_KINDS)
    hours = models.DecimalField("时长（小时，收入为正）", max_digits=6, decimal_places=1)
    balance_after = models.DecimalField("变动后余额", max_digits=7, decimal_places=1)
    hour_entry = models.OneToOneField(HourEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_entry",
                                      verbose_name="服务时长记录")
    benefit = models.ForeignKey(Benefit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="兑换项目")
    counterpart = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="捐赠对象/来源志愿者")
    recipient = EncryptedTextField("受赠家庭成员", blank=True, default="")
    token = models.UUIDField("提交编号", null=True, blank=True, unique=True)
    at = models.DateTimeField("时间", db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                           verbose_name="经办人（空为志愿者本人）")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "时间银行流水"
        verbose_name_plural = "时间银行流水"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.hours} 小时"

    @property
    def recipient_masked(self) -> str:
        return mask_name(self.recipient) if self.recipient else ""


# -- social workers (their own module, so the two halves of the app evolve apart) ----------------------
from .socialwork_models import (CaseRecord, Certificate, Client, Contact, EducationRecord, EducationRule,  # noqa: E402,F401
                                Expert, Post, Referral, SocialQuota, SocialWorker, SubsidyRate, Supervision,
                                SupervisionSession)
