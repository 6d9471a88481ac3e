"""Content-Security-Policy and Permissions-Policy on every HTML response; no inline script anywhere.

The walk takes every URL pattern without parameters from the resolver (so a new page is covered
without being listed here), as an anonymous visitor and as a district commander.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import civicgrid

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def _plain_routes(patterns=None, prefix=""):
    """Every route that takes no parameter, as a path."""
    out = []
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(p.pattern)
        if "<" in route or "(?P" in route or "^" in route and "(" in route:
            continue
        route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
        if isinstance(p, URLResolver):
            out += _plain_routes(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            out.append("/" + prefix + route)
    return sorted(set(out))


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _check_html_response(path, response):
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"{path}: no Content-Security-Policy"
    d = _directives(csp)
    script = d.get("script-src", d.get("default-src"))
    assert script == ["'self'"], f"{path}: script-src {script}"
    assert "'unsafe-inline'" not in csp.split("style-src")[0], path
    assert "'unsafe-eval'" not in csp, path
    assert d["object-src"] == ["'none'"] and d["frame-ancestors"] == ["'none'"], path
    pp = response.headers.get("Permissions-Policy", "")
    assert "geolocation=(self)" in pp and "camera=()" in pp and "microphone=()" in pp, f"{path}: {pp}"
    html = response.content.decode("utf-8", "replace")
    assert not INLINE_SCRIPT.search(html), f"{path}: inline <script>: {INLINE_SCRIPT.search(html).group(0)}"
    assert not HANDLER_ATTR.search(html), f"{path}: on* attribute: {HANDLER_ATTR.search(html).group(0)[:120]}"
    assert not JS_URL.search(html), f"{path}: javascript: URL"


def test_the_walk_finds_the_main_pages():
    routes = _plain_routes()
    for must in ["/regions/roster/", "/regions/map/", "/cases/report/", "/dashboard/board/", "/r/", "/login/"]:
        assert must in routes
    assert len(routes) > 30


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "commander", "worker_A1a"])
def test_every_html_page_carries_csp_without_inline_script(client, territory, who):
    if who != "anonymous":
        client.force_login(territory.users[who])
    seen = 0
    for path in _plain_routes():
        if path.startswith(("/api/v1/", "/media/")) or "logout" in path:
            continue
        response = client.get(path, follow=False)
        if response.headers.get("Content-Type", "").startswith("text/html") and response.status_code < 500:
            _check_html_response(path, response)
            seen += 1
    assert seen >= 15  # the walk really looked at pages, not only redirects


@pytest.mark.django_db
def test_error_pages_and_api_docs_carry_the_policy_too(client, territory):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    docs = client.get("/api/v1/docs")
    if docs.status_code == 200:
        _check_html_response("/api/v1/docs", docs)


def test_no_template_has_inline_script_or_handler():
    root = Path(civicgrid.__file__).parent
    bad = []
    for tpl in root.rglob("*.html"):
        text = tpl.read_text(encoding="utf-8")
        for rx in (INLINE_SCRIPT, HANDLER_ATTR, JS_URL):
            m = rx.search(text)
            if m:
                bad.append(f"{tpl.relative_to(root)}: {m.group(0)[:80]}")
    assert bad == []


def test_static_files_are_compressed_by_collectstatic(tmp_path, settings):
    """collectstatic writes Brotli and gzip copies and hashed names: what WhiteNoise/nginx serve."""
    from django.core.management import call_command

    # Django's setting_changed handler gives staticfiles a fresh storage on the temporary root.
    settings.STATIC_ROOT = tmp_path / "static"
    # Django's and ninja's own assets (1 MB+ of API docs) are left out only to keep the test quick.
    call_command("collectstatic", "--noinput", "-i", "admin", "-i", "ninja", verbosity=0)
    out = settings.STATIC_ROOT
    board = list((out / "vendor" / "echarts").glob("echarts.board.min.*.js"))
    assert board, "hashed ECharts bundle missing"
    assert (out / "vendor" / "echarts" / "echarts.board.min.js.br").exists()
    assert (out / "vendor" / "leaflet" / "leaflet.js.gz").exists()
    assert not (out / "vendor" / "echarts" / "echarts.min.js").exists()  # the full 1 MB build is gone
    # The board's ECharts bundle, as sent to a browser that accepts Brotli, is well under budget.
    assert (out / "vendor" / "echarts" / "echarts.board.min.js.br").stat().st_size < 200_000
