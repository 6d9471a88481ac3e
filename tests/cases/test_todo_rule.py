"""The to-do query (cases/selectors.py _todo_q), rewritten so indexes can answer it, selects exactly the
cases the rule names: the seat's area by region path, the role's states, its own tier, and untaken
reported cases of the tiers below."""
from __future__ import annotations

import itertools

from civicgrid.cases import selectors as CS
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from civicgrid.core import roles as R

from .conftest import P_A1a, P_B1a
from .test_views import report


def _rule(user) -> set[int]:
    """The to-do as the rule says it, evaluated on each case in Python."""
    out = set()
    seats = CS.user_roles(user)
    for c in Case.objects.select_related("region"):
        for seat in seats:
            states = CS.TODO_STATES.get(seat.role, [])
            if seat.role == R.DEPARTMENT_HANDLER:
                if c.assigned_unit_id == seat.department_unit_id and c.state in (W.DISPATCHED, W.EXTENSION_REQUESTED):
                    out.add(c.pk)
                continue
            if c.state not in states or not c.region.path.startswith(seat.region.path):
                continue
            tier = W.ROLE_TIER.get(seat.role)
            lower = [t for t, r in W.TIER_RANK.items() if tier and r <= W.TIER_RANK[tier]]
            if tier and not (c.tier == tier or (c.state == W.REPORTED and c.tier in lower)):
                continue
            if seat.role == R.HOTLINE_OPERATOR and c.channel != "hotline":
                continue
            out.add(c.pk)
    return out


def test_todo_query_selects_exactly_what_the_rule_says(t, cats):
    combos = list(itertools.product(W.OPEN_STATES, W.TIER_RANK))
    for i, (state, tier) in enumerate(combos * 2):
        point, who = (P_A1a, "worker_A1a") if i % 2 == 0 else (P_B1a, "worker_B1a")
        case = report(t, cats, point=point, who=who)
        Case.objects.filter(pk=case.pk).update(state=state, tier=tier,
                                               channel="hotline" if i % 3 == 0 else "grid_worker")
    seen_some = 0
    for name, user in t.users.items():
        expected = _rule(user)
        got = set(Case.objects.filter(CS._todo_q(user)).values_list("pk", flat=True)) if not \
            CS.sees_everything(user) else expected
        assert got == expected, name
        seen_some += bool(expected)
    assert seen_some >= 8  # the commander, dispatchers, community staff and grid workers each have some
    # The commander's own tier only: its states hold no reported case, so no lower tier comes in.
    commander = set(Case.objects.filter(CS._todo_q(t.users["commander"])).values_list("tier", flat=True))
    assert commander == {"district"}
