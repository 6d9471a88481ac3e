"""Self-governance in the browser.

Phone: a registered resident proves who they are by SMS, submits a proposal and votes (secret ballot).
Desktop: the committee calls a meeting, records it and its resolution, publishes it on the board;
a department's task outside the admission list is refused with the list's reference.
"""
import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def _world():
    from tests.factories import build_territory
    from tests.selfgov.conftest import NAMES, person

    t = build_territory()
    a1 = t.communities["A1"]
    t.people = [person(a1, NAMES[i], f"139000000{i:02d}", grid=t.grids["A1a"]) for i in range(12)]
    return t


def test_phone_resident_proposes_and_votes(page, live_server, transactional_db):
    from civicgrid.core.sms import MemorySMSBackend
    from civicgrid.selfgov import services as S
    from civicgrid.selfgov.models import PollVoter, Proposal, SecretTally

    t = _world()
    a1 = t.communities["A1"]
    poll = S.open_poll(t.users["staff_A1"], a1, kind="vote", title="是否同意改造小区健身场地",
                       options=["同意", "不同意"], closes_at=timezone.now() + dt.timedelta(days=3))
    page.goto(f"{live_server.url}/selfgov/r/{a1.code}/")
    shot(page, "selfgov_phone_verify")
    page.fill("#id_phone", "13900000002")
    page.click("#send-code")
    page.wait_for_selector("#id_code")
    code = re.search(r"验证码是 (\d{6})", MemorySMSBackend.outbox[-1][1]).group(1)
    page.fill("#id_code", code)
    page.click("#verify-code")
    page.wait_for_selector("#propose-form")
    assert "张*兰" in page.inner_text("#who")
    page.fill("#id_title", "增设电动自行车充电棚")
    page.fill("#id_body", "楼道里停放电动车充电，存在火灾隐患，建议在 5 号楼东侧建设集中充电棚。")
    shot(page, "selfgov_phone_propose")
    page.click("#submit-proposal")
    page.wait_for_selector("#done")
    p = Proposal.objects.get(title="增设电动自行车充电棚")
    assert p.proposer == t.people[2] and p.support_count == 1
    shot(page, "selfgov_phone_proposed")

    page.goto(f"{live_server.url}/selfgov/r/{a1.code}/polls/{poll.pk}/")
    page.get_by_label("同意", exact=True).check()
    shot(page, "selfgov_phone_vote")
    page.click("#cast")
    page.wait_for_selector("#voted")
    assert PollVoter.objects.filter(poll=poll, person=t.people[2]).count() == 1
    assert dict(SecretTally.objects.filter(poll=poll).values_list("option__label", "count")) == {"同意": 1, "不同意": 0}
    shot(page, "selfgov_phone_voted")
    page.goto(f"{live_server.url}/selfgov/r/{a1.code}/polls/{poll.pk}/")
    page.get_by_label("不同意", exact=True).check()
    page.click("#cast")
    page.wait_for_selector("#error")
    assert "只能投一次" in page.inner_text("#error")


def test_desktop_meeting_resolution_published_and_out_of_list_task_refused(desktop_page, live_server,
                                                                           transactional_db):
    from civicgrid.selfgov import services as S
    from civicgrid.selfgov.models import AdmissionItem, Disclosure, Meeting, Representative, TaskRequest

    t = _world()
    a1 = t.communities["A1"]
    for p in t.people[:5]:
        Representative.objects.create(community=a1, person=p, kind="resident_rep", mandate_from=dt.date(2024, 1, 1),
                                      mandate_to=dt.date(2030, 12, 31))
    page = desktop_page
    login(page, live_server, "staff_A1")
    # calling a meeting: the notice period is enforced
    page.goto(f"{live_server.url}/selfgov/meetings/new/")
    page.select_option("#id_kind", "representatives")
    page.fill("#id_title", "居民代表会议：加装电梯方案")
    page.fill("#id_agenda", "一、通报加装电梯意见征询结果；二、表决筹资方案")
    page.fill("#id_place", "社区党群服务中心二楼")
    soon = timezone.localtime() + dt.timedelta(days=2)
    page.fill("#id_starts_at", soon.strftime("%Y-%m-%dT%H:%M"))
    page.click("#call-meeting")
    page.wait_for_selector("#error")
    assert "提前 5 天" in page.inner_text("#error")
    later = timezone.localtime() + dt.timedelta(days=6)
    page.fill("#id_starts_at", later.strftime("%Y-%m-%dT%H:%M"))
    page.click("#call-meeting")
    page.wait_for_selector("#state")
    assert Meeting.objects.filter(title="居民代表会议：加装电梯方案", state="called").exists()

    # a meeting noticed ten days ago that started an hour ago, with four representatives on the roll
    now = timezone.now()
    m = S.call_meeting(t.users["staff_A1"], a1, kind="representatives", title="第五次居民代表会议",
                       agenda="审议停车管理方案", place="社区会议室", starts_at=now - dt.timedelta(hours=1),
                       now=now - dt.timedelta(days=10))
    for p in t.people[:4]:
        S.register_for_meeting(p, m, now=now - dt.timedelta(days=5))
    page.goto(f"{live_server.url}/selfgov/meetings/{m.pk}/")
    page.fill("#id_minutes", "应到 5 人，实到 4 人。会议审议停车管理方案，与会代表充分讨论。")
    shot(page, "selfgov_desk_meeting_roll")
    page.click("#hold")
    page.wait_for_selector("#attendance")
    assert "实到 4 人" in page.inner_text("#attendance") and "符合到会要求" in page.inner_text("#attendance")
    page.fill("#id_text", "同意在小区东侧空地划设 20 个停车位，实行错时停车")
    page.fill("#id_for", "3")
    page.fill("#id_against", "1")
    page.click("#record-resolution")
    page.wait_for_selector("#resolutions .tag")
    assert "通过" in page.inner_text("#resolutions")
    page.click("#publish")
    page.wait_for_selector("#board-link")
    shot(page, "selfgov_desk_meeting_held")
    d = Disclosure.objects.get(meeting=m)
    assert d.kind == "decision" and "赞成 3、反对 1、弃权 0，通过" in d.body
    page.click("#board-link")
    page.wait_for_selector(".sg-board-item")
    assert "第五次居民代表会议决议公开" in page.inner_text("main")
    shot(page, "selfgov_desk_board")

    # a department asks for a task that is not on the admission list
    AdmissionItem.objects.create(district=t.district, reference="SQ-07", title="门前三包宣传与巡查",
                                 department=t.units[("urban", "A")].department, funding=6000,
                                 authority="督促责任单位整改", basis="区委办〔2025〕12号")
    page.context.clear_cookies()
    login(page, live_server, "urban_A")
    page.goto(f"{live_server.url}/selfgov/tasks/")
    page.select_option("#id_community", a1.code)
    page.fill("#id_task_title", "代收城管罚没款")
    page.click("#request-task")
    page.wait_for_selector("#error")
    text = page.inner_text("#error")
    assert "准入清单" in text and "SQ-07" in text and "不予承接" in text
    assert TaskRequest.objects.get(title="代收城管罚没款").state == "refused"
    shot(page, "selfgov_desk_task_refused")
