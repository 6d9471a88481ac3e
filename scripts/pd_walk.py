"""A demo-like walk that touches personal data the ways staff and residents do, then pd_grep.

    CIVICGRID_VAR_DIR=var .venv/bin/python scripts/pd_walk.py     (after make demo's seeding)

Searches the register by full identity number and by name + phone, reveals a phone, imports a sheet
with bad rows (备注 and unmapped columns full of numbers) and downloads its report, looks a caller
up on the hotline console, registers a call, lets a resident verify by SMS and report a problem
with numbers in the text, reveals a requester, exports cases and residents, then runs
scripts/pd_grep.py over the database and var/.
"""
from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pd_grep  # noqa: E402


def ok(resp, *codes):
    assert resp.status_code in (codes or (200, 302)), (resp.status_code, resp.content[:300])
    return resp


def walk() -> list[str]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from civicgrid.core.scoping import visible_to
    from civicgrid.people import importer
    from civicgrid.people.models import ImportJob, Person

    User = get_user_model()
    done = []

    def client(username):
        c = Client(SERVER_NAME="127.0.0.1")
        c.force_login(User.objects.get(username=username))
        return c

    staff = client("demo-community")
    person = visible_to(User.objects.get(username="demo-community"),
                        Person.objects.exclude(id_number="").exclude(phone="")).first()
    ok(staff.get("/people/", {"q": person.id_number}))
    ok(staff.get("/people/", {"q": f"{person.name[:1]} {person.phone}"}))
    ok(staff.post(f"/people/p/{person.pk}/reveal/", {"field": "phone", "reason": "核实来电人身份"}))
    done.append("居民查询（完整证件号、姓+电话）与查看明文")

    community = person.community.name
    sheet = ("姓名,身份证号码,联系电话,社区,房号,备注,紧急联系人\n"
             f"赵走查,11010119900307123X,13911112222,{community},,本人电话 13911112222 身份证 110101199003071234,"
             "女儿 13722223333\n"
             f"钱走查,110101199101011230,13633334444,火星社区,,=cmd|' /C calc'!A0,\n")
    up = ok(staff.post("/people/import/", {"kind": "residents",
                                           "file": _upload("走查导入.csv", sheet.encode("utf-8-sig"))}))
    job = ImportJob.objects.filter(original_name="走查导入.csv").latest("pk")
    data = {f"map_{k}": v for k, v in job.mapping.items()} | {"mode": "accept_good"}
    ok(staff.post(f"/people/import/{job.pk}/", data))
    importer.run(job.pk)  # what `civicgrid worker` does with the queued task
    ok(staff.get(f"/people/import/{job.pk}/report.csv"))
    ok(staff.post("/people/export/", {}))
    done.append(f"导入（{up.status_code}，含错误行与备注）、错误行报告下载、居民导出")

    hotline = client("demo-hotline")
    ok(hotline.post("/hotline/caller/", {"caller_phone": person.phone}))
    ok(hotline.post("/hotline/", {"caller_phone": "13955556666", "caller_name": "孙走查", "channel": "phone",
                                  "subject": "咨询低保政策，回电 13955556666", "address": ""}), 200, 302, 400)
    done.append("热线来电号码查询（POST）与来电登记")

    resident = Client(SERVER_NAME="127.0.0.1")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ok(resident.post("/r/", {"step": "send_code", "phone": "13977778888"}))
    code = re.search(r"验证码是 (\d{6})", out.getvalue()).group(1)
    printed = out.getvalue()
    assert "13977778888" not in printed, printed
    r = ok(resident.post("/r/", {"step": "verify", "code": code}))
    assert "已验证手机号" in r.content.decode(), r.content.decode()[-2000:]
    from civicgrid.cases.models import Case, Category

    from civicgrid.people.models import Building

    cat = Category.objects.filter(code="06002").first() or Category.objects.filter(kind="event").first()
    b = Building.objects.exclude(lng=None).first()
    ok(resident.post("/r/", {"step": "report", "category": cat.code, "address": "联系我 13977778888",
                             "description": "楼道堆物，请联系 138-0013-8000，身份证 110101 19900307 1234",
                             "lng": str(b.lng), "lat": str(b.lat)}))
    done.append("居民短信验证码（控制台短信）与上报")

    dispatcher = client("demo-dispatcher")
    case = visible_to(User.objects.get(username="demo-dispatcher"), Case.objects.exclude(requester_phone="")).first()
    if case is not None:
        ok(dispatcher.post(f"/cases/{case.number}/reveal/", {"reason": "联系诉求人核实"}))
    ok(dispatcher.get("/cases/export.xlsx", {"view": "all"}))
    ok(client("demo-commander").get("/open311/v2/requests.json"))
    done.append("查看诉求人明文、案件导出、Open311 公开列表")
    return done


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def main() -> int:
    pd_grep.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = list(settings.ALLOWED_HOSTS) + ["127.0.0.1"]
    for step in walk():
        print("走查：" + step)
    return pd_grep.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
