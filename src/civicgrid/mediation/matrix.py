"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py): a dispute with a signed
agreement inside street A and one inside street B, made through the services by a mediator seated
in each community. Referenced from manifest.py only."""
from __future__ import annotations


def objects(territory) -> dict:
    from civicgrid.core.models import Role, User

    from . import services
    from . import workflow as W

    t = territory
    out = {}
    for key in ("A", "B"):
        community = t.communities[f"{key}1"]
        user = User.objects.create_user(username=f"matrix_mediator_{key}", display_name=f"调解员{key}")
        Role.objects.create(user=user, role=W.MEDIATOR, region=community)
        d = services.register(user, source="walk_in", type="neighbour", summary=f"{key}街道楼上漏水纠纷",
                              region=t.grids[f"{key}1a"],
                              parties=[{"side": "applicant", "name": "王秀英", "phone": "13912345678", "consent": True},
                                       {"side": "respondent", "name": "赵国强", "consent": True}])
        d = services.act(user, d, "accept")
        d = services.act(user, d, "record_session", session={
            "attendees": "双方当事人", "applicant_statement": "要求维修", "respondent_statement": "同意维修",
            "outcome": "agreement"})
        out[f"mediation_{key}"] = services.act(user, d, "agree", text="一、被申请方十日内修复防水层。", confirmed=True)
    # For the "accept" POSTs: one still 待受理 inside street A, so a refusal is about the role, not the state.
    out["mediation_A_new"] = services.register(
        User.objects.get(username="matrix_mediator_A"), source="walk_in", type="neighbour", summary="A街道噪音纠纷",
        region=t.grids["A1a"], parties=[{"side": "applicant", "name": "钱多多", "consent": True}])
    return out


def dispute_args(objs, inside: bool) -> dict:
    return {"number": objs["mediation_A" if inside else "mediation_B"].number}


def new_dispute_args(objs, inside: bool) -> dict:
    return {"number": objs["mediation_A_new" if inside else "mediation_B"].number}
