"""Benchmark: the window's worklist and the applicant's status page over 1,000,000 applications.

    bash scripts/with-postgres.sh .venv/bin/python bench/affairs.py [--rows 1000000] [--queries 200]

Builds its own data in the database DATABASE_URL names (SQLite if unset): a district of 4 streets
× 5 communities, one department with its units, one catalogue item, a window per community, and
--rows applications spread over the windows and the past year (90 % delivered, the rest in every
open state), each with two events. Rows are loaded with COPY on PostgreSQL and executemany on SQLite
(personal data encrypted once per pool value, as a real row would carry it), so loading a million
takes minutes, not hours.

Measured, each in the same run beside its baseline:
  worklist — what the clerk's desk runs (selectors.window_worklist: 待补正, 待送达, 今日收件, through
             visible_to for the clerk's seat) vs the plain indexed queries on region_id;
  status   — what /r/affairs/<number>/ runs (selectors.public_application by number + phone hash,
             the public timeline, the open notice) vs a plain lookup by number and its events;
  pages    — the two pages rendered through Django's test client (templates included): p95, and the
             median CPU time this process spent on each (the page's own work, apart from the load).
The last line printed is one JSON object; goals: ratio ≤ 2 and page p95 < 150 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
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
os.environ.setdefault("CIVICGRID_VAR_DIR", tempfile.mkdtemp(prefix="cg-bench-affairs-"))

STATES = ["delivered"] * 90 + ["correction", "review", "review", "decide", "decide", "deliver", "deliver", "rejected",
                               "rejected", "withdrawn"]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


CPU = {}  # page name → CPU seconds of this process per rendering (the page's own work, whatever the load)


def timed_page(name, fn, n):
    out = []
    for _ in range(n):
        c, t = time.process_time(), time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
        CPU.setdefault(name, []).append(time.process_time() - c)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--reuse", action="store_true",
                    help="measure the applications an earlier run left in this database (no loading)")
    ap.add_argument("--profile", action="store_true",
                    help="also print every SQL query of each rendered page with its time, and EXPLAIN ANALYZE "
                         "of those above 2 ms")
    args = ap.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    Path(os.environ["CIVICGRID_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    if args.reuse:
        clerk, region, samples, n_rows, load_s = _existing()
    else:
        clerk, region, samples, n_rows, load_s = _build(args)
    _measure(args, clerk, region, samples, n_rows, load_s)


def _existing():
    """What an earlier run loaded: its clerk, the clerk's community, and sample numbers with their phones."""
    from civicgrid.affairs.models import Application
    from civicgrid.core.models import User

    clerk = User.objects.get(username="bench-clerk")
    region = clerk.roles.get().region
    n_rows = Application.objects.filter(number__startswith="YM").count()
    step = n_rows // 50 or 1
    numbers = [f"YM{i:012d}" for i in range(0, n_rows, step)]
    samples = [(a.number, a.phone) for a in Application.objects.filter(number__in=numbers).order_by("number")]
    return clerk, region, samples, n_rows, 0.0


def _build(args):
    from django.db import connection
    from django.utils import timezone

    from civicgrid.affairs import services
    from civicgrid.affairs import workflow as W
    from civicgrid.affairs.models import Application
    from civicgrid.core.crypto import encrypt, lookup_hash
    from civicgrid.core.models import Role, User
    from civicgrid.departments.models import Department, DepartmentUnit

    if Application.objects.exists():
        sys.exit("数据库中已有办件：请在空库中运行（scripts/with-postgres.sh 会创建临时库），或用 --reuse")
    rng = random.Random(args.seed)
    city = _region("990100", "基准市", "city", None)
    district = _region("990198", "基准区", "district", city)
    streets = [_region(f"990198{s:03d}000", f"基准{s}街道", "street", district) for s in range(1, 5)]
    communities = [_region(f"{st.code[:9]}{c:03d}", f"基准{st.code[8]}-{c}社区", "community", st)
                   for st in streets for c in range(1, 6)]
    dept = Department.objects.create(code="990198-CIV", name="基准区民政局", district=district)
    unit = DepartmentUnit.objects.create(department=dept, name="基准区民政局", region=district)
    version = services.publish(None, code="BM-001", name="高龄津贴", department=dept, legal_basis="基准测试",
                               materials=[{"code": "id", "name": "身份证", "form": "copy"}],
                               fields=[{"key": "name", "label": "姓名", "type": "text", "required": True}],
                               limits={"review": 5, "decide": 10, "deliver": 3}, total_days=15, result_kind="payment")
    windows = [services.save_window(None, region=c, name=f"{c.name}窗口") for c in communities]
    clerk = User.objects.create_user("bench-clerk", password="bench-pass-1234")
    Role.objects.create(user=clerk, role=W.CLERK, region=communities[0])

    # Pools: encrypting a million names and phones one by one would measure Fernet, not the page.
    phones = [f"1390000{i:04d}" for i in range(2000)]
    phone_enc = [encrypt(p) for p in phones]
    phone_hash = [lookup_hash(p) for p in phones]
    name_enc = [encrypt(n) for n in ("张桂兰", "王秀英", "李建国", "刘玉梅", "陈德明", "杨春生")]
    form_enc = encrypt('{"name": "张桂兰"}')
    now = timezone.now()
    t0 = time.perf_counter()
    cols = ["number", "item_id", "item_version_id", "department_id", "unit_id", "tier", "window_id", "region_id",
            "street_id", "district_id", "applicant_name", "phone", "phone_hash", "id_number", "id_hash", "form_data",
            "prefill_consent", "created_at", "started_at", "total_due", "paused_step", "paused_hours", "corrections",
            "escalations", "decided_at", "decision_on_time", "result_number", "reject_reason", "reject_basis",
            "delivery_method", "signed_by", "updated_at", "state", "version", "due_at", "warn_at", "is_warned",
            "is_overdue", "overdue_count"]
    samples = []

    def rows():
        for i in range(args.rows):
            w = i % len(windows)
            c = communities[w]
            created = now - dt.timedelta(seconds=rng.randint(0, 365 * 86400))
            state = rng.choice(STATES)
            k = rng.randrange(len(phones))
            open_ = state not in ("delivered", "rejected", "withdrawn")
            due = created + dt.timedelta(days=7) if open_ and state != "correction" else None
            number = f"YM{i:012d}"
            if i % (args.rows // 50 or 1) == 0:
                samples.append((number, phones[k]))
            yield [number, version.item_id, version.pk, dept.pk, unit.pk if state in ("decide", "deliver", "delivered") else None,
                   "street", windows[w].pk, c.pk, c.parent_id, district.pk, name_enc[i % len(name_enc)], phone_enc[k],
                   phone_hash[k], "", "", form_enc, False, created, created, created + dt.timedelta(days=21),
                   "review" if state == "correction" else "", 0.0, 0, 0,
                   created + dt.timedelta(days=5) if state in ("delivered", "rejected", "deliver") else None,
                   True if state in ("delivered", "rejected", "deliver") else None, "", "", "", "", "", created, state,
                   2, due, due, False, bool(due and due < now), 0]

    _load(connection, "affairs_application", cols, rows())
    ids = list(Application.objects.order_by("pk").values_list("pk", "created_at"))
    ev_cols = ["application_id", "seq", "action", "from_state", "to_state", "actor_name", "actor_role", "at", "note",
               "data"]

    def events():
        for pk, created in ids:
            yield [pk, 1, "accept", "", "review", "窗口", W.CLERK, created, "", "{}"]
            yield [pk, 2, "pass_review", "review", "decide", "审核", W.REVIEWER, created + dt.timedelta(days=2), "", "{}"]

    _load(connection, "affairs_applicationevent", ev_cols, events())
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE affairs_application; ANALYZE affairs_applicationevent; ANALYZE regions_region")
    load_s = time.perf_counter() - t0
    print(f"loaded {len(ids)} applications and {2 * len(ids)} events in {load_s:.0f}s", file=sys.stderr)
    return clerk, communities[0], samples, len(ids), load_s


def _measure(args, clerk, region, samples, n_rows, load_s):
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from civicgrid.affairs import selectors
    from civicgrid.affairs import workflow as W
    from civicgrid.affairs.models import Application, ApplicationEvent
    from civicgrid.core import session_secrets

    # -- the window's worklist ---------------------------------------------------------------------------------
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))

    def ours_worklist():
        d = selectors.window_worklist(clerk)
        return [[a.number for a in d[k]] for k in ("correction", "deliver", "today")]

    n_desk = selectors.DESK_ROWS  # the desk reads one row more than it shows, to know there are more

    def base_worklist():
        base = Application.objects.select_related("item", "region").filter(region_id=region.pk)
        return [[a.number for a in base.filter(state=W.CORRECTION).order_by("-created_at", "-id")[:n_desk + 1]][:n_desk],
                [a.number for a in base.filter(state=W.DELIVER).order_by("due_at", "id")[:n_desk + 1]][:n_desk],
                [a.number for a in base.filter(created_at__gte=start).order_by("-created_at", "-id")[:n_desk + 1]][:n_desk]]

    assert ours_worklist() == base_worklist()

    # -- the applicant's status page ----------------------------------------------------------------------------
    def ours_status(number, phone):
        a = selectors.public_application(number, phone)
        timeline = selectors.public_timeline(a)
        notice = a.notices.filter(resolved_at__isnull=True).last()
        return a.number, len(timeline), notice

    def base_status(number, phone):
        a = Application.objects.select_related("item", "item_version", "window", "department").get(number=number)
        timeline = list(ApplicationEvent.objects.filter(application=a).order_by("seq"))
        notice = a.notices.filter(resolved_at__isnull=True).last()
        return a.number, len(timeline), notice

    for s in samples[:5]:
        assert ours_status(*s) == base_status(*s)
    n = args.queries
    t_ours_w, t_base_w = [], []
    for _ in range(n):  # interleaved, so both see the same caches
        t_ours_w += timed(ours_worklist, 1)
        t_base_w += timed(base_worklist, 1)
    t_ours_s, t_base_s = [], []
    for i in range(n):
        s = samples[i % len(samples)]
        t_ours_s += timed(lambda: ours_status(*s), 1)
        t_base_s += timed(lambda: base_status(*s), 1)

    # -- the pages, rendered ---------------------------------------------------------------------------------------
    staff = Client()
    staff.force_login(clerk)
    public = Client()

    def follow(number, phone):
        """What the follow form leaves in the applicant's session (not timed: the page is)."""
        session = public.session
        session["affairs_number"] = number
        session_secrets.put(session, "affairs_phone", phone)
        session.save()

    def open_status(number, phone):
        follow(number, phone)
        return _ok(public.get(f"/r/affairs/{number}/"))

    if args.profile:
        _profile(connection, "desk /affairs/", lambda: _ok(staff.get("/affairs/")))
        _profile(connection, "status /r/affairs/<number>/", lambda: open_status(*samples[1]))
    page_desk = timed_page("worklist", lambda: _ok(staff.get("/affairs/")), n // 2)
    page_status = []
    for i in range(n // 2):
        number, phone = samples[i % len(samples)]
        follow(number, phone)
        page_status += timed_page("status", lambda: _ok(public.get(f"/r/affairs/{number}/")), 1)

    ms = lambda xs, p: round(pct(xs, p) * 1000, 2)  # noqa: E731
    out = {
        "bench": "affairs", "database": connection.vendor, "applications": n_rows, "load_average": os.getloadavg()[0], "load_s": round(load_s, 1),
        "worklist_ms_median": round(statistics.median(t_ours_w) * 1000, 2), "worklist_ms_p95": ms(t_ours_w, 95),
        "worklist_baseline_ms_median": round(statistics.median(t_base_w) * 1000, 2),
        "worklist_baseline_ms_p95": ms(t_base_w, 95),
        "status_ms_median": round(statistics.median(t_ours_s) * 1000, 2), "status_ms_p95": ms(t_ours_s, 95),
        "status_baseline_ms_median": round(statistics.median(t_base_s) * 1000, 2),
        "status_baseline_ms_p95": ms(t_base_s, 95),
        "page_worklist_ms_p95": ms(page_desk, 95), "page_status_ms_p95": ms(page_status, 95),
        "page_worklist_ms_median": ms(page_desk, 50), "page_status_ms_median": ms(page_status, 50),
        # CPU of this process (Django, templates, the driver) per page: what the page costs on an idle
        # machine less the database's own time; on a saturated one the wall clock is several times it.
        "page_worklist_cpu_ms_median": ms(CPU["worklist"], 50), "page_status_cpu_ms_median": ms(CPU["status"], 50),
    }
    out["worklist_ratio"] = round(statistics.median(t_ours_w) / statistics.median(t_base_w), 2)
    out["status_ratio"] = round(statistics.median(t_ours_s) / statistics.median(t_base_s), 2)
    out["ratio"] = max(out["worklist_ratio"], out["status_ratio"])
    out["ok"] = out["ratio"] <= 2 and max(out["page_worklist_ms_p95"], out["page_status_ms_p95"]) < 150
    print(json.dumps(out, ensure_ascii=False))


def _profile(connection, name, render):
    """Every query one rendering of the page makes, slowest first; EXPLAIN ANALYZE of the slow ones."""
    render()  # warm: sessions, caches
    timings = []

    def wrapper(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - t, sql, params))

    t0 = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        render()
    total = time.perf_counter() - t0
    in_db = sum(t for t, _, _ in timings)
    print(f"== {name}: {total * 1000:.1f} ms, {len(timings)} queries, {in_db * 1000:.1f} ms in them", file=sys.stderr)
    for t, sql, params in sorted(timings, key=lambda x: -x[0]):
        print(f"  {t * 1000:7.2f} ms  {sql[:300]}", file=sys.stderr)
        if t > 0.002 and connection.vendor == "postgresql" and sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("      " + "\n      ".join(r[0] for r in cur.fetchall()), file=sys.stderr)


def _ok(resp):
    assert resp.status_code == 200, resp.status_code
    return resp


def _load(connection, table, cols, rows, batch=20000):
    """COPY on PostgreSQL; executemany in batches on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        return
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    buf = []
    with connection.cursor() as cur:
        for r in rows:
            buf.append(r)
            if len(buf) >= batch:
                cur.executemany(sql, buf)
                buf.clear()
        if buf:
            cur.executemany(sql, buf)


def _region(code, name, level, parent):
    from civicgrid.regions.models import Region

    r = Region(code=code, name=name, level=level, parent=parent)
    r.path = r.compute_path()
    r.save()
    return r


if __name__ == "__main__":
    main()
