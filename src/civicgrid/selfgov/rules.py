"""Self-governance rules as data: meeting types (notice, who sits, quorum, passing share), the support
threshold of a proposal, disclosure kinds and deadlines, satisfaction. Counting is integer arithmetic:
"过半数" is strictly more than half, "三分之二以上" is at least two thirds (以上 includes the number).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

SHARES = {"none": "不设要求", "half": "过半数", "two_thirds": "三分之二以上"}
PASS_BASES = {"present": "到会人数", "electorate": "应到人数"}


def meets(rule: str, count: int, base: int) -> bool:
    """Does `count` out of `base` meet the share `rule`?"""
    if rule == "none":
        return True
    if base <= 0:
        return False
    if rule == "half":
        return 2 * count > base
    if rule == "two_thirds":
        return 3 * count >= 2 * base
    raise ValueError(f"unknown share rule {rule!r}")


REPRESENTATIVE_KINDS = {"resident_rep": "居民代表", "committee": "居委会委员", "building_head": "楼组长",
                        "owners_committee": "业委会委员"}


@dataclass(frozen=True)
class MeetingType:
    label: str
    notice_days: int        # calendar days between the notice and the meeting
    attendees: str          # "residents" (register, 18+), "representatives" (mandate), "committee", "open"
    quorum: str             # SHARES key, counted against the electorate
    passing: str            # SHARES key
    pass_base: str          # PASS_BASES key
    hearing: bool = False   # records each speaker's view


# 《城市居民委员会组织法》: a residents' meeting needs more than half of the adult residents (or of the
# households' representatives) and decides by more than half of those present; the representatives'
# meeting and the committee decide by more than half of all their members.
MEETING_TYPES = {
    "assembly": MeetingType("居民会议", 7, "residents", "half", "half", "present"),
    "representatives": MeetingType("居民代表会议", 5, "representatives", "two_thirds", "half", "electorate"),
    "hearing": MeetingType("听证会", 5, "open", "none", "half", "present", hearing=True),
    "coordination": MeetingType("协调会", 3, "open", "none", "half", "present"),
    "evaluation": MeetingType("评议会", 5, "representatives", "half", "half", "present"),
    "committee": MeetingType("居委会会议", 1, "committee", "half", "half", "electorate"),
    "joint": MeetingType("联席会议（居委会、业委会、物业、社会组织）", 3, "open", "none", "half", "present"),
}
ADULT_AGE = 18

# A resident's proposal goes to the committee when supported (联署) by 1% of the community's adult
# residents, and never fewer than 10; a representative's needs 5. Collection runs 30 days.
SUPPORT_SHARE, SUPPORT_MIN, REPRESENTATIVE_SUPPORT = 0.01, 10, 5
COLLECT_DAYS = 30


def support_threshold(adults: int, *, by_representative: bool) -> int:
    if by_representative:
        return REPRESENTATIVE_SUPPORT
    return max(SUPPORT_MIN, math.ceil(SUPPORT_SHARE * adults))


DISCLOSURE_KINDS = {"finance": "财务收支", "project": "项目建设", "subsidy": "补贴发放", "decision": "决策事项",
                    "proposal": "议事进展", "charter": "章程公约", "monthly": "月度汇总"}
# 一月一公开: the month's summary is due by this day of the next month; the sweep reminds after it.
MONTHLY_DUE_DAY = 10

SATISFIED_FROM = 4  # a rating of 4 or 5 of 5 counts as satisfied
