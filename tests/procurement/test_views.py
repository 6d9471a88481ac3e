"""Pages: refusals with their reason, the portal shows only the organisation's own bids and contracts,
the scoring page withholds others' scores, public pages answer visitors, bad input never 500s."""
import datetime as dt

import pytest
from django.urls import reverse

from civicgrid.procurement import services as P

from .conftest import AFTER, NOW, bid_and_close, new_call, score_all

pytestmark = pytest.mark.django_db


def _awarded(t):
    call, bids = bid_and_close(t, new_call(t))
    score_all(t, call, bids)
    return P.act(t.users["buyer_A"], call, "award", now=AFTER), bids


def test_portal_shows_only_the_organisations_own_bids_and_contracts(world, client):
    t = world
    call, _ = _awarded(t)
    client.force_login(t.users["org_moon"])
    body = client.get(reverse("orgs:portal")).content.decode()
    bids = body.split('id="my-bids"')[1].split("</section>")[0]
    contracts = body.split('id="my-contracts"')[1].split("</section>")[0]
    assert bids.count("<li>") == 1 and "未中标" in bids and "第 2 名" in bids  # its own bid, not the winner's
    assert "暂无" in contracts and call.contract.number not in body
    resp = client.get(reverse("procurement:contract", args=[call.contract.number]))
    assert resp.status_code == 403 and "需要以下角色之一" in resp.content.decode()
    client.force_login(t.users["org_sun"])
    resp = client.get(reverse("procurement:contract", args=[call.contract.number]))
    assert resp.status_code == 200 and "提交节点报告" in resp.content.decode()


def test_scoring_page_hides_other_members_scores_until_all_submitted(world, client):
    t = world
    call, bids = bid_and_close(t, new_call(t))
    crit = list(call.criteria.all())
    P.declare(t.users["rev2"], call, now=AFTER)
    P.score(t.users["rev2"], call, bids["sun"], {c.pk: "66.5" for c in crit}, now=AFTER)
    client.force_login(t.users["rev1"])
    body = client.get(reverse("procurement:score", args=[call.number])).content.decode()
    assert "66.50" not in body and 'id="others"' not in body
    client.force_login(t.users["buyer_A"])
    body = client.get(reverse("procurement:detail", args=[call.number])).content.decode()
    assert "66.50" not in body


def test_street_b_is_refused_street_a_call_with_the_reason(world, client):
    t = world
    call = new_call(t)
    client.force_login(t.users["buyer_B"])
    resp = client.get(reverse("procurement:detail", args=[call.number]))
    assert resp.status_code == 403 and "不在您的管辖范围内" in resp.content.decode()
    resp = client.post(reverse("procurement:act", args=[call.number]), {"action": "cancel", "note": "越权"})
    assert resp.status_code == 403
    call.refresh_from_db()
    assert call.state == "published"


def test_public_call_page_and_bad_input(world, client):
    t = world
    call = new_call(t)
    assert client.get(reverse("procurement:public_call", args=[call.number])).status_code == 200
    assert client.get(reverse("procurement:public_call", args=["GM9999"])).status_code == 404
    client.force_login(t.users["buyer_A"])
    resp = client.post(reverse("procurement:new"), {"title": "x", "fund": "abc", "budget": "-1"})
    assert resp.status_code == 400 and "资金来源" in resp.content.decode()
    resp = client.post(reverse("procurement:new"), {
        "title": "测试项目", "kind": "service", "fund": t.funds["A"].pk, "budget": "99999999999",
        "description": "x", "bid_deadline": (NOW + dt.timedelta(days=400)).strftime("%Y-%m-%dT%H:%M"),
        "criterion": ["方案"], "weight": ["100"]})
    assert resp.status_code in (400, 409) and "预算" in resp.content.decode()
    client.force_login(t.users["org_sun"])
    resp = client.post(reverse("procurement:bid", args=[call.number]), {"organisation": t.orgs["moon"].pk,
                                                                       "amount": "1", "proposal": "x"})
    assert resp.status_code == 403 and "不是该社会组织的机构账号" in resp.content.decode()


def test_bid_documents_are_served_to_the_bidder_panel_and_buyer_only(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = world
    call = new_call(t)
    bid = P.submit_bid(t.users["org_sun"], call, t.orgs["sun"], amount="90000", proposal="方案",
                       documents=[SimpleUploadedFile("方案.pdf", b"%PDF-1.4 x")], now=NOW)
    url = bid.documents.get().file.url
    for who, ok in (("org_sun", True), ("rev2", True), ("buyer_A", True), ("org_moon", False), ("buyer_B", False)):
        client.force_login(t.users[who])
        assert (client.get(url).status_code == 200) is ok, who
