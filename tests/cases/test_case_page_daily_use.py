"""The case page in daily use (issue 13 items 6–8): the forward action opens, typed text survives a
refusal, dispatch never preselects a unit without a reason."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case

from .conftest import P_A1a, jpeg


def report(t, cats, code="01037"):
    return S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats[code], description="路灯不亮",
                    lng=P_A1a[0], lat=P_A1a[1])


def open_actions(html: str) -> list[str]:
    return re.findall(r'<details class="action" open data-action="(\w+)"', html)


def test_every_state_with_a_next_step_marks_one_forward_action():
    for state in W.OPEN_STATES:
        forward = {t.action for t in W.transitions_from(state) if t.forward}
        if state == W.SUSPENDED:
            assert forward == {"resume"}
        elif state == W.REPORTED:
            assert forward == {"take", "file"}  # one per role: the community takes, the street files
        elif state == W.EXTENSION_REQUESTED:
            assert forward == {"approve_extension", "handle"}  # the dispatcher decides, the department goes on
        else:
            assert len(forward) == 1, state
    assert W.forward_action([t for t in W.TRANSITIONS if t.from_state == W.FILED]) == "dispatch"


def test_case_page_opens_the_forward_action_per_role(client, t, cats):
    c = report(t, cats)
    client.force_login(t.users["dispatcher_A"])
    html = client.get(f"/cases/{c.number}/").content.decode()
    assert open_actions(html) == ["file"]
    c = S.act(t.users["dispatcher_A"], c, "file")
    html = client.get(f"/cases/{c.number}/").content.decode()
    # 派遣 after 立案, not 合并 (the first row of the table) — the rare ones are folded below.
    assert open_actions(html) == ["dispatch"]
    assert html.index('data-action="dispatch"') < html.index('class="more-actions"') < html.index('data-action="merge"')
    c = S.act(t.users["dispatcher_A"], c, "dispatch", unit=t.units[("urban", "A")])
    client.force_login(t.users["urban_A"])
    html = client.get(f"/cases/{c.number}/").content.decode()
    assert open_actions(html) == ["handle"]  # not 退回
    assert 'data-action="return"' in html and 'data-action="request_extension"' in html


def test_dispatch_preselects_the_suggestion_and_says_why(client, t, cats):
    cats["01037"].department_code = "URB"
    cats["01037"].save()
    c = S.act(t.users["dispatcher_A"], report(t, cats), "file")
    client.force_login(t.users["dispatcher_A"])
    html = client.get(f"/cases/{c.number}/").content.decode()
    unit = t.units[("urban", "A")]
    assert re.search(rf'<option value="{unit.pk}" selected>{unit.name}（建议）', html)
    assert '<option value="" >请选择处置单位</option>' in html
    assert "主管部门为测试区城市管理委员会" in html


def test_dispatch_without_suggestion_preselects_nothing(client, t, cats):
    cats["01037"].department_code = ""
    cats["01037"].save()
    c = S.act(t.users["dispatcher_A"], report(t, cats), "file")
    client.force_login(t.users["dispatcher_A"])
    html = client.get(f"/cases/{c.number}/").content.decode()
    select = html[html.index('<select name="unit"'):html.index("</select>", html.index('<select name="unit"'))]
    first = re.findall(r"<option[^>]*>", select)
    assert first[0] == '<option value="" selected>' and all("selected" not in o for o in first[1:])
    assert "未配置主管部门" in html
    # Submitting "请选择" is refused with the reason, not sent to whatever unit came first.
    r = client.post(f"/cases/{c.number}/act/", {"action": "dispatch", "version": str(c.version), "unit": "",
                                                "note": "请尽快"})
    assert r.status_code == 400 and "请选择处置单位" in r.content.decode()
    c.refresh_from_db()
    assert c.state == W.FILED and c.assigned_unit is None


def test_refused_handling_keeps_the_note_and_names_the_photo(client, t, cats):
    c = S.act(t.users["dispatcher_A"], report(t, cats), "file")
    c = S.act(t.users["dispatcher_A"], c, "dispatch", unit=t.units[("urban", "A")])
    client.force_login(t.users["urban_A"])
    # No photo: refused, the note stays in the open 处置反馈 form.
    r = client.post(f"/cases/{c.number}/act/", {"action": "handle", "version": str(c.version),
                                                "note": "已更换灯泡，恢复照明"})
    html = r.content.decode()
    assert r.status_code == 400 and "须上传现场照片" in html
    assert open_actions(html) == ["handle"] and ">已更换灯泡，恢复照明</textarea>" in html
    # A photo that is refused (not an image): the page names the file to choose again.
    bad = SimpleUploadedFile("现场.jpg", b"not an image", content_type="image/jpeg")
    r = client.post(f"/cases/{c.number}/act/", {"action": "handle", "version": str(c.version),
                                                "note": "再次提交", "photos": [bad]})
    html = r.content.decode()
    assert r.status_code == 400 and "请重新选择：现场.jpg" in html and ">再次提交</textarea>" in html
    c.refresh_from_db()
    assert c.state == W.DISPATCHED
    # A rare action's refusal opens that action inside the folded list.
    r = client.post(f"/cases/{c.number}/act/", {"action": "request_extension", "version": str(c.version),
                                                "hours": "abc", "note": "等配件"})
    html = r.content.decode()
    assert r.status_code == 400 and open_actions(html) == ["request_extension"]
    assert '<details class="more-actions" open>' in html and ">等配件</textarea>" in html
    ok = SimpleUploadedFile("after.jpg", jpeg(), content_type="image/jpeg")
    r = client.post(f"/cases/{c.number}/act/", {"action": "handle", "version": str(c.version), "note": "好了",
                                                "photos": [ok]})
    assert r.status_code == 302
    assert Case.objects.get(pk=c.pk).state == W.HANDLED


def test_report_form_names_the_photo_to_choose_again(client, t, cats):
    client.force_login(t.users["worker_A1a"])
    photo = SimpleUploadedFile("IMG_2031.jpg", jpeg(), content_type="image/jpeg")
    r = client.post("/cases/report/", {"category": cats["03004"].pk, "description": "井盖缺失", "photos": [photo]})
    html = r.content.decode()
    assert r.status_code == 400 and "请重新选择：IMG_2031.jpg" in html and "井盖缺失" in html


def test_timeline_names_the_tier_an_escalation_went_to(client, t, cats):
    c = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["06002"], description="暴露垃圾",
                 lng=P_A1a[0], lat=P_A1a[1])
    c = S.act(t.users["staff_A1"], c, "take")
    c = S.act(t.users["staff_A1"], c, "escalate", note="社区解决不了")
    client.force_login(t.users["dispatcher_A"])
    html = client.get(f"/cases/{c.number}/").content.decode()
    assert "转街道（小循环）" in html and "转street" not in html
