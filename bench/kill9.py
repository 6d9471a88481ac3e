"""Kill -9 under load: nothing lost, nothing made twice.

    python bench/kill9.py        (BENCH_N=10000 by default; makes its own throw-away PostgreSQL
                                  database through scripts/with-postgres.sh; run on demand — minutes)

Two app servers (gunicorn, 2 sync workers each, production configuration) and one task worker run
against one PostgreSQL database. 8 client threads send BENCH_N submissions, half Open311
(POST /open311/v2/requests.json) and half API (POST /api/v1/cases), alternating between the two
servers, each with its own Idempotency-Key. When 40 % are answered, server A is killed with SIGKILL
(master and workers, mid-request) and so is the task worker (while it folds rollups: the script keeps
queueing folds). A request that got no answer (connection reset, refused, timeout, 5xx) is sent
again, same key, to the other server; A and the worker are started again a few seconds later.

Then it proves, from the database:
  - every submission has exactly one case (0 lost, 0 duplicated), whatever happened to its requests;
  - a fold killed inside its transaction (a subprocess stopped by SIGKILL after it has taken the
    deltas) leaves the deltas in place, and the next fold moves them once;
  - the board's figures of the day equal the raw count (no rollup counted twice or lost).
Prints the counts; the last line is JSON.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench")]
import open311_throughput as O  # noqa: E402  (the production configuration and the server helpers)

N = int(os.environ.get("BENCH_N", 10_000))
THREADS = int(os.environ.get("BENCH_THREADS", 8))
KILL_AT = float(os.environ.get("BENCH_KILL_AT", 0.4))


def send(port: int, item: dict, timeout: float = 30):
    import http.client

    headers = {"Idempotency-Key": item["key"]}
    if item["kind"] == "open311":
        return O.post(port, "/open311/v2/requests.json", item["form"], headers, timeout=timeout)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/api/v1/cases", json.dumps(item["json"]).encode(),
                  {"Content-Type": "application/json", "Authorization": f"Bearer {item['token']}", **headers})
        r = c.getresponse()
        return r.status, r.read(), r.getheader("Idempotent-Replayed")
    finally:
        c.close()


def fold_killed_inside_its_transaction(env: dict) -> dict:
    """A fold in a subprocess that stops (sleeps) right after taking the deltas, killed with SIGKILL."""
    from civicgrid.dashboard.models import HeatDelta, RollupDelta

    before = RollupDelta.objects.count() + HeatDelta.objects.count()
    code = ("import os, sys, time, django; sys.path.insert(0, %r); django.setup()\n"
            "from django.db import connection\n"
            "from civicgrid.dashboard import fold\n"
            "def slow(execute, sql, params, many, context):\n"
            "    out = execute(sql, params, many, context)\n"
            "    if 'DELETE' in sql: print('taken', flush=True); time.sleep(60)\n"
            "    return out\n"
            "with connection.execute_wrapper(slow): fold.fold()\n") % str(ROOT / "src")
    p = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    p.send_signal(signal.SIGKILL)
    p.wait()
    time.sleep(1)  # the server notices the dropped connection and rolls its transaction back
    after_kill = RollupDelta.objects.count() + HeatDelta.objects.count()
    from civicgrid.dashboard.fold import fold

    fold()
    return {"deltas_before": before, "subprocess_said": line, "deltas_after_kill": after_kill,
            "deltas_after_next_fold": RollupDelta.objects.count() + HeatDelta.objects.count()}


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        os.execvp("bash", ["bash", str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, *sys.argv])
    os.environ.update(O.production_env())
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from civicgrid.api import services as api_services
    from civicgrid.cases.models import Case
    from civicgrid.dashboard import figures
    from civicgrid.dashboard.tasks import fold_rollups
    from tests.factories import build_territory

    t = build_territory()
    key = api_services.create_client(None, name=O.APP, region=t.district)[1]
    token = api_services.issue_token(None, user=t.users["operator"])[1]
    rng = random.Random(9)
    items = []
    for i in range(N):
        lng, lat = rng.uniform(116.0005, 116.0395), rng.uniform(39.9005, 39.9195)
        desc = f"kill9 #{i} 路面破损"
        if i % 2 == 0:
            items.append({"i": i, "kind": "open311", "key": f"o-{i}", "form": {
                "api_key": key, "service_code": "01037", "lat": f"{lat:.6f}", "long": f"{lng:.6f}", "description": desc}})
        else:
            items.append({"i": i, "kind": "api", "key": f"a-{i}", "token": token, "json": {
                "category_code": "06002", "description": desc, "lng": round(lng, 6), "lat": round(lat, 6)}})
    connection.close()

    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    ports = {"A": O.free_port(), "B": O.free_port()}
    procs = {name: O.start_gunicorn("civicgrid.wsgi", port, env, ROOT) for name, port in ports.items()}

    def start_worker():
        return subprocess.Popen([sys.executable, "-m", "civicgrid", "worker", "--interval", "0.2"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    worker = start_worker()
    for name, port in ports.items():
        O.wait_ready(port, "/open311/v2/services.json", procs[name])
    alive = {"A": True, "B": True}
    stats = {"answered": 0, "attempts": 0, "retries": 0, "replayed": 0, "refused": 0, "no_answer": 0}
    lock = threading.Lock()
    nxt = iter(items)
    done = threading.Event()
    outcome: dict[int, int] = {}

    def client():
        while True:
            with lock:
                item = next(nxt, None)
            if item is None:
                return
            server = "A" if item["i"] % 2 == 0 else "B"
            for attempt in range(40):
                if not alive[server]:
                    server = "B" if server == "A" else "A"
                with lock:
                    stats["attempts"] += 1
                    stats["retries"] += attempt > 0
                try:
                    status, body, *rest = send(ports[server], item)
                except OSError:
                    status, rest = 0, []
                if status in (200, 201):
                    with lock:
                        stats["answered"] += 1
                        stats["replayed"] += bool(rest and rest[0]) if item["kind"] == "api" else 0
                    outcome[item["i"]] = status
                    break
                if 400 <= status < 500:
                    with lock:
                        stats["refused"] += 1
                    outcome[item["i"]] = status
                    break
                with lock:
                    stats["no_answer"] += 1
                server = "B" if server == "A" else "A"
                time.sleep(0.2 + 0.1 * attempt)

    def killer():
        nonlocal worker
        while stats["answered"] < N * KILL_AT and not done.is_set():
            time.sleep(0.05)
        if done.is_set():
            return
        os.killpg(procs["A"].pid, signal.SIGKILL)  # requests in flight on A are cut mid-way
        alive["A"] = False
        os.killpg(worker.pid, signal.SIGKILL)
        stats["killed_at_answered"] = stats["answered"]
        time.sleep(5)
        worker = start_worker()
        procs["A"] = O.start_gunicorn("civicgrid.wsgi", ports["A"], env, ROOT)
        O.wait_ready(ports["A"], "/open311/v2/services.json", procs["A"])
        alive["A"] = True
        stats["restarted_at_answered"] = stats["answered"]

    def folds():  # keep the worker busy folding, so the kill lands in or near a fold
        while not done.is_set():
            try:
                fold_rollups.enqueue()
            except Exception:  # noqa: BLE001 - the database may be busy; the next tick retries
                pass
            time.sleep(0.5)
        connection.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    helpers = [threading.Thread(target=killer), threading.Thread(target=folds)]
    for th in threads + helpers:
        th.start()
    for th in threads:
        th.join()
    done.set()
    for th in helpers:
        th.join()
    wall = time.perf_counter() - t0
    for p in [*procs.values(), worker]:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in [*procs.values(), worker]:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)

    connection.close()
    with connection.cursor() as cur:
        cur.execute("SELECT substring(description from 'kill9 #([0-9]+)')::int AS i, COUNT(*) FROM cases_case "
                    "WHERE description LIKE 'kill9 #%%' GROUP BY 1")
        per_item = dict(cur.fetchall())
    lost = [i for i in range(N) if per_item.get(i, 0) == 0 and outcome.get(i) in (200, 201)]
    unanswered = [i for i in range(N) if i not in outcome]
    duplicated = [i for i, n in per_item.items() if n > 1]
    fold_proof = fold_killed_inside_its_transaction(env)
    day = timezone.localdate()
    board, raw = figures.board(t.district, day, day), figures.board_raw(t.district, day, day)
    exact = board["totals"] == raw["totals"] and board["by_day_channel"] == raw["by_day_channel"]
    result = {"bench": "kill9", "n": N, "seconds": round(wall, 1), **stats, "cases": Case.objects.count(),
              "lost": len(lost), "duplicated": len(duplicated), "unanswered": len(unanswered),
              "fold_killed": fold_proof, "board_exact": exact}
    print(f"{N} submissions (Open311 and API, Idempotency-Key) through 2 servers in {wall:.0f}s; server A and the "
          f"worker killed with SIGKILL at {stats.get('killed_at_answered')} answered, back at "
          f"{stats.get('restarted_at_answered')}")
    print(f"  attempts {stats['attempts']}, without answer {stats['no_answer']}, retried {stats['retries']}, "
          f"refused {stats['refused']}")
    print(f"  cases {Case.objects.count()}: lost {len(lost)}, duplicated {len(duplicated)}, "
          f"never answered {len(unanswered)}")
    print(f"  fold killed inside its transaction: {fold_proof}")
    print(f"  board of the day equals the raw count: {exact}")
    print(json.dumps(result, ensure_ascii=False))
    if lost or duplicated or unanswered or not exact or fold_proof["deltas_after_kill"] != fold_proof["deltas_before"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
