"""Open311 POST requests.json under the production configuration, beside a bare endpoint, same run.

    python bench/open311_throughput.py            (makes its own throw-away PostgreSQL database
                                                   through scripts/with-postgres.sh when DATABASE_URL
                                                   is not a PostgreSQL one)

ours: gunicorn (the production configuration, deploy/gunicorn.conf.py, with 2 workers; BENCH_GUNICORN=sync
      for 2 plain sync workers) serving civicgrid.wsgi with CIVICGRID_ENV=production (persistent,
      health-checked database connections), POST /open311/v2/requests.json with an api_key: the
      whole intake (key lookup, grid lookup, duplicate check, deadline, number, event, audit,
      notifications, rollup deltas, live row, request token), one transaction per request.
bare: the same gunicorn settings serving bench/bare_wsgi.py: parse the form, INSERT one row with
      psycopg in its own transaction.
Each is driven by 8 client threads sending BENCH_N (2,000) requests, in BENCH_ROUNDS (4) turns that
alternate between bare and ours (see interleaved()), in two scenarios: "fresh" (points spread over
the district, five categories) and "hot" (every request at one spot, one category, on top of 10,000
earlier open cases there). Afterwards the rows are counted against the answers: every request
answered 200 has exactly one row, nothing else has one.
Prints requests/s, p50/p95 (ms) and ratio = ours / bare per scenario; the last line is JSON.
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("BENCH_N", 2000))
THREADS = int(os.environ.get("BENCH_THREADS", 8))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 4))  # bare and ours take turns, N / ROUNDS requests a turn
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
HOT_EARLIER = int(os.environ.get("BENCH_HOT_EARLIER", 10_000))
HISTORY = int(os.environ.get("BENCH_HISTORY", 10_000))
HOT_POINT = (116.0051, 39.9051)  # grid A1a of the test territory
APP = "bench-app"


def production_env() -> dict:
    """What `CIVICGRID_ENV=production` refuses to start without, fresh for this run."""
    from cryptography.fernet import Fernet

    return {
        "CIVICGRID_ENV": "production", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "CIVICGRID_DATA_KEYS": Fernet.generate_key().decode(), "CIVICGRID_LOOKUP_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "CIVICGRID_SSL_REDIRECT": "0", "CIVICGRID_HSTS_SECONDS": "0",
        "CIVICGRID_VAR_DIR": tempfile.mkdtemp(prefix="cg-o311-"), "LOG_LEVEL": "ERROR",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The production configuration (deploy/gunicorn.conf.py: its worker class and threads) with WORKERS
# workers, for both servers; BENCH_GUNICORN=sync runs plain sync workers instead (the first
# measurement). Either way ours and bare run under the same settings.
GUNICORN = os.environ.get("BENCH_GUNICORN", "production")


def gunicorn_settings() -> str:
    if GUNICORN == "sync":
        return f"{WORKERS} sync workers"
    conf = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 - our own config file
    return f"{WORKERS} workers × {conf.get('threads', 1)} threads (deploy/gunicorn.conf.py)"


def start_gunicorn(app: str, port: int, env: dict, chdir: Path) -> subprocess.Popen:
    # `python -m gunicorn`: found wherever this interpreter finds the package (the venv, PYTHONPATH).
    cmd = [sys.executable, "-m", "gunicorn"]
    if GUNICORN == "sync":
        cmd += ["-w", str(WORKERS), "-k", "sync", "--timeout", "60"]
    else:
        cmd += ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
        env = {**env, "WEB_CONCURRENCY": str(WORKERS)}
    cmd += ["-b", f"127.0.0.1:{port}", "--chdir", str(chdir), app]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def wait_ready(port: int, path: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server on {port} exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on {port} did not answer in {timeout}s")


def post(port: int, path: str, form: dict, headers: dict | None = None, timeout: float = 60):
    body = urlencode(form).encode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def drive(port: int, path: str, forms: list[dict], threads: int = THREADS) -> dict:
    """POST every form once from `threads` threads; returns timings and answers."""
    answers: list = [None] * len(forms)
    latencies: list = [0.0] * len(forms)
    nxt = iter(range(len(forms)))
    lock = threading.Lock()

    def run():
        while True:
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            t0 = time.perf_counter()
            try:
                answers[i] = post(port, path, forms[i])
            except OSError as exc:
                answers[i] = (0, str(exc).encode())
            latencies[i] = time.perf_counter() - t0

    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    ths = [threading.Thread(target=run) for _ in range(threads)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    return {"wall": time.perf_counter() - t0, "load": load, "answers": answers, "latencies": latencies}


def summary(runs: list[dict]) -> dict:
    """One side's figures over its rounds: requests answered 200 per second of the rounds' summed wall
    time, latency percentiles over every answered request."""
    answers = [a for r in runs for a in r["answers"]]
    latencies = [x for r in runs for x in r["latencies"]]
    wall = sum(r["wall"] for r in runs)
    ok = [i for i, a in enumerate(answers) if a and a[0] == 200]
    lat = sorted(latencies[i] * 1000 for i in ok) or [0.0]
    return {"n": len(answers), "ok": len(ok), "failed": len(answers) - len(ok), "rps": round(len(ok) / wall, 1),
            "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1),
            "seconds": round(wall, 1), "loadavg_1m": round(max(r["load"] for r in runs), 2), "answers": answers,
            "errors": sorted({a[1][:200].decode("utf-8", "replace") for a in answers if a and a[0] != 200})[:5]}


def interleaved(sides: dict[str, tuple[int, str, list[dict]]], rounds: int = ROUNDS) -> dict[str, dict]:
    """Drive every side's forms in `rounds` slices, the sides taking turns (and opening turns in
    alternate rounds), so that both meet the machine as it is at that minute: on a shared 2-core
    machine the speed of the same code drifts by a third from one minute to the next, and a side
    measured whole, before the other, carries that drift into the ratio."""
    names = list(sides)
    runs: dict[str, list] = {n: [] for n in names}
    for k in range(rounds):
        for name in (names if k % 2 == 0 else names[::-1]):
            port, path, forms = sides[name]
            lo, hi = len(forms) * k // rounds, len(forms) * (k + 1) // rounds
            runs[name].append(drive(port, path, forms[lo:hi]))
    return {n: summary(r) for n, r in runs.items()}


def _earlier_case(number: str, source: str, category, place, lng: float, lat: float, created, state: str,
                  description: str, **more):
    """A case row as intake leaves it, for the bulk loads below (its place already located)."""
    from civicgrid.cases.models import Case

    return Case(number=number, channel="hotline", source=source, category=category, description=description,
                lng=lng, lat=lat, region=place.region, grid=place.grid, community=place.community,
                street=place.street, district=place.district, state=state, tier=category.default_tier,
                created_at=created, version=1, **more)


def seed_history(n: int, categories) -> None:
    """n earlier cases spread over the district, 4 to 34 days old and closed: the table a district's
    intake works on (a city's holds millions, nearly all of them closed), none of them within the
    duplicate check's 72 hours, so the fresh scenario's points stay fresh. Without them intake would
    be measured on a table that starts empty, where PostgreSQL's first plans (kept by each
    connection for its prepared statements) are made for an empty table."""
    from django.utils import timezone

    from civicgrid.cases import workflow as W
    from civicgrid.cases.models import Case
    from civicgrid.regions import locate

    now = timezone.now()
    rng = random.Random(4)
    batch = []
    for i in range(n):
        lng, lat = rng.uniform(116.0005, 116.0395), rng.uniform(39.9005, 39.9195)
        created = now - dt.timedelta(days=4 + 30 * i / n)
        batch.append(_earlier_case(f"H{i + 1:09d}", "bench-history", categories[i % len(categories)],
                                   locate.require(lng=lng, lat=lat), lng, lat, created, W.CLOSED, f"先前的案件 {i}",
                                   closed_at=created + dt.timedelta(hours=20)))
    Case.objects.bulk_create(batch, batch_size=2000)


def seed_hot_spot(n: int, category, place) -> None:
    """n open cases of one category at one spot, the two days before, flagged as duplicates of the first
    (as intake flags them): what a hot spot looks like when the next calls come in."""
    from django.db import transaction
    from django.utils import timezone

    from civicgrid.cases import workflow as W
    from civicgrid.cases.models import Case

    now = timezone.now()
    day = timezone.localdate(now) - dt.timedelta(days=2)
    rng = random.Random(5)

    def case(i, root=None):
        created = now - dt.timedelta(hours=24.5 + 22 * (n - i) / n)  # before today: today's board is ours alone
        return _earlier_case(f"{day:%Y%m%d}{i + 1:05d}", "bench-hot", category, place,
                             HOT_POINT[0] + rng.uniform(-2e-4, 2e-4), HOT_POINT[1] + rng.uniform(-2e-4, 2e-4),
                             created, W.REPORTED, f"工地夜间施工噪声扰民（先前来电 {i}）", possible_duplicate=root,
                             due_at=created + dt.timedelta(hours=1), accept_due=created + dt.timedelta(hours=1))

    with transaction.atomic():
        root = case(0)
        root.save()
        batch = [case(i, root) for i in range(1, n)]
        Case.objects.bulk_create(batch, batch_size=2000)


def forms_for(run: str, n: int, codes: list[str], key: str, hot: bool) -> list[dict]:
    rng = random.Random(run)
    out = []
    for i in range(n):
        if hot:
            lng, lat, code = HOT_POINT[0] + rng.uniform(-1e-4, 1e-4), HOT_POINT[1] + rng.uniform(-1e-4, 1e-4), codes[0]
        else:
            lng, lat, code = rng.uniform(116.0005, 116.0395), rng.uniform(39.9005, 39.9195), codes[i % len(codes)]
        out.append({"api_key": key, "service_code": code, "lat": f"{lat:.6f}", "long": f"{lng:.6f}",
                    "description": f"{run} 第{i}件 路面问题", "first_name": "明", "last_name": "王"})
    return out


def check_rows(run: str, forms: list[dict], answers: list, bare: bool) -> dict:
    """Rows for the run against the answers: lost = answered 200 without a row; duplicated = a
    request with more than one row; unanswered requests may have a row (counted, not an error)."""
    from django.db import connection

    with connection.cursor() as cur:
        if bare:
            cur.execute("SELECT description, COUNT(*) FROM bench_bare WHERE description LIKE %s GROUP BY description",
                        [f"{run} %"])
        else:
            cur.execute("SELECT description, COUNT(*) FROM cases_case WHERE source = %s AND description LIKE %s "
                        "GROUP BY description", [f"open311:{APP}", f"{run} %"])
        rows = dict(cur.fetchall())
    ok = {f["description"] for f, a in zip(forms, answers) if a and a[0] == 200}
    return {"rows": sum(rows.values()), "lost": len(ok - rows.keys()), "duplicated": sum(1 for v in rows.values() if v > 1),
            "extra_without_answer": len(rows.keys() - ok)}


def main() -> None:
    import importlib.util

    if importlib.util.find_spec("gunicorn") is None:
        raise SystemExit("gunicorn is not installed: pip install -e '.[scale]' (or put it on PYTHONPATH)")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        os.execvp("bash", ["bash", str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, *sys.argv])
    env_prod = production_env()
    os.environ.update(env_prod)
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from civicgrid.api import services as api_services
    from civicgrid.cases.models import Case, Category
    from civicgrid.regions import locate
    from tests.factories import build_territory

    t = build_territory()
    key = api_services.create_client(None, name=APP, region=t.district)[1]
    codes = list(Category.objects.filter(active=True, kind__in=("component", "event"))
                 .order_by("code").values_list("code", flat=True)[:5])
    seed_history(HISTORY, list(Category.objects.filter(code__in=codes)))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # as autovacuum would after the load (this bench's server may run without it)
        cur.execute("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, service_code text, lat double precision, "
                    "lng double precision, description text, api_key text, created_at timestamptz DEFAULT now())")
    connection.close()

    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "BARE_DATABASE_URL": url}
    ours_port, bare_port = free_port(), free_port()
    servers = [start_gunicorn("civicgrid.wsgi", ours_port, env, ROOT),
               start_gunicorn("bare_wsgi:application", bare_port, env, ROOT / "bench")]
    path = "/open311/v2/requests.json"
    results = {}
    try:
        wait_ready(ours_port, "/open311/v2/services.json", servers[0])
        wait_ready(bare_port, "/", servers[1])
        warm = forms_for("warm", 40, codes, key, hot=False)
        interleaved({"bare": (bare_port, "/", warm), "ours": (ours_port, path, warm)}, rounds=1)
        for scenario in os.environ.get("BENCH_SCENARIOS", "fresh,hot").split(","):
            if scenario == "hot":
                place = locate.require(lng=HOT_POINT[0], lat=HOT_POINT[1])
                seed_hot_spot(HOT_EARLIER, Category.objects.get(code=codes[0]), place)
                # The statistics autovacuum would have a minute after this bulk load: without them a
                # server keeps the plan it made for the near-empty table (cases/services.py _pg_prefetch).
                with connection.cursor() as cur:
                    cur.execute("ANALYZE cases_case")
                connection.close()
            forms = forms_for(scenario, N, codes, key, hot=scenario == "hot")
            bare_forms = [{**f, "description": "bare" + f["description"]} for f in forms]
            both = interleaved({"bare": (bare_port, "/", bare_forms), "ours": (ours_port, path, forms)})
            bare, ours = both["bare"], both["ours"]
            bare_rows = check_rows("bare" + scenario, bare_forms, bare.pop("answers"), bare=True)
            ours_rows = check_rows(scenario, forms, ours.pop("answers"), bare=False)
            results[scenario] = {"ours": {**ours, **ours_rows}, "bare": {**bare, **bare_rows},
                                 "ratio": round(ours["rps"] / bare["rps"], 3) if bare["rps"] else None}
    finally:
        for s in servers:
            try:
                os.killpg(s.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for s in servers:
            try:
                s.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(s.pid, signal.SIGKILL)

    from django.utils import timezone

    from civicgrid.dashboard import figures

    day = timezone.localdate()
    board, raw = figures.board(t.district, day, day), figures.board_raw(t.district, day, day)
    exact = board["totals"] == raw["totals"] and board["by_day_channel"] == raw["by_day_channel"]
    print(f"Open311 POST, gunicorn {gunicorn_settings()}, {THREADS} client threads, {N} requests per run, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    for scenario, r in results.items():
        for side in ("bare", "ours"):
            s = r[side]
            print(f"  {scenario:5} {side:4}: {s['rps']:7.1f} req/s  p50 {s['p50_ms']:6.1f} ms  p95 {s['p95_ms']:6.1f} ms"
                  f"  ok {s['ok']}/{s['n']}  rows {s['rows']}  lost {s['lost']}  duplicated {s['duplicated']}"
                  f"  (load {s['loadavg_1m']})")
        print(f"  {scenario:5} ratio ours/bare = {r['ratio']}")
    print(f"  board of the district today equals the raw count: {exact}; cases in all: {Case.objects.count()}")
    print(json.dumps({"bench": "open311_throughput", "n": N, "threads": THREADS, "workers": WORKERS,
                      "gunicorn": gunicorn_settings(),
                      "board_exact": exact, **results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
