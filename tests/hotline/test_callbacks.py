import pytest
from django.core.exceptions import ValidationError

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from civicgrid.hotline import selectors, services
from civicgrid.hotline.models import CallBack

from .helpers import close_case, hotline_case

pytestmark = pytest.mark.django_db


def test_closing_a_case_queues_one_callback(territory):
    t = territory
    case = close_case(t, hotline_case(t))
    cbs = list(selectors.callbacks_due(t.users["operator"]))
    assert [cb.case_id for cb in cbs] == [case.pk]
    assert cbs[0].street == t.streets["A"] and cbs[0].closed_at == case.closed_at


def test_case_without_requester_gets_no_callback(territory):
    t = territory
    close_case(t, hotline_case(t, phone=""))
    assert CallBack.objects.count() == 0


def test_satisfied_callback_completes(territory):
    t = territory
    close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    cb = services.record_callback(t.users["operator"], cb, reached=True, solved=True, satisfaction="satisfied")
    assert cb.state == CallBack.DONE and cb.follow_up == ""
    assert Case.objects.count() == 1


def test_callback_needs_both_answers(territory):
    t = territory
    close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    with pytest.raises(ValidationError):
        services.record_callback(t.users["operator"], cb, reached=True, solved=None, satisfaction="satisfied")
    cb.refresh_from_db()
    assert cb.state == CallBack.PENDING


def test_unsolved_callback_reopens_when_the_operator_chooses_it(territory, settings):
    settings.HOTLINE_UNHAPPY_ACTION = "reopen"
    t = territory
    case = close_case(t, hotline_case(t))
    cb = services.record_callback(t.users["operator"], CallBack.objects.get(), reached=True, solved=False,
                                  satisfaction="dissatisfied", note="杂物又堆回来了", follow_up="reopen")
    assert cb.follow_up == "reopened"
    case.refresh_from_db()
    # The same case goes back into handling; no second case is made.
    assert case.state in (W.FILED, W.COMMUNITY_HANDLING) and case.closed_at is None
    assert cb.follow_up_case is None and Case.objects.count() == 1
    assert case.events.order_by("-seq").first().action == "reopen"


def test_unsatisfied_callback_goes_to_review_by_configuration(territory, settings):
    settings.HOTLINE_UNHAPPY_ACTION = "review"
    t = territory
    close_case(t, hotline_case(t))
    cb = services.record_callback(t.users["operator"], CallBack.objects.get(), reached=True, solved=True,
                                  satisfaction="dissatisfied")
    assert cb.follow_up == "review" and Case.objects.count() == 1
    assert list(selectors.reviews_for(t.users["dispatcher_A"])) == [cb]
    assert list(selectors.reviews_for(t.users["dispatcher_B"])) == []
    cb = services.review_callback(t.users["dispatcher_A"], cb, decision="reopen", note="确有遗留")
    assert cb.follow_up == "reopened"


def test_three_unreached_attempts_close_the_callback(territory):
    t = territory
    close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    for _ in range(3):
        cb = services.record_callback(t.users["operator"], cb, reached=False)
    assert cb.state == CallBack.FAILED and cb.attempts == 3 and cb.reached is False


def test_callback_page(territory, client):
    t = territory
    close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    client.force_login(t.users["operator"])
    assert "楼道堆物" in client.get("/hotline/callbacks/").content.decode()
    r = client.post("/hotline/callbacks/", {"callback": cb.pk, "reached": "yes", "solved": "yes",
                                            "satisfaction": "basic"})
    assert r.status_code == 302
    cb.refresh_from_db()
    assert cb.state == CallBack.DONE and cb.satisfaction == "basic"
