"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py): a community group filed with
street A and one with street B, each admitted to its street's incubation base, through the services.
Referenced from manifest.py only."""
from __future__ import annotations


def objects(territory) -> dict:
    import datetime as dt

    from civicgrid.core.models import Role, User

    from . import services
    from .models import Incubator

    t = territory
    out = {}
    for key in "AB":
        reg = User.objects.create_user(username=f"matrix_registrar_{key}", display_name=f"{key}街道社会事务")
        Role.objects.create(user=reg, role="org_registrar", region=t.streets[key])
        out[f"org_{key}"] = services.file_group(
            reg, name=f"{key}街道睦邻互助队", street=t.streets[key], filed_on=dt.date(2024, 1, 5), charter="互助、自愿、非营利",
            place=f"{key}1社区活动室", leader="陈志强", members=12, domains=["volunteer"])
        base = Incubator.objects.create(name=f"{key}街道社会组织孵化基地", region=t.streets[key])
        out[f"incubation_{key}"] = services.admit(
            reg, base, out[f"org_{key}"], cohort="第一期", entered_on=dt.date(2024, 3, 1),
            entry_score=80, entry_assessment="章程完备，骨干稳定")
    return out


def org_args(objs, inside: bool) -> dict:
    return {"pk": objs["org_A" if inside else "org_B"].pk}


def incubation_args(objs, inside: bool) -> dict:
    return {"pk": objs["incubation_A" if inside else "incubation_B"].pk}
