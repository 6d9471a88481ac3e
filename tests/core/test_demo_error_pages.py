"""The demo shows the project's Chinese error pages (issue 13 item 16), with static files still served."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_make_demo_serves_without_debug_and_keeps_static_files():
    demo = ROOT.joinpath("Makefile").read_text(encoding="utf-8").split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    run = next(line for line in demo.splitlines() if "civicgrid runserver" in line)
    assert re.search(r"\bDEBUG=0\b", run) and "--insecure" in run


@pytest.mark.django_db
def test_unknown_page_is_the_chinese_404_without_a_url_list(client, settings):
    settings.DEBUG = False
    r = client.get("/no-such-page/")
    html = r.content.decode()
    assert r.status_code == 404 and "页面不存在" in html and "URLconf" not in html and "admin/" not in html


def test_runserver_insecure_serves_static_without_debug(settings):
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    settings.DEBUG = False
    handler = StaticFilesHandler(WSGIHandler())  # what runserver --insecure wraps the app in
    request = RequestFactory().get("/static/civicgrid/app.css")
    response = handler.serve(request)
    assert response.status_code == 200
