"""KPI board: the district-year board read from the rollups, beside the same figures counted from
the raw cases and events, in one run on one database.

    bash scripts/with-postgres.sh .venv/bin/python bench/kpi.py [--cases N] [--repeat R] [--skip-load]

Loads N cases (default 5,000,000) with `seed-load`'s bulk mode into the demo district (created
first when missing), a year up to now; then times figures.board(district, last 365 days) (rollups)
and figures.board_raw(...) (raw tables, the same figures), each R times (best kept), checks the
two results are identical, and runs the reconciliation over two sample days without fixing.
ratio = raw_s / rollup_s. Prints one JSON object as the last line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=int(os.environ.get("KPI_CASES", 5_000_000)))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-load", action="store_true", help="use the cases already in the database")
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from civicgrid.cases.models import Case, CaseEvent
    from civicgrid.dashboard import figures, seed
    from civicgrid.dashboard.models import DailyRollup
    from civicgrid.dashboard.reconcile import reconcile
    from civicgrid.regions import demo
    from civicgrid.regions.models import Region

    call_command("migrate", verbosity=0)
    if not demo.demo_exists():
        demo.seed()
    district = Region.objects.get(code=demo.DISTRICT_CODE)
    load = None
    if not args.skip_load:
        def progress(done, total, secs):
            if done % 500_000 < 50_000 or done == total:
                print(f"  loaded {done:,}/{total:,} in {secs:.0f} s", flush=True)

        load = seed.load(args.cases, district=district, days=365, progress=progress)
        print(f"seed-load: {load['cases']:,} cases, {load['events']:,} events, write {load['write_s']} s, "
              f"rollups {load['derive_s']} s, indexes {load['index_s']} s, total {load['total_s']} s", flush=True)
    n_cases = Case.objects.count()
    n_events = CaseEvent.objects.count()
    n_rollup = DailyRollup.objects.count()
    end = timezone.localdate()
    start = end - dt.timedelta(days=364)
    now = timezone.now()

    def timed(fn):
        best, result = None, None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = fn(district, start, end, now=now)
            took = time.perf_counter() - t0
            best = took if best is None else min(best, took)
        return best, result

    rollup_s, from_rollups = timed(figures.board)
    print(f"rollups: {rollup_s:.3f} s", flush=True)
    raw_s, from_raw = timed(figures.board_raw)
    print(f"raw:     {raw_s:.3f} s", flush=True)
    agree = from_rollups == from_raw
    if not agree:
        for k in from_rollups:
            if from_rollups[k] != from_raw[k]:
                print(f"DIFFERENT {k}: rollups {str(from_rollups[k])[:300]} raw {str(from_raw[k])[:300]}")
    # The board page also shows the previous period and the hotline's three rates (响应率 from the
    # rollups, 解决率 and 满意率 from the call-backs), so time the whole of the page's data too.
    from civicgrid.core.models import User
    from civicgrid.dashboard import selectors

    commander = User.objects.filter(username="demo-commander").first()
    page_s = None
    if commander is not None:
        t0 = time.perf_counter()
        selectors.board_for(commander, district, selectors.Period(start, end))
        page_s = time.perf_counter() - t0
        print(f"board page data (rollups + previous year + hotline rates): {page_s:.3f} s", flush=True)
    sample = end - dt.timedelta(days=40)
    t0 = time.perf_counter()
    run = reconcile(sample, sample + dt.timedelta(days=1), fix=False, live=False)
    reconcile_s = time.perf_counter() - t0
    print(f"reconcile of {sample}..{sample + dt.timedelta(days=1)}: {run.rows_checked} rows checked, "
          f"{run.rows_fixed} differ ({reconcile_s:.1f} s)")
    out = {"bench": "kpi", "db": connection.vendor, "cases": n_cases, "events": n_events, "rollup_rows": n_rollup,
           "period_days": 365, "reported_in_period": from_rollups["totals"]["reported"],
           "rollup_s": round(rollup_s, 4), "raw_s": round(raw_s, 4),
           "ratio": round(raw_s / rollup_s, 1) if rollup_s else None, "agree": agree,
           "reconcile_sample_diffs": run.rows_fixed,
           "board_page_s": None if page_s is None else round(page_s, 3),
           "load_s": load["total_s"] if load else None}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
