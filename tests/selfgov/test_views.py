"""Pages: a resident proves who they are by SMS to the registered phone; jurisdiction on desk pages."""
import datetime as dt
import re

import pytest
from django.utils import timezone

from civicgrid.core.sms import MemorySMSBackend
from civicgrid.selfgov import services as S
from civicgrid.selfgov.models import PollVoter, Proposal

pytestmark = pytest.mark.django_db


def verify(client, code, phone):
    url = f"/selfgov/r/{code}/"
    client.post(url, {"step": "send_code", "phone": phone})
    sms = re.search(r"验证码是 (\d{6})", MemorySMSBackend.outbox[-1][1]).group(1)
    return client.post(url, {"step": "verify", "code": sms})


def test_resident_verifies_by_sms_proposes_supports_and_votes(client, world):
    a1 = world.communities["A1"]
    r = verify(client, a1.code, "13900000001")
    assert r.status_code == 302
    page = client.get(f"/selfgov/r/{a1.code}/").content.decode()
    assert "李建国" not in page and "李*国" in page  # the masked register name, never in full
    r = client.post(f"/selfgov/r/{a1.code}/propose/", {"title": "增设快递柜", "body": "快递堆放在门卫室"})
    assert r.status_code == 200 and "议题已提出" in r.content.decode()
    p = Proposal.objects.get(title="增设快递柜")
    assert p.proposer == world.people[1]
    r = client.post(f"/selfgov/r/{a1.code}/proposals/{p.number}/support/")
    assert r.status_code == 302 and p.supports.count() == 1  # the proposer cannot support twice
    poll = S.open_poll(world.users["staff_A1"], a1, kind="vote", title="是否同意", options=["同意", "不同意"],
                       closes_at=timezone.now() + dt.timedelta(days=1))
    r = client.post(f"/selfgov/r/{a1.code}/polls/{poll.pk}/", {"option": [poll.options.first().pk]})
    assert r.status_code == 200 and "投票成功" in r.content.decode()
    r = client.post(f"/selfgov/r/{a1.code}/polls/{poll.pk}/", {"option": [poll.options.first().pk]})
    assert r.status_code == 409 and "只能投一次" in r.content.decode()
    assert PollVoter.objects.filter(poll=poll).count() == 1


def test_a_phone_not_on_the_register_cannot_take_part(client, world):
    a1 = world.communities["A1"]
    r = verify(client, a1.code, "13800138000")
    assert r.status_code == 403 and "不是" in r.content.decode()
    r = client.post(f"/selfgov/r/{a1.code}/propose/", {"title": "x", "body": "y"}, follow=True)
    assert "请先用登记在册的手机号验证身份" in r.content.decode()
    assert not Proposal.objects.exists()


def test_a_resident_of_another_community_is_refused(client, world):
    b1, a1 = world.communities["B1"], world.communities["A1"]
    verify(client, b1.code, "13900000097")
    r = client.post(f"/selfgov/r/{a1.code}/propose/", {"title": "x", "body": "y"}, follow=True)
    assert "请先用登记在册的手机号验证身份" in r.content.decode() and not Proposal.objects.exists()


def test_shared_household_phone_chooses_one_registered_person(client, world):
    from tests.selfgov.conftest import person

    a1 = world.communities["A1"]
    spouse = person(a1, "居民配偶", "13900000005")
    verify(client, a1.code, "13900000005")
    page = client.get(f"/selfgov/r/{a1.code}/").content.decode()
    assert "请选择您本人" in page
    r = client.post(f"/selfgov/r/{a1.code}/", {"step": "choose", "person": world.outsider.pk})
    assert r.status_code == 400
    client.post(f"/selfgov/r/{a1.code}/", {"step": "choose", "person": spouse.pk})
    client.post(f"/selfgov/r/{a1.code}/propose/", {"title": "共用手机", "body": "y"})
    assert Proposal.objects.get(title="共用手机").proposer == spouse


def test_desk_pages_keep_to_jurisdiction(client, world):
    p = S.submit_proposal(world.people[0], world.communities["A1"], title="修路", body="x")
    client.force_login(world.users["staff_B1"])
    assert client.get(f"/selfgov/proposals/{p.number}/").status_code == 404
    client.force_login(world.users["worker_A1a"])
    r = client.get(f"/selfgov/proposals/{p.number}/")
    assert r.status_code == 403 and "居民自治工作台需要以下角色之一" in r.content.decode()
    client.force_login(world.users["staff_A1"])
    assert client.get(f"/selfgov/proposals/{p.number}/").status_code == 200
    board = client.get(f"/selfgov/board/{world.communities['A1'].code}/")
    assert board.status_code == 200 and "居务公开" in board.content.decode()


def test_resident_rates_a_serving_unit_once_and_rates_are_published(client, world):
    from civicgrid.selfgov import evaluation as E
    from civicgrid.selfgov.models import Rating

    today = timezone.localdate()
    period = E.set_period(world.users["commander"], world.district, label="本轮", start=today - dt.timedelta(days=10),
                          end=today + dt.timedelta(days=10), weights={"surveys": 100})
    a1 = world.communities["A1"]
    police_b = world.units[("police", "B")]
    verify(client, a1.code, "13900000004")
    page = client.get(f"/selfgov/r/{a1.code}/rate/").content.decode()
    assert world.units[("police", "A")].name in page and police_b.name not in page
    r = client.post(f"/selfgov/r/{a1.code}/rate/", {"unit": police_b.pk, "score": 5})
    assert r.status_code == 400 and "本社区服务" in r.content.decode()
    unit = world.units[("police", "A")]
    assert client.post(f"/selfgov/r/{a1.code}/rate/", {"unit": unit.pk, "score": 4}).status_code == 302
    r = client.post(f"/selfgov/r/{a1.code}/rate/", {"unit": unit.pk, "score": 1})
    assert r.status_code == 409 and Rating.objects.get().score == 4
    period.end = today - dt.timedelta(days=1)
    period.save()
    board = client.get(f"/selfgov/board/{a1.code}/").content.decode()
    assert "驻区单位满意率" in board and "100.00%" in board
