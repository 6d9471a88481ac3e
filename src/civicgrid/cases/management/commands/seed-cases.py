"""`civicgrid seed-cases`: a few dozen demo cases in varied states on top of the demo district.

Run after `civicgrid seed-demo`. Every case goes through the real services (intake, act) with
times spread over the last weeks, so timelines, deadlines, overdue flags and the evaluation page
all have something true to show. Users are found by role, whatever the demo names them.
"""
from __future__ import annotations

import datetime as dt
import io
import random

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image, ImageDraw

from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, Category
from civicgrid.core import roles as R
from civicgrid.core.models import Role
from civicgrid.regions import geo

PATHS = {  # target → the steps after intake
    "reported": [],
    "filed": ["file"],
    "dispatched": ["file", "dispatch"],
    "extension": ["file", "dispatch", "request_extension"],
    "returned": ["file", "dispatch", "return"],
    "handled": ["file", "dispatch", "handle"],
    "rework": ["file", "dispatch", "handle", "verify_fail"],
    "verified": ["file", "dispatch", "handle", "verify_pass"],
    "closed": ["file", "dispatch", "handle", "verify_pass", "close"],
    "closed_after_rework": ["file", "dispatch", "handle", "verify_fail", "handle", "verify_pass", "close"],
    "community_closed": ["take", "handle", "verify_pass", "close"],
    "community_open": ["take"],
    "not_filed": ["not_file"],
}
NOTES = {"return": "非本部门职责，请改派", "request_extension": "需采购配件，申请延期一天", "handle": "已到场处置完毕",
         "verify_fail": "现场复核仍未解决", "not_file": "经核实不属于受理范围", "take": "", "file": "", "dispatch": ""}
DESCRIPTIONS = ["现场发现，需尽快处理", "居民反映多日未解决", "巡查时拍照上报", "影响通行，请处理", "夜间尤其严重"]


def _photo(rng: random.Random, label: str) -> bytes:
    img = Image.new("RGB", (640, 480), tuple(rng.randint(60, 200) for _ in range(3)))
    ImageDraw.Draw(img).rectangle([200, 150, 440, 330], outline=(255, 255, 255), width=6)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


class Command(BaseCommand):
    help = "在演示区生成几十个处于不同环节的演示案件"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=40)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--force", action="store_true", help="已有案件时仍然生成")

    def handle(self, *args, **o):
        if Case.objects.exists() and not o["force"]:
            self.stdout.write("已有案件，跳过（--force 可再生成）。")
            return
        rng = random.Random(o["seed"])
        workers = list(Role.objects.filter(role=R.GRID_WORKER, region__geometry__isnull=False)
                       .select_related("user", "region").order_by("region__code"))
        if not workers:
            raise CommandError("没有网格员：请先运行 civicgrid seed-demo")
        workers = workers[:12]
        cats = list(Category.objects.filter(active=True, department_code__in=["URB", "POL"]))
        community_cats = list(Category.objects.filter(active=True, default_tier=W.COMMUNITY))
        now = timezone.now()
        made = 0
        for i in range(o["count"]):
            target = list(PATHS)[i % len(PATHS)]
            seat = rng.choice(workers)
            grid = seat.region
            lng, lat = self._point_in(grid, rng)
            community = target.startswith("community")
            cat = rng.choice(community_cats if community else cats)
            start = now - dt.timedelta(days=rng.uniform(0.05, 25))
            case = S.intake(seat.user, channel="grid_worker", category=cat, description=f"{cat.name}：{rng.choice(DESCRIPTIONS)}",
                            lng=lng, lat=lat, photos=[_photo(rng, cat.name)], now=start)
            t = start
            for action in PATHS[target]:
                t = min(now, t + dt.timedelta(hours=rng.uniform(0.1, 6)))
                case = self._step(case, action, t, seat.user, rng)
                if case is None:
                    break
            made += 1
        swept = S.sweep()
        self.stdout.write(self.style.SUCCESS(f"已生成 {made} 个演示案件；期限巡检：{swept}"))

    def _point_in(self, grid, rng):
        for _ in range(200):
            lng = rng.uniform(grid.min_lng, grid.max_lng)
            lat = rng.uniform(grid.min_lat, grid.max_lat)
            found = geo.grid_at(lng, lat)
            if found is not None and found.pk == grid.pk:
                return round(lng, 6), round(lat, 6)
        return grid.label_lng, grid.label_lat

    def _actor(self, case, action, worker):
        if action in ("verify_pass", "verify_fail"):
            return worker
        rows = [r for r in W.rows(case.state, action)]
        roles = rows[0].roles if rows else ()
        if R.DEPARTMENT_HANDLER in roles:
            seat = Role.objects.filter(role=R.DEPARTMENT_HANDLER, department_unit=case.assigned_unit).first()
        elif R.COMMUNITY_STAFF in roles and (action == "take" or case.tier == W.COMMUNITY):
            seat = Role.objects.filter(role=R.COMMUNITY_STAFF, region=case.community).first()
        elif case.tier == W.DISTRICT and action != "file":
            seat = Role.objects.filter(role=R.DISTRICT_COMMANDER, region=case.district).first()
        else:
            seat = Role.objects.filter(role=R.STREET_DISPATCHER, region=case.street).first()
        return seat.user if seat else None

    def _step(self, case, action, t, worker, rng):
        actor = self._actor(case, action, worker)
        if actor is None:
            return None
        kw = {}
        if action == "dispatch":
            kw["unit"] = S.suggested_unit(case) or S.dispatch_units(actor, case).first()
            if kw["unit"] is None:
                return None
        if action == "request_extension":
            kw["hours"] = 7
        if action in ("handle", "verify_pass", "verify_fail"):
            kw["photos"] = [_photo(rng, action)]
        note = NOTES.get(action, "")
        if action == "handle" and case.tier == W.COMMUNITY:
            note = "社区已协调解决"
        try:
            return S.act(actor, case, action, note=note or ("已处理" if action == "handle" else ""), now=t, **kw)
        except Exception as exc:  # a demo path that does not fit this case: leave it where it is
            self.stderr.write(f"{case.number} 停在“{case.state_label}”：{exc}")
            return None
