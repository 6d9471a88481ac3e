"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py): in each street an
application accepted at a community window with a missing document (so it has a one-time notice),
completed, reviewed and approved by the street's urban-management unit (so the unit sees it), waiting
for delivery; and a finished one with a poor rating to answer. Made through the services."""
from __future__ import annotations

MATRIX_ITEM = "MX-001"


def _item(t):
    from . import services
    from .models import Item

    it = Item.objects.filter(code=MATRIX_ITEM).first()
    if it:
        return it.current
    return services.publish(
        None, code=MATRIX_ITEM, name="户外广告设置备案", department=t.departments["urban"],
        legal_basis="《城市市容和环境卫生管理条例》第十一条", review_level="street", decide_level="street",
        materials=[{"code": "id", "name": "申请人身份证", "form": "copy"},
                   {"code": "plan", "name": "设置方案及效果图", "form": "original"}],
        fields=[{"key": "place", "label": "设置地点", "type": "text", "required": True}],
        limits={"review": 3, "decide": 5, "deliver": 2}, total_days=10, result_kind="record")


def objects(territory) -> dict:
    from civicgrid.core import roles as R
    from civicgrid.core.models import Role, User

    from . import services
    from . import workflow as W

    t = territory
    version = _item(t)
    out = {"affairs_item": version.item}
    for key in ("A", "B"):
        clerk = User.objects.create_user(username=f"matrix_affairs_clerk_{key}", display_name=f"窗口{key}")
        Role.objects.create(user=clerk, role=W.CLERK, region=t.communities[f"{key}1"])
        reviewer = User.objects.create_user(username=f"matrix_affairs_reviewer_{key}", display_name=f"审核{key}")
        Role.objects.create(user=reviewer, role=W.REVIEWER, region=t.streets[key])
        handler = User.objects.create_user(username=f"matrix_affairs_urban_{key}", display_name=f"城管{key}")
        Role.objects.create(user=handler, role=R.DEPARTMENT_HANDLER, department_unit=t.units[("urban", key)])
        window = services.save_window(None, region=t.communities[f"{key}1"], name=f"{key}1社区综合窗口")
        apps = []
        for n in range(2):
            a = services.accept(clerk, window=window, version=version,
                                applicant={"name": "王秀英", "phone": f"1391234{key == 'A' and 5 or 6}67{n}"},
                                form={"place": "幸福路 8 号沿街"}, provided=["id"])
            a = services.act(clerk, a, "supplement", materials=["plan"])
            a = services.act(reviewer, a, "pass_review")
            a = services.act(handler, a, "approve", result_number=f"备字{key}{n}")
            apps.append(a)
        done = services.act(clerk, apps[1], "deliver", method="window", signed_by="王秀英")
        out[f"affairs_{key}"] = apps[0]
        out[f"affairs_rating_{key}"] = services.rate(done, done.phone, score=1, comment="窗口让我跑了两趟")
    return out


def app_args(objs, inside: bool) -> dict:
    return {"number": objs["affairs_A" if inside else "affairs_B"].number}


def notice_args(objs, inside: bool) -> dict:
    return {**app_args(objs, inside), "seq": 1}


def rating_args(objs, inside: bool) -> dict:
    return {"pk": objs["affairs_rating_A" if inside else "affairs_rating_B"].pk}


def item_args(objs, inside: bool) -> dict:
    return {"code": objs["affairs_item"].code}
