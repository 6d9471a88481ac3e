"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py): in street A and in street B a
fund and an awarded call with its contract (milestones not yet reported), made through the services.
Street A's reviewer sits on call A's panel and street A's organisation contact acts for its winner, so
those roles reach their own objects. Referenced from manifest.py only."""
from __future__ import annotations

import datetime as dt


def _user(username, role, region=None, unit=None):
    from civicgrid.core.models import Role, User

    u = User.objects.filter(username=username).first()
    if u is None:
        u = User.objects.create_user(username=username, display_name=username)
    if role:
        Role.objects.get_or_create(user=u, role=role, region=region, department_unit=unit)
    return u


def objects(territory) -> dict:
    from django.utils import timezone

    from civicgrid.orgs import creditcode
    from civicgrid.orgs import services as orgs
    from civicgrid.orgs.models import OrgAccount

    from . import services as P
    from . import workflow as W

    t = territory
    past = timezone.now() - dt.timedelta(days=30)
    reg = _user("matrix_proc_registrar", "org_registrar", t.district)
    panel = [_user(f"matrix_reviewer_{i}", W.REVIEWER, t.district) for i in (1, 2)]
    out = {}
    for key, n in (("A", 1), ("B", 2)):
        buyer = _user(f"matrix_buyer_{key}", W.PURCHASER, t.streets[key])
        org = orgs.register(reg, name=f"{key}街道志愿服务中心", kind="service", region=t.district, legal_rep="周海燕",
                            credit_code=creditcode.make("5", "2", "110108", f"MX{n:06d}Y"), domains=["volunteer"])
        fund = P.save_fund(buyer, name=f"{key}街道社区自治金", kind="self_gov", year=past.year, amount="100000")
        call = P.create_call(buyer, title=f"{key}街道邻里守望志愿服务", kind="venture", fund=fund, budget="50000",
                             description="组织志愿者开展邻里守望", bid_deadline=past + dt.timedelta(days=1),
                             criteria=[("服务方案", 60), ("团队", 40)], eligibility="conditions",
                             conditions=[{"metric": "domain_includes", "value": "volunteer"}], now=past)
        own = [_user(f"reviewer_{key}", None)] if key == "A" and _exists(f"reviewer_{key}") else \
            [_user(f"matrix_reviewer_{key}", W.REVIEWER, t.district)]
        P.appoint_panel(buyer, call, [*panel, *own], chair=panel[0])
        call = P.act(buyer, call, "publish", now=past)
        contact = _user(f"matrix_contact_{key}", "org_contact", t.communities[f"{key}1"])
        OrgAccount.objects.create(organisation=org, user=contact)
        if key == "A" and _exists("org_contact_A"):
            OrgAccount.objects.create(organisation=org, user=_user("org_contact_A", None))
        bid = P.submit_bid(contact, call, org, amount="48000", proposal="每周两次巡访独居老人", now=past)
        call = P.MACHINE.act(None, call, "close_bids")
        for u in call.panel.all():
            P.declare(u.user, call)
            P.score(u.user, call, bid, {c.pk: 85 for c in call.criteria.all()})
            P.submit_scores(u.user, call)
        out[f"call_{key}"] = P.act(buyer, call, "award")
        out[f"fund_{key}"] = fund
    return out


def _exists(username: str) -> bool:
    from civicgrid.core.models import User

    return User.objects.filter(username=username).exists()


def call_args(objs, inside: bool) -> dict:
    return {"number": objs["call_A" if inside else "call_B"].number}


def contract_args(objs, inside: bool) -> dict:
    return {"number": objs["call_A" if inside else "call_B"].contract.number}


def milestone_args(objs, inside: bool) -> dict:
    return {**contract_args(objs, inside), "seq": 1}


def fund_args(objs, inside: bool) -> dict:
    return {"pk": objs["fund_A" if inside else "fund_B"].pk}
