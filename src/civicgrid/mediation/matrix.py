"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py): a dispute inside street A
and one inside street B, made through the services. Referenced from manifest.py only."""
from __future__ import annotations


def objects(territory) -> dict:
    from . import services

    t = territory
    out = {}
    for key, worker in (("A", "worker_A1a"), ("B", "worker_B1a")):
        grid = t.grids[f"{key}1a"]
        out[key] = services.register(t.users[worker], source="screening", type="neighbour",
                                     summary=f"{key}街道楼上漏水纠纷", region=grid,
                                     parties=[{"side": "applicant", "name": "王秀英", "phone": "13912345678"},
                                              {"side": "respondent", "name": "赵国强"}])
    return out


def dispute_args(objs, inside: bool) -> dict:
    return {"number": objs["A" if inside else "B"].number}
