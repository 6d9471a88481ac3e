"""The rankings page and the monthly report score the same month with the same function: the page
used satisfaction from the call-backs, the report did not, so the two disagreed."""
import pytest
from django.utils import timezone

from civicgrid.dashboard import hottopics, report
from civicgrid.hotline import services as hotline
from civicgrid.hotline.models import CallBack
from tests.hotline.helpers import close_case, hotline_case

pytestmark = pytest.mark.django_db


def test_page_and_monthly_report_rank_the_same_month_alike(territory, settings, client):
    settings.HOTLINE_UNHAPPY_ACTION = "review"  # an unhappy answer must not reopen the case here
    t = territory
    op = t.users["operator"]
    a = [close_case(t, hotline_case(t, phone=f"1390000000{i}")) for i in range(2)]
    b = [close_case(t, hotline_case(t, phone=f"1380000000{i}", grid="B1a"), community="B1") for i in range(2)]
    for case, sat in zip(a + b, ["satisfied", "satisfied", "dissatisfied", "dissatisfied"]):
        hotline.record_callback(op, CallBack.objects.get(case=case), reached=True, solved=True, satisfaction=sat)

    month = timezone.localdate().replace(day=1)
    client.force_login(t.users["commander"])
    r = client.get("/dashboard/rankings/", {"area": t.district.code, "start": month.isoformat(),
                                            "end": hottopics.month_end(month).isoformat()})
    assert r.status_code == 200
    page = {x.name: (x.rank, x.score, x.satisfaction_rate) for x in r.context["child_ranking"]}
    data = report.compute(t.users["commander"], t.district, month)
    printed = {x["name"]: (x["rank"], x["score"], x["satisfaction_rate"]) for x in data["regions"]}
    assert page == printed
    # Same handling figures; satisfaction alone separates the streets, and both say so.
    assert printed["A街道"][2] == 1.0 and printed["B街道"][2] == 0.0
    assert printed["A街道"][0] == 1 and printed["B街道"][0] == 2 and printed["A街道"][1] > printed["B街道"][1]
    page_depts = {x.name: x.score for x in r.context["dept_ranking"]}
    assert page_depts == {x["name"]: x["score"] for x in data["departments"]}
