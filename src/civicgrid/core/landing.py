"""What each role sees first: the tiles of every app's manifest (core/manifest.py), so core knows no app.

`register` remains for tiles that only exist at run time (none today)."""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    hint: str = ""
    order: int = 50


_entries: dict[str, list[Entry]] = {}


def register(roles: list[str] | tuple[str, ...], label: str, url_name: str, hint: str = "", order: int = 50) -> None:
    for role in roles:
        bucket = _entries.setdefault(role, [])
        if all(e.url_name != url_name for e in bucket):
            bucket.append(Entry(label, url_name, hint, order))


def _all_entries() -> dict[str, list[Entry]]:
    from .manifest import each

    out = {role: list(bucket) for role, bucket in _entries.items()}
    from . import roles as R

    for _m, tile in each("tiles"):
        for role in (tile.roles if tile.roles is not None else list(R.ROLE_LABELS)):
            bucket = out.setdefault(role, [])
            if all(e.url_name != tile.url_name for e in bucket):
                bucket.append(Entry(tile.label, tile.url_name, tile.hint, tile.order))
    return out


def entries_for(role_names: list[str]) -> list[dict]:
    seen, out = set(), []
    entries = _all_entries()
    for role in role_names:
        for e in sorted(entries.get(role, []), key=lambda e: e.order):
            if e.url_name in seen:
                continue
            seen.add(e.url_name)
            try:
                out.append({"label": e.label, "url": reverse(e.url_name), "hint": e.hint, "order": e.order})
            except NoReverseMatch:
                continue
    return sorted(out, key=lambda d: d["order"])
