"""Benchmark: today's care due lists for 200,000 people in care plans, beside one plain query.

    bash scripts/with-postgres.sh .venv/bin/python bench/care_due.py [--people 200000] [--repeat 5]

Builds its own data in the database DATABASE_URL names (SQLite if unset): one street of 4
communities, --people residents each with a care plan and the three default rhythms (日电话、周上门、
月访视: 3 rows per person), kept by 1 helper per 250 people and 1 social worker per 1,000, with their
windows spread as a running month leaves them. Rows are bulk-inserted (nothing here is measured).

Measured, each --repeat times, in the same run:
  ours     — selectors.due_in_scope(district commander, today): the scoped due list over the stored
             window (`next_due <= today`, jurisdiction through the plan's region path), fetched as the
             supervisor page and the per-worker lists need it (rhythm, worker, person name, kind, window);
  baseline — one plain SQL query of the same rows: the same joins and `next_due <= today`, no scope,
             no ORM, fetchall.
Both must return the same rows. Also printed: one helper's own list (selectors.due) as the phone page
runs it. "Today" is the next working day when the run falls on a day off. The last line printed is one JSON object; the goal is ratio ≤ 2.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
os.environ.setdefault("CIVICGRID_VAR_DIR", tempfile.mkdtemp(prefix="cg-bench-care-"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    Path(os.environ["CIVICGRID_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    from civicgrid.care import rhythms as RH
    from civicgrid.care import selectors, services
    from civicgrid.care import workflow as W
    from civicgrid.care.models import CarePlan, Rhythm
    from civicgrid.core import roles as R
    from civicgrid.core.models import Role, User
    from civicgrid.people.models import Person

    if CarePlan.objects.exists():
        sys.exit("数据库中已有关爱计划：请在空库中运行（scripts/with-postgres.sh 会创建临时库）")
    rng = random.Random(args.seed)
    root = _region("990100", "基准市", "city", None)
    district = _region("990199", "基准区", "district", root)
    street = _region("990199001000", "基准街道", "street", district)
    communities = [_region(f"990199001{i:03d}", f"基准{i}社区", "community", street) for i in range(1, 5)]
    commander = User.objects.create_user(username="bench-commander", display_name="指挥中心")
    Role.objects.create(user=commander, role=R.DISTRICT_COMMANDER, region=district)
    helpers, socials = [], []
    n_helpers, n_socials = max(1, args.people // 250), max(1, args.people // 1000)
    for i in range(n_helpers):
        u = User.objects.create_user(username=f"bench-helper-{i}", display_name=f"助老员{i}")
        Role.objects.create(user=u, role=W.CARE_HELPER, region=communities[i % 4])
        helpers.append(u)
    for i in range(n_socials):
        u = User.objects.create_user(username=f"bench-social-{i}", display_name=f"社工{i}")
        Role.objects.create(user=u, role=W.SOCIAL_WORKER, region=communities[i % 4])
        socials.append(u)

    cal = services.calendar()
    # The lists of a working day (on a weekend or holiday only the every-day rhythms would be due).
    today = timezone.localdate()
    today = today if cal.is_working_day(today) else cal.next_working_day(today)
    windows = {}
    for kind in RH.DEFAULT_KINDS:  # the windows a month of work leaves: the current one or the next
        spec = RH.KINDS[kind]
        cur = RH.window_from(spec.period, spec.working_days, today, cal)
        nxt = RH.window_after_period_of(spec.period, spec.working_days, cur[1], cal)
        windows[kind] = (cur, nxt)
    t0 = time.perf_counter()
    batch = 20_000
    surnames, given = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高", "秀英桂兰建国玉梅德明春生丽娟凤英国华海燕"
    for start in range(0, args.people, batch):
        with transaction.atomic():
            people = []
            for i in range(start, min(args.people, start + batch)):
                c = communities[i % 4]
                people.append(Person(name=rng.choice(surnames) + given[rng.randrange(0, len(given), 2):][:2],
                                     community=c, region=c, synthetic=True))
            Person.objects.bulk_create(people, batch_size=5000)
            plans = CarePlan.objects.bulk_create(
                [CarePlan(person=p, region=p.community, community=p.community, started_on=today) for p in people],
                batch_size=5000)
            rows = []
            for j, plan in enumerate(plans):
                idx = start + j
                for kind in RH.DEFAULT_KINDS:
                    spec = RH.KINDS[kind]
                    done = rng.random() < (0.3 if kind == "daily_call" else 0.6)
                    a, b = windows[kind][1 if done else 0]
                    worker = socials[idx % len(socials)] if spec.worker_kind == RH.SOCIAL_WORKER else \
                        helpers[idx % len(helpers)]
                    rows.append(Rhythm(plan=plan, kind=kind, period=spec.period, contact=spec.contact,
                                       working_days=spec.working_days, worker=worker, worker_kind=spec.worker_kind,
                                       next_due=a, due_by=b))
            Rhythm.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"built {args.people} plans / {3 * args.people} rhythms in {time.perf_counter() - t0:.1f}s", file=sys.stderr)

    fields = ("pk", "worker_id", "plan__person__name", "kind", "next_due", "due_by")

    def ours():
        return list(selectors.due_in_scope(commander, today).values_list(*fields))

    sql = ("SELECT r.id, r.worker_id, p.name, r.kind, r.next_due, r.due_by FROM care_rhythm r "
           "JOIN care_careplan c ON c.id = r.plan_id JOIN people_person p ON p.id = c.person_id "
           "WHERE r.active AND c.ended_on IS NULL AND r.next_due <= %s ORDER BY r.worker_id, r.due_by, r.kind")

    def baseline():
        with connection.cursor() as cur:
            cur.execute(sql, [today])
            return cur.fetchall()

    def timed(fn):
        t = time.perf_counter()
        rows = fn()
        return time.perf_counter() - t, rows

    ours_t, base_t = [], []
    for _ in range(args.repeat):
        t, a = timed(baseline)
        base_t.append(t)
        t, b = timed(ours)
        ours_t.append(t)
    assert sorted(r[0] for r in a) == sorted(r[0] for r in b), "ours and baseline differ"
    helper = helpers[0]
    one = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        mine = list(selectors.due(helper, today))
        one.append(time.perf_counter() - t)
    out = {"bench": "care_due", "db": connection.vendor, "people": args.people, "rhythms": 3 * args.people,
           "due_rows": len(a), "ours_ms": round(statistics.median(ours_t) * 1000, 1),
           "baseline_ms": round(statistics.median(base_t) * 1000, 1),
           "ratio": round(statistics.median(ours_t) / statistics.median(base_t), 2),
           "one_helper_rows": len(mine), "one_helper_ms": round(statistics.median(one) * 1000, 2), "goal": "ratio <= 2"}
    print(json.dumps(out, ensure_ascii=False))


def _region(code, name, level, parent):
    from civicgrid.regions.models import Region

    r = Region(code=code, name=name, level=level, parent=parent)
    r.path = r.compute_path()
    r.save()
    return r


if __name__ == "__main__":
    main()
