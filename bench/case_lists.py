"""Lists at millions: worklists, drill-down lists, the case search and the people register.

    DATABASE_URL=… .venv/bin/python bench/case_lists.py [--cases N] [--residents N] [--runs R]

Works on the database DATABASE_URL names (PostgreSQL). Cases: when fewer than --cases are there,
seed-load adds the rest (bulk mode, a year up to now, the demo district — made first if missing).
Residents: when fewer than --residents are there, synthetic residents are COPYed in (names,
search grams, community/grid, registration; no identity numbers or phones — the list pages do not
search those here).

Each scenario is a page a user opens (the user, the view, the filters, the page number). Three
things are timed in the same run, interleaved, R times each:
  page   — the page as served: the real URL through Django's test client (middleware, navigation
           badges, filter choices, the list, the template);
  reads  — the list's own database reads as the page does them now (the selector: rows of the page
           and the count shown, "超过 1,000" or exact);
  before — the same list read the way the page read it before: Django's Paginator over the same
           queryset in the same order (an exact COUNT(*) of every matching row, then OFFSET/LIMIT),
           through the same indexes — the plain indexed query.
ratio = before_p95 / reads_p95, and ratio_p50 the same of the medians (with few runs on a loaded
machine the p95 is the slowest run, mostly the machine's; the median says more about the query).
The goal is page p95 < 150 ms for every scenario. --only TEXT runs the scenarios whose name has it.
The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕玉兰红梅文辉建军晓东春梅国强丹红亮飞鹏宇浩然子涵欣怡梓轩一诺雨桐思远嘉怡俊杰"


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def load_residents(n: int, seed: int) -> float:
    """n synthetic residents by COPY, spread over the demo district's communities and grids."""
    from django.db import connection, transaction
    from django.utils import timezone

    from civicgrid.people.models import name_grams
    from civicgrid.regions.models import Region

    rng = random.Random(seed)
    grids = list(Region.objects.filter(level="grid").values_list("pk", "parent_id"))
    now = timezone.now()
    cols = ["name", "name_grams", "sex", "birth_date", "id_type", "id_number", "id_hash", "phone", "phone_hash",
            "phone_suffix", "registration", "relation", "note", "synthetic", "kept_age_band", "created_at",
            "updated_at", "community_id", "grid_id", "region_id", "moved_out"]
    import datetime as dt

    t0 = time.perf_counter()
    surnames = list(SURNAMES)
    given = [GIVEN[i:i + 1] for i in range(len(GIVEN))] + [GIVEN[i:i + 2] for i in range(0, len(GIVEN) - 1, 2)]
    with transaction.atomic(), connection.cursor() as cur:
        with cur.cursor.copy(f"COPY people_person ({', '.join(cols)}) FROM STDIN") as cp:
            for i in range(n):
                name = rng.choice(surnames) + rng.choice(given) + (rng.choice(given)[:1] if rng.random() < 0.5 else "")
                grid, community = rng.choice(grids)
                birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 80))
                moved_out = now.date() - dt.timedelta(days=rng.randrange(2000)) if rng.random() < 0.05 else None
                cp.write_row((name, name_grams(name), rng.choice("MF"), birth, "resident_id", "", "", "", "", "",
                              rng.choice(["local", "local", "local", "floating"]), "", "", True, "", now, now,
                              community, grid, grid, moved_out))
    with connection.cursor() as cur:
        cur.execute("ANALYZE people_person")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=int(os.environ.get("LIST_CASES", 5_000_000)))
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--only", default="", help="run only the scenarios whose name contains this text")
    args = ap.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from civicgrid.cases import selectors as CS
    from civicgrid.cases.models import Case, Category
    from civicgrid.core import paging
    from civicgrid.core.models import User
    from civicgrid.dashboard import selectors as DS
    from civicgrid.dashboard import seed
    from civicgrid.people import selectors as PS
    from civicgrid.people.models import Person
    from civicgrid.regions import demo
    from civicgrid.regions.models import Region

    if connection.vendor != "postgresql":
        sys.exit("bench/case_lists.py measures PostgreSQL (set DATABASE_URL).")
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if not demo.demo_exists():
        demo.seed()
    district = Region.objects.get(code=demo.DISTRICT_CODE)
    have = Case.objects.count()
    if have < args.cases:
        r = seed.load(args.cases - have, district=district, days=365)
        print(f"seed-load {args.cases - have:,} cases: {r['total_s']} s", flush=True)
    have_p = Person.objects.count()
    if have_p < args.residents:
        print(f"residents: {args.residents - have_p:,} loaded in {load_residents(args.residents - have_p, args.seed):.0f} s",
              flush=True)
    n_cases, n_people = Case.objects.count(), Person.objects.count()
    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    year = f"start={today.replace(year=today.year - 1) + __import__('datetime').timedelta(days=1)}&end={today}"
    street = Region.objects.filter(level="street", path__startswith=district.path).order_by("code").first()
    community = Region.objects.filter(level="community", path__startswith=street.path).order_by("code").first()
    cat = Category.objects.filter(active=True).order_by("code")[3]
    some_number = Case.objects.order_by("-id").values_list("number", flat=True)[500][:10]
    day40 = today - __import__("datetime").timedelta(days=40)
    users = {u.username: u for u in User.objects.filter(username__in=[
        "demo-commander", "demo-admin", "demo-dispatcher", "demo-community", "demo-grid"])}
    commander = users.get("demo-commander") or users["demo-admin"]

    # (name, user, url, before: callable returning (rows, count))
    def worklist(user, params: dict):
        f = CS.Filters.from_query(params)
        page = params.get("page", 1)

        def before():
            p = Paginator(CS.search(user, f, now), 30).get_page(page)
            return list(p), p.paginator.count

        def ours():
            w = CS.worklist_page(user, f, page, now=now)
            return list(w), w.count_label
        return before, ours

    def drill(user, params: dict):
        area = DS.area_for(user, params.get("area", ""))
        period = DS.parse_period(params, default_days=30)

        filters = dict(channel=params.get("channel", ""), category=params.get("category", ""),
                       day=params.get("day", ""), bucket=params.get("bucket", ""))
        figure = params.get("figure", "reported")

        def before():
            qs = DS.cases_behind(user, area, figure, period, **filters)
            p = Paginator(qs, 50).get_page(params.get("page", 1))
            return list(p), p.paginator.count

        def ours():
            qs = DS.cases_behind(user, area, figure, period, **filters)
            w = paging.window(qs, params.get("page", 1), 50, total=DS.rollup_count(area, figure, period, **filters),
                              fetch=DS.cases_by_id)
            return list(w), w.count_label
        return before, ours

    def register(user, params: dict):
        def people():
            return PS.search_people(user, q=params.get("q", ""), community=int(params["community"]) if
                                    params.get("community") else None).order_by("name", "id")

        def before():
            p = Paginator(people(), 30).get_page(params.get("page", 1))
            return list(p), p.paginator.count

        def ours():
            w = paging.window(people(), params.get("page", 1), 30, fetch=PS.people_by_id)
            return list(w), w.count_label
        return before, ours

    from urllib.parse import urlencode

    def params_of(s: str) -> dict:
        from urllib.parse import parse_qsl
        return dict(parse_qsl(s))

    scenarios = []

    def add(name, user, urlname, query, maker):
        scenarios.append((name, user, reverse(urlname) + "?" + query, maker(user, params_of(query))))

    wl, dc, rg = "cases:worklist", "dashboard:cases", "people:index"
    add("worklist: commander, my to-do", commander, wl, "view=todo", worklist)
    add("worklist: commander, all open, page 3", commander, wl, "view=open&page=3", worklist)
    add("worklist: commander, overdue", commander, wl, "view=overdue", worklist)
    add("worklist: commander, all cases", commander, wl, "view=all", worklist)
    add("worklist: commander, all cases, page 40", commander, wl, "view=all&page=40", worklist)
    add("worklist: all, one category", commander, wl, f"view=all&category={cat.code}", worklist)
    add("worklist: all, one street, one month", commander, wl,
        f"view=all&region={street.code}&date_from={today.replace(day=1)}&date_to={today}", worklist)
    add("worklist: all, closed, hotline", commander, wl, "view=all&state=closed&channel=hotline", worklist)
    add("search: case number prefix", commander, wl, f"view=all&q={some_number}", worklist)
    add("search: text in description", commander, wl, f"view=all&q={cat.name[:2]}", worklist)
    if "demo-dispatcher" in users:
        add("worklist: street dispatcher, to-do", users["demo-dispatcher"], wl, "view=todo", worklist)
        add("worklist: street dispatcher, all", users["demo-dispatcher"], wl, "view=all", worklist)
        # The to-do's later pieces, which its first page reads in a street with few overdue cases: the
        # warned ones (by deadline), and the open ones without a deadline (verified, to be closed).
        add("worklist: street dispatcher, to-do, filed", users["demo-dispatcher"], wl, "view=todo&state=filed",
            worklist)
        add("worklist: street dispatcher, to-do, verified", users["demo-dispatcher"], wl,
            "view=todo&state=verified", worklist)
    if "demo-community" in users:
        add("worklist: community staff, to-do", users["demo-community"], wl, "view=todo", worklist)
    if "demo-grid" in users:
        add("worklist: grid worker, all", users["demo-grid"], wl, "view=all", worklist)
    add("drill-down: reported, district, year", commander, dc, f"figure=reported&{year}", drill)
    add("drill-down: reported, district, year, page 5", commander, dc, f"figure=reported&{year}&page=5", drill)
    add("drill-down: closed, district, year, one category", commander, dc,
        f"figure=closed&{year}&category={cat.pk}", drill)
    add("drill-down: closed on time, street, year", commander, dc,
        f"figure=closed_on_time&area={street.code}&{year}", drill)
    add("drill-down: dispatched, district, year", commander, dc, f"figure=dispatched&{year}", drill)
    add("drill-down: filed, community, one day", commander, dc, f"figure=filed&area={community.code}&day={day40}&{year}",
        drill)
    add("drill-down: reworked, district, year", commander, dc, f"figure=reworked&{year}", drill)
    add("drill-down: overdue now, district", commander, dc, "figure=overdue_now", drill)
    admin = users["demo-admin"]
    if Person.objects.exists():
        add("register: surname 王", admin, rg, "q=王", register)
        add("register: name fragment 建国", admin, rg, "q=建国", register)
        add("register: surname 张, page 4", admin, rg, "q=张&page=4", register)
        add("register: one community", admin, rg, f"community={community.pk}", register)

    if args.only:
        scenarios = [s for s in scenarios if args.only in s[0]]
    clients = {}
    for _, user, _, _ in scenarios:
        if user.pk not in clients:
            c = Client()
            c.force_login(user)
            clients[user.pk] = c
    # This process stands for a web worker: its startup objects out of the collector's full passes, as
    # civicgrid/wsgi.py does at a server's start (core/heap.py; without it about one page in ten
    # waited ~100 ms for a full collection over the loaded data and code).
    from civicgrid.core.heap import freeze_startup_objects

    freeze_startup_objects()
    print(f"{n_cases:,} cases, {n_people:,} residents, load average {os.getloadavg()[0]:.1f}", flush=True)
    results = []
    for name, user, url, (before, ours) in scenarios:
        timings = {"page": [], "ours": [], "before": []}
        fns = {"page": lambda: clients[user.pk].get(url), "ours": ours, "before": before}
        for i in range(args.runs):
            for which in (("page", "ours", "before"), ("before", "ours", "page"))[i % 2]:
                if which == "before" and i >= 2 and min(timings["before"]) > 5:
                    continue  # a very slow plain read: two runs tell enough
                t0 = time.perf_counter()
                r = fns[which]()
                timings[which].append(time.perf_counter() - t0)
                if which == "page":
                    assert r.status_code == 200, (name, r.status_code)
        row = {"scenario": name, "page_p95_ms": round(p95(timings["page"]) * 1000, 1),
               "page_p50_ms": round(statistics.median(timings["page"]) * 1000, 1),
               "reads_p95_ms": round(p95(timings["ours"]) * 1000, 1),
               "before_p95_ms": round(p95(timings["before"]) * 1000, 1),
               "reads_p50_ms": round(statistics.median(timings["ours"]) * 1000, 1),
               "before_p50_ms": round(statistics.median(timings["before"]) * 1000, 1),
               "ratio": round(p95(timings["before"]) / p95(timings["ours"]), 1),
               "ratio_p50": round(statistics.median(timings["before"]) / statistics.median(timings["ours"]), 1),
               "runs": len(timings["ours"])}
        results.append(row)
        print(f"{name:52s} page p95 {row['page_p95_ms']:7.1f} ms (p50 {row['page_p50_ms']:6.1f}) | list reads p95 "
              f"{row['reads_p95_ms']:7.1f} ms, before {row['before_p95_ms']:8.1f} ms, ratio {row['ratio']:6.1f}× | "
              f"p50 {row['reads_p50_ms']:7.1f} vs {row['before_p50_ms']:8.1f} ms, ratio {row['ratio_p50']:6.1f}× | "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    worst = max(r["page_p95_ms"] for r in results)
    print(json.dumps({"bench": "case_lists", "cases": n_cases, "residents": n_people, "runs": args.runs,
                      "worst_page_p95_ms": worst, "goal_met": worst < 150,
                      "load_average": round(os.getloadavg()[0], 1), "scenarios": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
