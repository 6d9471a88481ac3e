"""The shared workflow engine: the table's validation, deadline rules, and cases running on it."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from civicgrid.core.calendar import BusinessCalendar
from civicgrid.core.workflow import Deadline, Transition, Workflow, event_appended

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
WED = dt.datetime(2026, 3, 4, 10, 0, tzinfo=TZ)  # a Wednesday away from holidays


def _wf(**kw):
    base = dict(name="x", noun="事项", states={"a": "甲", "b": "乙"}, terminal=frozenset({"b"}),
                actions={"go": "前进"}, transitions=(Transition("a", "go", "b", ("r",)),))
    base.update(kw)
    return Workflow(**base)


def test_table_is_checked_when_declared():
    with pytest.raises(ValueError, match="unknown state"):
        _wf(transitions=(Transition("a", "go", "zz", ("r",)),))
    with pytest.raises(ValueError, match="has no label"):
        _wf(transitions=(Transition("a", "jump", "b", ("r",)),))
    with pytest.raises(ValueError, match="unknown condition"):
        _wf(transitions=(Transition("a", "go", "b", ("r",), condition="nope"),))
    with pytest.raises(ValueError, match="no deadline rule"):
        _wf(step_of_state={"a": "work"}, deadlines={"other": Deadline(1)})


def test_tiers_are_ordered_lowest_first():
    wf = _wf(tiers={"community": "社区", "street": "街道", "district": "区"},
             supervisor_of_tier={"community": "c", "street": "s", "district": "d"})
    assert wf.tier_rank == {"community": 1, "street": 2, "district": 3}
    assert wf.next_tier == {"community": "street", "street": "district"}
    assert wf.role_tier == {"c": "community", "s": "street", "d": "district"}
    assert wf.open_states == ["a"]


@pytest.mark.django_db
def test_deadline_units():
    cal = BusinessCalendar()
    # 2 working days from Wednesday: close of office on Friday.
    due = Deadline(2, "working_days").due(WED, cal)
    assert due.date() == dt.date(2026, 3, 6) and due.hour >= 17
    # 30 calendar days run through weekends.
    assert Deadline(30, "days").due(WED, cal) == WED + dt.timedelta(days=30)
    # Working hours stop at night: 8 working hours from 10:00 Wednesday end on Thursday.
    assert Deadline(8).due(WED, cal).date() == dt.date(2026, 3, 5)
    assert Deadline(2, "working_days").label == "2个工作日"
    with pytest.raises(ValueError):
        Deadline(1, "fortnights")


def test_cases_run_on_the_engine(territory):
    """Cases' table is the engine's, and each case event also goes out on the engine's signal."""
    from civicgrid.cases import services as S
    from civicgrid.cases import workflow as W
    from civicgrid.cases.models import Category

    from tests.cases.conftest import load_categories

    assert S.MACHINE.workflow is W.WORKFLOW
    assert W.rows(W.REPORTED, "take") == W.WORKFLOW.rows(W.REPORTED, "take")
    if not Category.objects.exists():
        load_categories()
    seen = []

    def hear(sender, obj, event, workflow, **kw):
        seen.append((workflow.name, event.action, obj.state))

    event_appended.connect(hear)
    try:
        case = S.intake(territory.users["worker_A1a"], channel="grid_worker",
                        category=Category.objects.get(code="06002"), description="楼道堆物",
                        lng=116.005, lat=39.905, now=WED)
        S.act(territory.users["staff_A1"], case, "take", now=WED)
    finally:
        event_appended.disconnect(hear)
    assert seen == [("case", "report", W.REPORTED), ("case", "take", W.COMMUNITY_HANDLING)]
