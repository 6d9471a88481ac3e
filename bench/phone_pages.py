"""Phone pages on Regular 3G: cold transferred bytes, DOMContentLoaded and load, and the time to
report with a 2.2 MB photo, in Chromium with the DevTools protocol's network throttling.

Builds a demo district (seed-demo, seed-cases) in a throw-away var dir (and the database in
DATABASE_URL when one is given, as `make bench` does), runs collectstatic (hashed names, Brotli/gzip
copies) and serves it with DEBUG off, the way production serves (WhiteNoise compresses static
files, GZipMiddleware the HTML). Each page is loaded in a fresh browser context (cold cache) at
390×844 under Regular 3G (750 kbit/s down, 250 kbit/s up, 100 ms).

Pages: the grid worker's report form, my grid, a case page; the resident's /r/ step 1 (phone),
/r/ step 2 (report form, phone verified), /r/follow/; and the command centre's KPI board (goal
≤ 350 KB). Baseline in the same run: the same pages with compression refused
(Accept-Encoding: identity), i.e. what the bytes would be without it.

Prints a table, then as its last line one JSON object:
  {"bench": "phone_pages", "ratio": worst phone page bytes / 60 KB (≤ 1 passes), ...}
Run: .venv/bin/python bench/phone_pages.py   (about 2–3 minutes)
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
BUDGET = 60 * 1024
BOARD_BUDGET = 350 * 1024
PASSWORD = "civicgrid-demo"
REGULAR_3G = {"offline": False, "latency": 100, "downloadThroughput": 750 * 1000 / 8, "uploadThroughput": 250 * 1000 / 8}
BIN = Path(sys.executable).parent
CIVICGRID = [str(BIN / "civicgrid")] if (BIN / "civicgrid").exists() else [sys.executable, "-m", "civicgrid"]


def sh(args, env):
    subprocess.run(CIVICGRID + args, env=env, check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(var: Path) -> dict:
    env = dict(os.environ, CIVICGRID_VAR_DIR=str(var), DEBUG="0", PYTHONPATH=str(ROOT / "src"),
               CIVICGRID_SMS_BACKEND="civicgrid.core.sms.MemorySMSBackend")
    var.mkdir(parents=True, exist_ok=True)
    t = time.monotonic()
    sh(["migrate", "--noinput", "-v0"], env)
    sh(["seed-demo"], env)
    sh(["seed-cases"], env)
    sh(["collectstatic", "--noinput", "-v0"], env)
    print(f"demo data and collectstatic: {time.monotonic() - t:.0f} s", file=sys.stderr)
    return env


def serve(env, port):
    proc = subprocess.Popen(CIVICGRID + ["runserver", f"127.0.0.1:{port}", "--noreload"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def django_setup(env):
    os.environ.update({k: env[k] for k in ("CIVICGRID_VAR_DIR", "DEBUG")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def resident_session(phone: str) -> str:
    """A session in which the resident's phone is verified (the SMS step, done here directly)."""
    from importlib import import_module

    from django.conf import settings
    from django.utils import timezone

    from civicgrid.core import session_secrets  # the phone is kept encrypted in the session

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    session_secrets.put(store, "resident_phone", phone)
    store["resident_phone_at"] = timezone.now().timestamp()
    store.create()
    return store.session_key


def measure(browser, base, path, *, login=None, cookies=(), identity=False, phone=True):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1440, "height": 900}
    ctx = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                              is_mobile=phone, has_touch=phone, device_scale_factor=2 if phone else 1)
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    if login:
        page.goto(base + "/login/")
        page.fill("#id_username", login)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda u: "/login/" not in u)
    if cookies:
        ctx.add_cookies([{"name": n, "value": v, "url": base} for n, v in cookies])
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", REGULAR_3G)
    if identity:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    sizes, urls = {}, {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    response = page.goto(base + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }""")
    status = response.status if response else 0
    ctx.close()
    files = sorted(((sizes[k], urls.get(k, "?").replace(base, "")) for k in sizes), reverse=True)
    return {"status": status, "bytes": int(sum(sizes.values())), "requests": len(sizes),
            "dcl_ms": round(timing["dcl"]), "load_ms": round(timing["load"]), "largest": files[:3]}


def report_with_photo(browser, base, photo: Path) -> dict:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    ctx.set_default_timeout(120_000)
    page = ctx.new_page()
    page.goto(base + "/login/")
    page.fill("#id_username", "demo-grid")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login/" not in u)
    page.goto(base + "/cases/report/")
    page.select_option("#id_category", index=1)
    page.fill("#id_description", "楼前路灯不亮（性能测试）")
    page.select_option("#id_grid", index=1)
    page.set_input_files("#id_photos", str(photo))
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", REGULAR_3G)
    t = time.monotonic()
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/cases/2*/")
    page.wait_for_selector("#case-state")
    elapsed = time.monotonic() - t
    ctx.close()
    return {"photo_bytes": photo.stat().st_size, "submit_s": round(elapsed, 2)}


def main():
    from tests.e2e.phone_network import phone_photo

    tmp = Path(tempfile.mkdtemp(prefix="phone-pages-"))
    proc = None
    try:
        env = prepare(tmp / "var")
        django_setup(env)
        from civicgrid.cases.models import Case
        from civicgrid.core.models import User

        worker = User.objects.get(username="demo-grid")
        case = Case.objects.order_by("-created_at").first()
        mine = Case.objects.filter(reporter=worker).order_by("-created_at").first() or case
        port = free_port()
        proc = serve(env, port)
        base = f"http://127.0.0.1:{port}"
        resident = [("sessionid", resident_session("13912345678"))]
        pages = {
            "worker: report form /cases/report/": dict(path="/cases/report/", login="demo-grid"),
            "worker: my grid /cases/grid/": dict(path="/cases/grid/", login="demo-grid"),
            "worker: case page": dict(path=f"/cases/{mine.number}/", login="demo-grid"),
            "resident: /r/ step 1 (phone)": dict(path="/r/"),
            "resident: /r/ step 2 (report form)": dict(path="/r/", cookies=resident),
            "resident: /r/follow/": dict(path="/r/follow/"),
        }
        from playwright.sync_api import sync_playwright

        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        results, baseline = {}, {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for name, spec in pages.items():
                spec = dict(spec)
                path = spec.pop("path")
                results[name] = measure(browser, base, path, **spec)
                baseline[name] = measure(browser, base, path, identity=True, **spec)
            board = measure(browser, base, "/dashboard/board/", login="demo-commander", phone=False)
            board_identity = measure(browser, base, "/dashboard/board/", login="demo-commander", phone=False, identity=True)
            photo = phone_photo(tmp / "IMG_20261127_101500.jpg")
            submit = report_with_photo(browser, base, photo)
            browser.close()
        print(f"{'page':40} {'status':>6} {'bytes':>8} {'identity':>9} {'req':>4} {'DCL ms':>7} {'load ms':>8}")
        assert results["resident: /r/ step 2 (report form)"]["bytes"] > results["resident: /r/ step 1 (phone)"]["bytes"]
        for name, r in results.items():
            print(f"{name:40} {r['status']:>6} {r['bytes']:>8} {baseline[name]['bytes']:>9} {r['requests']:>4} "
                  f"{r['dcl_ms']:>7} {r['load_ms']:>8}")
        print(f"{'commander: KPI board (desk)':40} {board['status']:>6} {board['bytes']:>8} {board_identity['bytes']:>9} "
              f"{board['requests']:>4} {board['dcl_ms']:>7} {board['load_ms']:>8}")
        print(f"report with a {submit['photo_bytes']} B photo on Regular 3G: {submit['submit_s']} s")
        worst = max(results, key=lambda k: results[k]["bytes"])
        slowest = max(results, key=lambda k: results[k]["load_ms"])
        print(json.dumps({
            "bench": "phone_pages",
            "pages": {k: {x: v[x] for x in ("bytes", "dcl_ms", "load_ms", "requests")} for k, v in results.items()},
            "baseline_identity_bytes": {k: v["bytes"] for k, v in baseline.items()},
            "worst_page": worst, "worst_bytes": results[worst]["bytes"], "budget_bytes": BUDGET,
            "slowest_page": slowest, "slowest_load_ms": results[slowest]["load_ms"],
            "board_bytes": board["bytes"], "board_identity_bytes": board_identity["bytes"],
            "board_ratio": round(board["bytes"] / BOARD_BUDGET, 3),
            "photo_submit_s": submit["submit_s"], "photo_bytes": submit["photo_bytes"],
            "ratio": round(results[worst]["bytes"] / BUDGET, 3),
        }, ensure_ascii=False))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
