"""The credit status, derived by the CreditRule rows (rules as data, edited by staff).

Each active rule, in priority order, counts the organisation's records of its kind (and categories,
if it names any) within its last N years; the first rule reaching its count gives the status. No
rule matching: 信用良好. The default rules are installed by migration 0002 and may be changed.
"""
from __future__ import annotations

import datetime as dt

NORMAL = ("normal", "信用良好")
# Statuses that are not a mark against an organisation (the catalogue's "credit_normal" condition).
GOOD = frozenset({"normal", "trusted"})


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def credit_status(org, today: dt.date, *, rules=None, events=None) -> tuple[str, str, str]:
    """(status code, label, why) for `org` on `today`."""
    from .models import CreditRule

    rules = list(rules if rules is not None else CreditRule.objects.filter(active=True).order_by("priority", "id"))
    events = list(events if events is not None else org.credit_events.all())
    for rule in rules:
        since = years_before(today, rule.within_years)
        hits = [e for e in events if e.kind == rule.kind and since <= e.occurred_on <= today
                and (not rule.categories or e.category in rule.categories)]
        if len(hits) >= rule.min_count:
            return rule.status, rule.label, f"{rule}（{len(hits)} 条）"
    return NORMAL[0], NORMAL[1], "无触发规则的信用记录"


def label_of(code: str) -> str:
    from .models import CreditRule

    if code == NORMAL[0]:
        return NORMAL[1]
    rule = CreditRule.objects.filter(status=code).first()
    return rule.label if rule else code
