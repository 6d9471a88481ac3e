"""The top navigation, from every app's manifest: which entries a visitor or user sees, with badges."""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from .manifest import each, resolve
from .scoping import has_role, sees_everything


def entries_for(user) -> list[dict]:
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
        badges = resolve(e.badge)(user) if (e.badge and authenticated) else []
        out.append({"label": e.label, "url": url, "css": e.css, "badges": badges})
    return out
