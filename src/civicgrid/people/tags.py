"""Care groups (关爱人群) and managed groups (重点管理人群) as data.

`visit_days` is the rhythm at which a grid worker should see the person (日电话、周上门、月访视 in
the care model): the care list shows everyone whose last visit is older than that.
"""
from __future__ import annotations

from dataclasses import dataclass

CARE = "care"
MANAGED = "managed"
GROUP_LABELS = {CARE: "关爱人群", MANAGED: "重点管理人群"}


@dataclass(frozen=True)
class TagKind:
    code: str
    label: str
    group: str
    visit_days: int


KINDS: dict[str, TagKind] = {k.code: k for k in [
    TagKind("elderly_alone", "独居老人", CARE, 7),
    TagKind("empty_nest", "空巢老人", CARE, 14),
    TagKind("very_old", "高龄老人（80岁以上）", CARE, 30),
    TagKind("disabled", "残疾人", CARE, 30),
    TagKind("low_income", "低保户", CARE, 30),
    TagKind("left_behind_child", "留守儿童", CARE, 30),
    TagKind("serious_illness", "大病患者", CARE, 30),
    TagKind("community_correction", "社区矫正对象", MANAGED, 7),
    TagKind("drug_rehab", "社区戒毒康复人员", MANAGED, 14),
    TagKind("released_prisoner", "刑满释放人员", MANAGED, 30),
    TagKind("at_risk_youth", "重点青少年", MANAGED, 30),
    TagKind("mental_illness", "严重精神障碍患者", MANAGED, 14),
]}
KIND_CHOICES = [(k.code, k.label) for k in KINDS.values()]
CARE_KINDS = [k.code for k in KINDS.values() if k.group == CARE]
MANAGED_KINDS = [k.code for k in KINDS.values() if k.group == MANAGED]
