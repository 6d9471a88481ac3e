"""Duplicate check at a hot spot: the time per check with HOT open reports of one class around
one point (a construction site's noise, one blocked road), ours beside the old way.

ours:     cases.services.find_duplicate — the original reports first (partial index case_dup_roots;
          on PostgreSQL case_dup_root_spots, by map cell and class),
          ranked and cut by the database (LIMIT 5), then the few rows checked by great-circle distance.
old:      the check as it was: every case in the bounding box loaded as a Case object and the
          nearest picked in Python (kept here, verbatim in effect, as the baseline).
ratio = old_ms / ours_ms. Also checks both pick the same case.

Runs on DATABASE_URL (scripts/with-postgres.sh) or a temporary SQLite file. BENCH_HOT (12000).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
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

HOT = int(os.environ.get("BENCH_HOT", 12000))
P = (116.005, 39.905)


def old_find_duplicate(S, W, Case, category, *, lng, lat, now):
    meters, hours = 50.0, 72.0
    qs = Case.objects.filter(category=category, state__in=W.OPEN_STATES, created_at__gte=now - dt.timedelta(hours=hours))
    dlat = meters / 111_320
    dlng = meters / (111_320 * max(0.01, math.cos(math.radians(lat))))
    near = qs.filter(lng__range=(lng - dlng, lng + dlng), lat__range=(lat - dlat, lat + dlat)).only("pk", "lng", "lat")
    best = None
    for c in near:
        d = S._meters(lng, lat, c.lng, c.lat)
        if d <= meters and (best is None or d < best[0]):
            best = (d, c.pk)
    return Case.objects.get(pk=best[1]) if best else None


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from civicgrid.cases import services as S
    from civicgrid.cases import workflow as W
    from civicgrid.cases.models import Case, Category
    from civicgrid.core.models import User
    from civicgrid.regions.models import Region

    if not Region.objects.filter(code="110108").exists():
        from tests.factories import build_territory

        build_territory()
    worker = User.objects.get(username="worker_A1a")
    cat = Category.objects.get(code="01037")
    now = timezone.now()
    first = S.intake(worker, channel="grid_worker", category=cat, description="施工噪声", lng=P[0], lat=P[1],
                     now=now - dt.timedelta(hours=1))
    rows = [Case(number=f"HS{i:08d}", channel="grid_worker", category=cat, description="噪声",
                 lng=P[0] + 0.00004 * (1 + i % 13), lat=P[1] + 0.00003 * (i % 11), region=first.region,
                 grid=first.grid, community=first.community, street=first.street, district=first.district,
                 state=W.REPORTED, tier=first.tier, created_at=first.created_at + dt.timedelta(seconds=i % 3000 + 1),
                 possible_duplicate=first, version=1) for i in range(HOT)]  # flagged, as intake flags them
    Case.objects.bulk_create(rows, batch_size=5000)

    def timed(fn, n):
        fn()  # warm
        t0 = time.perf_counter()
        for _ in range(n):
            got = fn()
        return (time.perf_counter() - t0) / n * 1000, got

    ours_ms, ours = timed(lambda: S.find_duplicate(cat, lng=P[0], lat=P[1], now=now), 50)
    old_ms, old = timed(lambda: old_find_duplicate(S, W, Case, cat, lng=P[0], lat=P[1], now=now), 5)
    assert ours.pk == old.pk == first.pk, (ours, old, first)
    print(f"hot spot of {HOT} open reports: ours {ours_ms:.2f} ms per check, old {old_ms:.1f} ms")
    print(json.dumps({"bench": "duplicate_check", "hot": HOT, "db": django.db.connection.vendor,
                      "ours_ms": round(ours_ms, 3), "old_ms": round(old_ms, 2), "ratio": round(old_ms / ours_ms, 1)}))


if __name__ == "__main__":
    main()
