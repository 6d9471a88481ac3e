"""Benchmark: importing residents, and finding them by a name fragment.

    bash scripts/with-postgres.sh .venv/bin/python bench/people.py [--rows 1000000] [--queries 60]

Builds its own data in the database DATABASE_URL names (SQLite if unset): a territory of 4
communities, then a CSV of --rows synthetic residents (valid GB 11643 numbers under the invented
area code 990199, phones, registration, community) imported through the real pipeline
(importer.create_job + run: read, map, validate, check digit, duplicate checks, encrypt, hash,
bulk insert, index maintenance). Rows carry no building/room, so per-room creation is not measured.

Search: name fragments of 1–3 characters sampled from the imported names, each run as the list page
needs it (count + first 30 by name), two ways in the same run:
  ours     — the gram index (GIN on PostgreSQL / FTS5 on SQLite) + LIKE recheck, as selectors do;
  baseline — the same two queries with only `name LIKE '%fragment%'` (a sequential scan).
Both must return the same count. The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import csv
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
os.environ.setdefault("CIVICGRID_VAR_DIR", tempfile.mkdtemp(prefix="cg-bench-people-"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    Path(os.environ["CIVICGRID_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    from civicgrid.core.models import User
    from civicgrid.people import demo, idnumbers, importer, selectors
    from civicgrid.people.models import Person
    from civicgrid.regions.models import Region

    if Person.objects.exists():
        sys.exit("数据库中已有居民：请在空库中运行（scripts/with-postgres.sh 会创建临时库）")
    rng = random.Random(args.seed)
    root = _region("990100", "基准市", "city", None)
    district = _region("990199", "基准区", "district", root)
    street = _region("990199001000", "基准街道", "street", district)
    communities = [_region(f"990199001{i:03d}", f"基准{i}社区", "community", street) for i in range(1, 5)]
    admin = User.objects.create_superuser("bench-admin", password="bench-pass-1234")

    path = Path(tempfile.mkdtemp()) / "residents.csv"
    t0 = time.perf_counter()
    base = dt.date(1930, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "性别", "身份证号", "联系电话", "户籍类别", "社区"])
        for i in range(args.rows):
            sex = "M" if i % 2 else "F"
            birth = base + dt.timedelta(days=i % 32000)
            seq = ((i // 32000) % 500) * 2 + (1 if sex == "M" else 0)
            w.writerow([demo._name(rng, sex), "男" if sex == "M" else "女", idnumbers.make("990199", birth, seq),
                        demo._phone(rng), rng.choice(["户籍", "户籍", "户籍", "流动", "境外"]),
                        communities[i % 4].name])
    gen_s = time.perf_counter() - t0

    class Upload:
        name = "residents.csv"

        def chunks(self):
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    yield block

    t0 = time.perf_counter()
    job = importer.create_job(admin, Upload(), "residents")
    job.mode, job.status = "accept_good", "queued"
    job.save(update_fields=["mode", "status"])
    job = importer.run(job.pk)
    import_s = time.perf_counter() - t0
    assert job.status == "done", (job.status, job.error)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE people_person")
    print(f"imported {job.accepted} rows ({job.rejected} rejected) in {import_s:.1f}s", file=sys.stderr)

    names = list(Person.objects.order_by("?").values_list("name", flat=True)[:args.queries * 3]) \
        if connection.vendor == "postgresql" else \
        [n for n, in Person.objects.filter(pk__in=[rng.randint(1, job.accepted) for _ in range(args.queries * 3)])
         .values_list("name")]
    fragments = []
    for i, name in enumerate(names[:args.queries]):
        n = 1 + i % 3
        n = min(n, len(name))
        start = rng.randint(0, len(name) - n)
        fragments.append(name[start:start + n])

    def ours(frag):
        qs = selectors.search_people(admin, frag).order_by("name", "id")
        return qs.count(), list(qs.values_list("pk", flat=True)[:30])

    def baseline(frag):
        qs = Person.objects.filter(name__contains=frag, anonymised_at__isnull=True,
                                   moved_out__isnull=True).order_by("name", "id")
        return qs.count(), list(qs.values_list("pk", flat=True)[:30])

    for frag in fragments[:3]:  # warm caches equally for both
        ours(frag), baseline(frag)
    t_ours, t_base = [], []
    for frag in fragments:
        t = time.perf_counter(); a = ours(frag); t_ours.append(time.perf_counter() - t)
        t = time.perf_counter(); b = baseline(frag); t_base.append(time.perf_counter() - t)
        assert a == b, (frag, a[0], b[0])

    def pct(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

    out = {
        "bench": "people", "database": connection.vendor, "rows": args.rows, "imported": job.accepted,
        "generate_csv_s": round(gen_s, 1), "import_s": round(import_s, 1),
        "import_rows_per_s": round(job.accepted / import_s, 1),
        "queries": len(fragments), "fragment_lengths": "1,2,3 characters in turn",
        "search_ms_median": round(statistics.median(t_ours) * 1000, 2),
        "search_ms_p95": round(pct(t_ours, 95) * 1000, 2),
        "seqscan_ms_median": round(statistics.median(t_base) * 1000, 2),
        "seqscan_ms_p95": round(pct(t_base, 95) * 1000, 2),
    }
    out["ratio_median"] = round(out["seqscan_ms_median"] / out["search_ms_median"], 1)
    out["ratio_p95"] = round(out["seqscan_ms_p95"] / out["search_ms_p95"], 1)
    print(json.dumps(out, ensure_ascii=False))


def _region(code, name, level, parent):
    from civicgrid.regions.models import Region

    r = Region(code=code, name=name, level=level, parent=parent)
    r.path = r.compute_path()
    r.save()
    return r


if __name__ == "__main__":
    main()
