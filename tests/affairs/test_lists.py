"""The desk and the list at a million applications: the same rows as the plain scoped read, fewer of
them on the desk with "20+" and a link beyond, a list page that stops counting at the cap, badges to 99."""
import pytest

from civicgrid.affairs import selectors
from civicgrid.affairs import workflow as W
from civicgrid.affairs.models import Application
from civicgrid.core import paging
from civicgrid.core.scoping import visible_to

from .conftest import FORM, T0, accept

pytestmark = pytest.mark.django_db

B_APPLICANT = dict(who="clerk_B1", window="B1", applicant={"name": "李秀英", "phone": "13987654321"},
                   form={**FORM, "name": "李秀英", "phone": "13987654321"})


def _some_applications(t):
    """Two at A1 (one routed to each civil unit), one waiting for documents at A1, one at B1."""
    a = accept(t, person=t.resident, consent=True)
    b = accept(t, person=t.resident, consent=True)
    accept(t, provided=("id",))  # 待补正
    accept(t, **B_APPLICANT)
    Application.objects.filter(pk=a.pk).update(unit=t.units[("civil", None)], state=W.DECIDE)
    Application.objects.filter(pk=b.pk).update(unit=t.units[("civil", "A")], state=W.DECIDE, is_overdue=True)


@pytest.mark.parametrize("roles", [W.VIEWERS, (W.CLERK,), (W.REVIEWER,), (W.DECIDER,)])
def test_seats_on_the_columns_select_exactly_what_visible_to_selects(world, roles):
    t = world
    _some_applications(t)
    every = Application.objects.all()
    seen_by_someone = set()
    for name, user in t.users.items():
        ours = set(selectors._scoped(user, every, roles).values_list("pk", flat=True))
        plain = set(visible_to(user, every, roles=roles).values_list("pk", flat=True))
        assert ours == plain, name
        seen_by_someone |= ours
    assert seen_by_someone  # the comparison was not between empty sets


def test_the_late_list_is_the_open_late_ones_of_the_seat(world):
    t = world
    _some_applications(t)
    late = Application.objects.get(is_overdue=True)
    assert [a.pk for a in selectors.overdue(t.users["clerk_A1"])] == [late.pk]
    assert [a.pk for a in selectors.overdue(t.users["civil_A"])] == [late.pk]
    assert list(selectors.overdue(t.users["clerk_B1"])) == []
    assert list(selectors.overdue(t.users["civil_district"])) == []
    Application.objects.filter(pk=late.pk).update(state=W.DELIVERED)  # ended: late no more, whatever the flag says
    assert list(selectors.overdue(t.users["clerk_A1"])) == []


def test_a_desk_list_shows_its_rows_and_says_there_are_more(world, client, monkeypatch):
    t = world
    for _ in range(3):
        accept(t, provided=("id",))
    monkeypatch.setattr(selectors, "DESK_ROWS", 2)
    desk = selectors.window_worklist(t.users["clerk_A1"], today=T0.date())
    assert len(desk["correction"]) == 2 and desk["correction"].more and desk["correction"].label == "2+"
    assert desk["today"].label == "2+" and desk["deliver"].label == "0" and not desk["deliver"].more
    newest = Application.objects.filter(state=W.CORRECTION).order_by("-created_at", "-id")[:2]
    assert [a.pk for a in desk["correction"]] == [a.pk for a in newest]
    client.force_login(t.users["clerk_A1"])
    html = client.get("/affairs/").content.decode()
    assert "待补正（2+）" in html and 'href="/affairs/list/?state=correction">查看全部' in html
    assert "待送达（0）" in html and "?state=deliver" not in html
    monkeypatch.setattr(selectors, "DESK_ROWS", 3)
    html = client.get("/affairs/").content.decode()
    assert "待补正（3）" in html and "?state=correction" not in html


def test_the_list_page_counts_only_up_to_the_cap(world, client, monkeypatch):
    t = world
    for _ in range(3):
        accept(t, provided=("id",))
    client.force_login(t.users["clerk_A1"])
    html = client.get("/affairs/list/?state=all").content.decode()
    assert "共 3 件" in html
    monkeypatch.setattr(selectors, "LIST_PER_PAGE", 1)
    monkeypatch.setattr(paging, "COUNT_CAP", 1)
    resp = client.get("/affairs/list/?state=all&page=2")
    html = resp.content.decode()
    assert resp.status_code == 200 and "共 超过 1 件" in html and "第 2 页" in html
    assert "page=3" in html and "page=1" in html  # next and previous, without a page count
    second = Application.objects.order_by("-created_at", "-id")[1]
    assert second.number in html
    # The last page knows its count for free.
    html = client.get("/affairs/list/?state=all&page=3").content.decode()
    assert "共 3 件" in html and "第 3 / 3 页" in html


def test_nav_badges_count_up_to_99(world, monkeypatch):
    t = world
    for _ in range(3):
        accept(t, provided=("id",))
    Application.objects.update(is_overdue=True)
    assert selectors.nav_badges(t.users["clerk_A1"]) == [("3", "", "在办申请"), ("超期 3", "badge-overdue", "超期申请")]
    monkeypatch.setattr(selectors, "NAV_CAP", 2)
    assert selectors.nav_badges(t.users["clerk_A1"]) == [("2+", "", "在办申请"), ("超期 2+", "badge-overdue", "超期申请")]
    assert selectors.nav_badges(t.users["clerk_B1"]) == []


def test_list_rows_carry_no_decrypted_personal_data(world):
    t = world
    accept(t, provided=("id",))
    row = selectors.window_worklist(t.users["clerk_A1"], today=T0.date())["correction"].rows[0]
    assert {"applicant_name", "phone", "id_number", "form_data"} <= row.get_deferred_fields()


def test_the_status_page_reads_the_rating_with_the_application(world, django_assert_num_queries):
    t = world
    a = accept(t, person=t.resident, consent=True)
    with django_assert_num_queries(1):
        found = selectors.public_application(a.number, "13912345678")
        assert getattr(found, "rating", None) is None
    assert selectors.public_application(a.number, "13900000000") is None
