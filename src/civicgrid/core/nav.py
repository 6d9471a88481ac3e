"""The top navigation, from every app's manifest: which entries a visitor or user sees, with badges."""
from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from .manifest import each, resolve
from .scoping import has_role, sees_everything


def entries_for(user, session=None) -> list[dict]:
    """`session`: the visitor's session, whose version number (bumped by the user's own posts) is part
    of the kept badges' key."""
    authenticated = bool(getattr(user, "is_authenticated", False))
    out = []
    for _m, e in sorted(each("nav"), key=lambda pair: pair[1].order):
        if e.anonymous == authenticated:
            continue
        if authenticated and e.roles is not None and not (sees_everything(user) or has_role(user, *e.roles)):
            continue
        try:
            url = reverse(e.url_name)
        except NoReverseMatch:  # an app that is installed without its pages
            continue
        out.append({"label": e.label, "url": url, "css": e.css, "badge": e.badge if authenticated else None})
    counts = _badges(user, session, [x["badge"] for x in out if x["badge"]])
    for x in out:
        x["badges"] = counts.get(x.pop("badge"), [])
    return out


# Badges are counts (cases waiting, applications due, …) from every app's selectors: about a dozen
# COUNT queries, measured at 40 % of an ordinary page's time. They are kept per user for
# NAV_BADGE_SECONDS (30 s), so what others do shows within that time. The user's own form posts bump
# a number in their session (NavBadgeMiddleware) that is part of the key, so their own work shows at
# once, whichever server process answers next (the cache may be per process; the session is shared).
# Counts only: nothing personal is cached.
VERSION_KEY = "nav_badges_version"


def _key(user, session) -> str:
    version = session.get(VERSION_KEY, 0) if session is not None else 0
    return f"nav-badges:{user.pk}:{version}"


def _badges(user, session, paths: list[str]) -> dict[str, list]:
    if not paths:
        return {}
    def count():
        return {path: resolve(path)(user) for path in paths}

    if not settings.NAV_BADGE_SECONDS:
        return count()
    key = _key(user, session)
    hit = cache.get(key)
    if hit is None or not set(paths) <= hit.keys():
        hit = count()
        cache.set(key, hit, settings.NAV_BADGE_SECONDS)
    return hit


def forget_badges(session) -> None:
    """The user changed something: their next page counts afresh."""
    session[VERSION_KEY] = session.get(VERSION_KEY, 0) + 1
