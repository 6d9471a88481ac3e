"""Navigation badges are kept per user for NAV_BADGE_SECONDS (core/nav.py); the user's own form post drops them."""
from __future__ import annotations

from civicgrid.core import nav

from .test_views import login, report


def _todo(user, session=None) -> list:
    entry = next(e for e in nav.entries_for(user, session) if e["url"] == "/cases/")
    return [b for b in entry["badges"] if b[2] == "待办"]


def test_badges_are_kept_until_the_users_own_post(client, t, cats, settings):
    settings.NAV_BADGE_SECONDS = 30
    dispatcher = t.users["dispatcher_A"]
    login(client, dispatcher)
    report(t, cats)
    assert _todo(dispatcher, client.session) == [("1", "", "待办")]

    # Someone else's report: the kept count stands (for up to 30 s).
    report(t, cats, point=(116.0071, 39.9051))
    assert _todo(dispatcher, client.session) == [("1", "", "待办")]

    # The dispatcher's own form post (here one the form refuses) moves their session's badge version
    # on (saved with the session, so every server process sees it): counted again.
    assert client.post("/cases/report/", {}).status_code in (200, 400)
    assert _todo(dispatcher, client.session) == [("2", "", "待办")]
    # The page the server renders next shows it too.
    assert '<span class="badge" title="待办">2</span>' in client.get("/cases/").content.decode()


def test_without_the_cache_every_page_counts_afresh(t, cats, settings):
    settings.NAV_BADGE_SECONDS = 0
    dispatcher = t.users["dispatcher_A"]
    report(t, cats)
    assert _todo(dispatcher) == [("1", "", "待办")]
    report(t, cats, point=(116.0071, 39.9051))
    assert _todo(dispatcher) == [("2", "", "待办")]
