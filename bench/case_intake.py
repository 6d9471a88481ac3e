"""Case intake: cases per second through services.intake beside a bare insert of the same rows.

ours: services.intake(actor, channel="grid_worker", category, description, lng, lat) — grid lookup
      from the point, community/street/district, working-time acceptance deadline, duplicate check,
      daily serial number, the intake event, the audit entry and the supervisors' inbox rows, one
      transaction per case (as a grid worker's phone submits them).
raw:  Case.objects.create(...) of the rows ours produced (same field values, fresh numbers), one
      transaction per row: what an insert costs with no rules at all.
ratio = ours_per_s / raw_per_s (so 0.25 means intake does four inserts' worth of work per case).

Runs on DATABASE_URL (use scripts/with-postgres.sh for a throw-away PostgreSQL) or a temporary
SQLite file. Builds its own territory (the test suite's 8-grid district) and prints one JSON object
as the last line.
"""
from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["CIVICGRID_VAR_DIR"] = tempfile.mkdtemp(prefix="cg-bench-")
os.environ.setdefault("LOG_LEVEL", "ERROR")

N = int(os.environ.get("BENCH_N", 2000))


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from civicgrid.cases import services as S
    from civicgrid.cases.models import Case, Category
    from civicgrid.regions.models import Region

    if not Region.objects.filter(code="110108").exists():
        from tests.factories import build_territory

        build_territory()
    from civicgrid.core.models import User

    worker = User.objects.get(username="worker_A1a")
    cats = list(Category.objects.filter(code__in=["01037", "03004", "06042", "09006", "01001"]))
    rng = random.Random(1)
    # Points all over the district (the worker's district); about one in ten lands close to an
    # earlier one of the same class, so the duplicate check does find candidates.
    points = [(rng.uniform(116.0005, 116.0395), rng.uniform(39.9005, 39.9195)) for _ in range(N)]
    S.intake(worker, channel="grid_worker", category=cats[0], description="warm-up", lng=116.005, lat=39.905)

    t0 = time.perf_counter()
    made = []
    for i, (lng, lat) in enumerate(points):
        made.append(S.intake(worker, channel="grid_worker", category=cats[i % len(cats)],
                             description=f"巡查发现问题 {i}", lng=lng, lat=lat).pk)
    ours = time.perf_counter() - t0

    # The same path without other apps' receivers (the dashboard's rollups subscribe to every event),
    # to show what cases itself costs; reported beside, not instead of, the real figure.
    from civicgrid.cases import signals

    saved = signals.case_event_appended.receivers
    signals.case_event_appended.receivers = []
    signals.case_event_appended.sender_receivers_cache.clear()
    t0 = time.perf_counter()
    for i, (lng, lat) in enumerate(points[: N // 2]):
        S.intake(worker, channel="grid_worker", category=cats[i % len(cats)], description=f"无订阅 {i}", lng=lng, lat=lat)
    bare_service = time.perf_counter() - t0
    signals.case_event_appended.receivers = saved
    signals.case_event_appended.sender_receivers_cache.clear()

    rows = list(Case.objects.filter(pk__in=made).values())
    now = timezone.now()
    t0 = time.perf_counter()
    for i, r in enumerate(rows):
        r = {k: v for k, v in r.items() if k not in ("id", "number", "requester_phone")}
        with transaction.atomic():
            Case.objects.create(number=f"B{i:012d}", requester_phone="", **{**r, "created_at": now})
    raw = time.perf_counter() - t0

    result = {"bench": "case_intake", "db": connection.vendor, "n": N,
              "ours_per_s": round(N / ours, 1), "raw_per_s": round(N / raw, 1),
              "ratio": round((N / ours) / (N / raw), 3),
              "ours_without_receivers_per_s": round((N // 2) / bare_service, 1)}
    print(f"intake through services: {result['ours_per_s']} cases/s; bare insert: {result['raw_per_s']} rows/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
