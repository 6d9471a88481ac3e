"""Due lists over a month with holidays and make-up days; misses flagged, escalated; twice not reached → alert."""
import datetime as dt

import pytest

from civicgrid.care import selectors, services as S
from civicgrid.care import workflow as W
from civicgrid.care.models import Alert, Miss, Rhythm
from tests.care.conftest import at

pytestmark = pytest.mark.django_db

# 2025: National Day holiday 10-01..10-08; make-up working days Sunday 09-28 and Saturday 10-11.
START = dt.date(2025, 9, 22)


def _days(n):
    return [START + dt.timedelta(days=i) for i in range(n)]


def test_plan_gets_three_parallel_rhythms_with_their_workers(care):
    plan = care.plan["A1"]
    rows = {r.kind: r for r in plan.rhythms.all()}
    assert set(rows) == {"daily_call", "weekly_home", "monthly_visit"}
    assert rows["daily_call"].worker == care.users["helper_A1"] and rows["daily_call"].worker_kind == "helper"
    assert rows["weekly_home"].worker == care.users["helper_A1"]
    assert rows["monthly_visit"].worker == care.users["social_A1"]
    # The week's last working day is the make-up Sunday 09-28, not Friday.
    assert (rows["weekly_home"].next_due, rows["weekly_home"].due_by) == (START, dt.date(2025, 9, 28))
    assert (rows["monthly_visit"].next_due, rows["monthly_visit"].due_by) == (START, dt.date(2025, 9, 30))


def test_a_month_of_due_lists_follows_holidays_and_make_up_days(care):
    """The helper works through every due list for a month; the lists appear on working days only
    (make-up Sunday 09-28 and Saturday 10-11 included, the holiday week skipped), the weekly home
    call once per week inside the week's working days, nothing is ever missed."""
    helper = care.users["helper_A1"]
    seen = {}
    for day in _days(30):
        S.sweep_misses(day)
        due = list(selectors.due(helper, day))
        seen[day] = sorted(r.kind for r in due)
        for r in due:
            S.log_contact(helper, r, reached=True, contact=r.contact, findings=["none"],
                          lng=116.005, lat=39.905, now=at(day.year, day.month, day.day, 10, 0))
    calls = {d for d, kinds in seen.items() if "daily_call" in kinds}
    import chinese_calendar

    assert calls == {d for d in _days(30) if chinese_calendar.is_workday(d)}
    assert dt.date(2025, 9, 28) in calls and dt.date(2025, 10, 11) in calls  # make-up days
    assert not calls & {dt.date(2025, 10, 1) + dt.timedelta(days=i) for i in range(8)}  # the holiday
    assert dt.date(2025, 9, 27) not in calls  # an ordinary Saturday
    # Weekly home call: due on the first working day of each week; the National Day week (09-29..10-05)
    # has working days only on 09-29 and 09-30; the next week starts working on 10-09.
    weekly = sorted(d for d, kinds in seen.items() if "weekly_home" in kinds)
    assert weekly == [dt.date(2025, 9, 22), dt.date(2025, 9, 29), dt.date(2025, 10, 9), dt.date(2025, 10, 13),
                      dt.date(2025, 10, 20)]
    mine = care.plan["A1"]
    assert not Miss.objects.filter(worker=helper).exists() and not Alert.objects.filter(plan=mine).exists()
    # The social worker never did September's monthly visit: that one is flagged.
    assert list(Miss.objects.filter(plan=mine).values_list("rhythm__kind", "window_end")) == [
        ("monthly_visit", dt.date(2025, 9, 30))]
    # Nobody called the elder in B1 at all: misses piled up and raised one alert for that person.
    assert Alert.objects.filter(plan=care.plan["B1"], source="missed").count() == 1
    # Every reached contact fed the person's record.
    assert care.elder["A1"].visits.count() == len(calls) + len(weekly)


def test_this_weeks_list_includes_what_becomes_due_later_in_the_week(care):
    helper = care.users["helper_A1"]
    day = dt.date(2025, 10, 9)  # Thursday after the holiday
    S.sweep_misses(day)
    week_end = day + dt.timedelta(days=6 - day.weekday())
    assert sorted(r.kind for r in selectors.due(helper, day, until=week_end)) == ["daily_call", "weekly_home"]
    # A social worker's monthly visit is on their list, not the helper's.
    assert [r.kind for r in selectors.due(care.users["social_A1"], day)] == ["monthly_visit"]


def test_a_missed_call_is_flagged_and_escalated_and_twice_not_reached_raises_an_alert(care):
    from civicgrid.core.models import Notification

    helper, plan = care.users["helper_A1"], care.plan["A1"]
    # Monday's and Tuesday's calls are not made; the week's and month's visits are not due yet.
    plan.rhythms.exclude(kind="daily_call").update(next_due=dt.date(2025, 9, 29), due_by=dt.date(2025, 9, 30))
    care.plan["B1"].rhythms.update(active=False)
    S.sweep_misses(dt.date(2025, 9, 23))
    miss = Miss.objects.get()
    assert (miss.window_start, miss.window_end, miss.in_row) == (START, START, 1)
    assert miss.escalated_to == "社区：staff_A1" and miss.worker == helper
    assert Notification.objects.filter(recipient=helper, title__startswith="漏访").exists()
    assert Notification.objects.filter(recipient=care.users["staff_A1"], title__startswith="漏访上报").exists()
    assert not Alert.objects.exists()  # one miss is a flag, not yet an alert
    r = Rhythm.objects.get(plan=plan, kind="daily_call")
    assert (r.next_due, r.due_by, r.missed_in_row) == (dt.date(2025, 9, 23),) * 2 + (1,)
    S.sweep_misses(dt.date(2025, 9, 24))
    assert Miss.objects.count() == 2
    alert = Alert.objects.get()
    assert (alert.source, alert.kind, alert.state) == ("missed", "no_contact", W.OPEN)
    assert alert.events.get().actor_name.startswith("系统")


def test_two_failed_attempts_raise_an_alert_and_a_reached_contact_resets_the_count(care):
    helper, plan = care.users["helper_A1"], care.plan["A1"]
    call = plan.rhythms.get(kind="daily_call")
    S.log_contact(helper, call, reached=False, now=at(2025, 9, 22, 9, 0))
    S.log_contact(helper, call, reached=True, now=at(2025, 9, 22, 11, 0))
    plan.refresh_from_db()
    assert plan.unreached == 0 and not Alert.objects.exists()
    call.refresh_from_db()
    S.log_contact(helper, call, reached=False, now=at(2025, 9, 23, 9, 0))
    c = S.log_contact(helper, call, reached=False, now=at(2025, 9, 23, 9, 30))
    assert not c.reached and Alert.objects.filter(plan=plan, source="missed").count() == 1
    # A third failure does not pile up a second open alert.
    S.log_contact(helper, call, reached=False, now=at(2025, 9, 23, 10, 0))
    assert Alert.objects.filter(plan=plan).count() == 1


def test_home_visit_checks_location_and_answers_the_days_call(care):
    helper, plan = care.users["helper_A1"], care.plan["A1"]
    visit = S.log_contact(helper, plan.rhythms.get(kind="weekly_home"), reached=True, findings=["unwell"],
                          note="血压偏高，已提醒按时服药", follow_up=True, follow_up_note="联系社区医生上门",
                          lng=116.0052, lat=39.9051, now=at(2025, 9, 22, 15, 0))
    assert visit.location_check == "ok" and visit.distance_m < 50
    assert plan.rhythms.get(kind="daily_call").next_due == dt.date(2025, 9, 23)
    far = S.log_contact(helper, plan.rhythms.get(kind="monthly_visit"), reached=True, lng=116.03, lat=39.915,
                        now=at(2025, 9, 22, 16, 0))
    assert far.location_check == "far" and far.distance_m > 1000
    nowhere = S.log_contact(helper, plan.rhythms.get(kind="weekly_home"), reached=True, lng="abc",
                            now=at(2025, 9, 29, 16, 0))
    assert nowhere.location_check == "none"
    record = care.elder["A1"].visits.first()
    assert record.kind == "home"
    from civicgrid.core.models import Notification

    assert Notification.objects.filter(recipient=care.users["staff_A1"], title="关爱对象需要跟进").exists()


def test_bad_contact_input_is_refused_with_the_reason_and_saves_nothing(care):
    from django.core.exceptions import ValidationError

    helper, plan = care.users["helper_A1"], care.plan["A1"]
    call = plan.rhythms.get(kind="daily_call")
    with pytest.raises(ValidationError, match="跟进事项"):
        S.log_contact(helper, call, reached=True, follow_up=True)
    with pytest.raises(ValidationError, match="未知的发现类别"):
        S.log_contact(helper, call, reached=True, findings=["bogus"])
    with pytest.raises(ValidationError, match="不能超过"):
        S.log_contact(helper, call, reached=True, note="长" * 1001)
    assert not plan.contacts.exists()


def test_a_plan_needs_a_care_group_member_and_a_planner_in_scope(care):
    from django.core.exceptions import PermissionDenied, ValidationError

    from civicgrid.care.errors import AlreadyPlanned
    from tests.care.conftest import make_elder

    with pytest.raises(AlreadyPlanned):
        S.create_plan(care.users["staff_A1"], care.elder["A1"])
    other = make_elder(care, "A1", seq=7, name="钱福生")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.create_plan(care.users["staff_B1"], other)
    with pytest.raises(PermissionDenied, match="需要以下角色之一"):
        S.create_plan(care.users["helper_A1"], other)
    other.tags.update(end=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError, match="不在关爱人群"):
        S.create_plan(care.users["staff_A1"], other)
