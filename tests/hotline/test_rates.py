"""Three rates on a constructed data set whose answers are worked out by hand."""
import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.hotline import rates, services
from civicgrid.hotline.models import CallBack

from .helpers import close_case, hotline_case

pytestmark = pytest.mark.django_db


def test_three_rates_by_street_and_total(territory, settings):
    settings.HOTLINE_UNHAPPY_ACTION = "review"  # no follow-up case, so the data set stays as built
    t = territory
    op = t.users["operator"]
    # Street A: 4 cases closed and called back; street B: 2 cases.
    a_cases = [close_case(t, hotline_case(t, phone=f"1390000000{i}")) for i in range(4)]
    b_cases = [close_case(t, hotline_case(t, phone=f"1380000000{i}", grid="B1a"), community="B1") for i in range(2)]
    answers_a = [(True, True, "satisfied"), (True, True, "basic"), (True, False, "dissatisfied"), (False, None, "")]
    answers_b = [(True, True, "satisfied"), (True, True, "satisfied")]
    for case, (reached, solved, sat) in zip(a_cases + b_cases, answers_a + answers_b):
        cb = CallBack.objects.get(case=case)
        services.record_callback(op, cb, reached=reached, solved=solved, satisfaction=sat)
    today = timezone.localdate()
    # a case taken only after its acceptance deadline: late in street B
    late = hotline_case(t, phone="13700000000", grid="B2a")
    from civicgrid.cases import services as cs

    cs.act(t.users["staff_B2"], late, "take", now=late.accept_due + dt.timedelta(minutes=1))
    rows = {r["name"]: r for r in rates.hotline_rates(op, start=today, end=today, by="street",
                                                       now=timezone.now() + dt.timedelta(days=30))}
    a, b, total = rows["A街道"], rows["B街道"], rows["合计"]
    # 解决率 A = 2 solved / 3 reached; 满意率 A = (1 + 1) / 3; the unreached one counts nowhere
    assert (a["reached"], a["solved"], a["satisfied"], a["basic"], a["dissatisfied"]) == (3, 2, 1, 1, 1)
    assert a["solve_rate"] == round(2 / 3, 4) and a["satisfaction_rate"] == round(2 / 3, 4)
    # 响应率 A = 4/4 (all taken at once); B = 2 on time of 3 due
    assert (a["due"], a["responded"], a["response_rate"]) == (4, 4, 1.0)
    assert (b["due"], b["responded"], b["response_rate"]) == (3, 2, round(2 / 3, 4))
    assert b["solve_rate"] == 1.0 and b["satisfaction_rate"] == 1.0
    # total: response 6/7, solve 4/5, satisfaction 4/5; score = 30/35/35 weighted
    assert total["response_rate"] == round(6 / 7, 4)
    assert total["solve_rate"] == 0.8 and total["satisfaction_rate"] == 0.8
    expected = round((30 * round(6 / 7, 4) + 35 * 0.8 + 35 * 0.8) / 100 * 100, 2)
    assert total["score"] == expected
    # Without the response part: the same call-back rates, no 响应率.
    lean = {r["name"]: r for r in rates.hotline_rates(op, start=today, end=today, by="street", response=False)}
    assert lean["A街道"]["satisfaction_rate"] == a["satisfaction_rate"] and lean["A街道"]["response_rate"] is None
    assert lean["合计"]["solve_rate"] == 0.8 and lean["合计"]["due"] == 0
    # by department: none dispatched (community handled), so one "未派遣" row + total
    by_dept = rates.hotline_rates(op, start=today, end=today, by="department")
    assert [r["name"] for r in by_dept] == ["未派遣部门（街道/社区办理）", "合计"]
    # a street dispatcher of A sees only A
    names = [r["name"] for r in rates.hotline_rates(t.users["dispatcher_A"], start=today, end=today)]
    assert names == ["A街道", "合计"]


def test_rates_page(territory, client):
    client.force_login(territory.users["commander"])
    r = client.get("/hotline/rates/", {"by": "department"})
    assert r.status_code == 200 and "满意率" in r.content.decode()


def test_three_rates_appear_in_the_case_evaluation(territory, settings):
    """The cases evaluation page's hotline columns are filled by this app's provider."""
    from civicgrid.cases import evaluation

    settings.HOTLINE_UNHAPPY_ACTION = "review"
    t = territory
    op = t.users["operator"]
    cases = [close_case(t, hotline_case(t, phone=f"1390000001{i}")) for i in range(2)]
    for case, (solved, sat) in zip(cases, [(True, "satisfied"), (False, "dissatisfied")]):
        services.record_callback(op, CallBack.objects.get(case=case), reached=True, solved=solved, satisfaction=sat)
    today = timezone.localdate()
    result = evaluation.evaluate(t.users["commander"], group="street", date_from=today, date_to=today)
    row = next(r for r in result["rows"] if r.name == "A街道")
    assert row.figures["resolution_rate"] == 0.5 and row.figures["satisfaction_rate"] == 0.5
    assert row.figures["response_rate"] == 1.0
    assert result["total"].figures["satisfaction_rate"] == 0.5
    # No hotline figures for groupings the hotline does not report (e.g. by grid).
    by_grid = evaluation.evaluate(t.users["commander"], group="grid", date_from=today, date_to=today)
    assert all(r.figures["satisfaction_rate"] is None for r in by_grid["rows"])


def test_satisfaction_by_grid_colours_the_command_centre_map(territory, settings):
    from civicgrid.dashboard import selectors as dash

    settings.HOTLINE_UNHAPPY_ACTION = "review"
    t = territory
    op = t.users["operator"]
    a1a = [close_case(t, hotline_case(t, phone=f"1390000002{i}", grid="A1a")) for i in range(3)]
    a1b = [close_case(t, hotline_case(t, phone="13900000030", grid="A1b"))]
    for case, sat in zip(a1a + a1b, ["satisfied", "basic", "dissatisfied", "dissatisfied"]):
        services.record_callback(op, CallBack.objects.get(case=case), reached=True, solved=sat != "dissatisfied",
                                 satisfaction=sat)
    today = timezone.localdate()
    got = rates.satisfaction_by_region(op, start=today, end=today, level="grid",
                                       ids=[t.grid("A1a").pk, t.grid("A1b").pk])
    assert got == {t.grid("A1a").pk: round(2 / 3, 4), t.grid("A1b").pk: 0.0}
    period = dash.Period(today, today)
    data = dash.map_data(t.users["commander"], t.communities["A1"], "satisfaction", period)
    values = {f["properties"]["code"]: f["properties"]["value"] for f in data["grids"]["features"]}
    assert values == {t.grid("A1a").code: round(2 / 3, 4), t.grid("A1b").code: 0.0}
    # Outside the jurisdiction nothing is counted: street B's dispatcher sees no A grids' figures.
    assert rates.satisfaction_by_region(t.users["dispatcher_B"], start=today, end=today, level="grid",
                                        ids=[t.grid("A1a").pk]) == {}
    # Communities: A1 holds all four call-backs, 2 satisfied-or-basic of 4.
    assert rates.satisfaction_by_region(op, start=today, end=today, level="community",
                                        ids=[t.communities["A1"].pk]) == {t.communities["A1"].pk: 0.5}
