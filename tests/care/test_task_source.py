"""Care plans feed the grid worker's day list (workforce's 今日任务) through the manifest's task_sources: the
contacts due today of the people in the worker's grids whose rhythm the grid worker keeps, one task each,
linking to the visit log; not another grid's, not a helper's rhythm, not one whose window has not begun."""
import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.care import rhythms as RH
from civicgrid.care import services as S
from civicgrid.care.models import Rhythm

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(care):
    """The A1 elder's daily call and weekly visit kept by grid A1a's worker; B1's daily call by B1a's."""
    t = care
    plan_a, plan_b = t.plan["A1"], t.plan["B1"]
    for kind in ("daily_call", "weekly_home"):
        S.assign(t.users["staff_A1"], plan_a.rhythms.get(kind=kind), t.users["worker_A1a"], RH.GRID_WORKER)
    S.assign(t.users["staff_B1"], plan_b.rhythms.get(kind="daily_call"), t.users["worker_B1a"], RH.GRID_WORKER)
    return t


def test_the_manifest_declares_the_source_and_workforce_reads_it():
    from civicgrid.care.manifest import MANIFEST
    from civicgrid.workforce import tasklist

    assert MANIFEST.task_sources == ("civicgrid.care.task_source.due_contacts",)
    assert any(name.endswith("care.task_source.due_contacts") for name in tasklist.sources())


def test_the_grid_workers_day_lists_their_due_care_contacts(kept):
    from civicgrid.workforce import tasklist

    t = kept
    today = timezone.localdate()
    plan_a = t.plan["A1"]
    daily, weekly = plan_a.rhythms.get(kind="daily_call"), plan_a.rhythms.get(kind="weekly_home")
    # The weekly visit was made this week: its next window begins next week, not due today.
    Rhythm.objects.filter(pk=weekly.pk).update(next_due=today + dt.timedelta(days=7), due_by=today + dt.timedelta(days=11))
    grid_a, grid_b = t.grids["A1a"], t.grids["B1a"]
    lists = tasklist.for_worker(t.users["worker_A1a"], [grid_a], today)
    care_tasks = [x for x in lists[grid_a.pk] if x.kind == "care"]
    assert [(x.key, x.link) for x in care_tasks] == [(f"care:{daily.pk}:{daily.next_due:%Y%m%d}",
                                                      f"/care/due/{daily.pk}/log/")]
    assert "日电话" in care_tasks[0].title and plan_a.person.name in care_tasks[0].title
    # Not the monthly visit (a social worker keeps it), not B1's contact (another grid).
    assert all(f"care:{r.pk}:" not in x.key for x in lists[grid_a.pk]
               for r in Rhythm.objects.exclude(pk=daily.pk))
    lists_b = tasklist.for_grids([grid_b], today)
    assert [x.key.split(":")[1] for x in lists_b[grid_b.pk] if x.kind == "care"] == [
        str(t.plan["B1"].rhythms.get(kind="daily_call").pk)]


def test_a_logged_contact_leaves_the_list_and_the_page_links_to_the_log(kept, client):
    t = kept
    today = timezone.localdate()
    daily = t.plan["A1"].rhythms.get(kind="daily_call")
    client.force_login(t.users["worker_A1a"])
    page = client.get("/workforce/").content.decode()
    assert f'href="/care/due/{daily.pk}/log/"' in page and "关爱日电话" in page
    r = client.post(f"/care/due/{daily.pk}/log/", {"reached": "1", "contact": "call"})
    assert r.status_code == 302
    daily.refresh_from_db()
    assert daily.next_due > today
    page = client.get("/workforce/").content.decode()
    assert f'/care/due/{daily.pk}/log/' not in page
