"""What each role sees first. Apps add their entries in AppConfig.ready(), so core knows no app."""
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


def entries_for(role_names: list[str]) -> list[dict]:
    seen, out = set(), []
    for role in role_names:
        for e in sorted(_entries.get(role, []), key=lambda e: e.order):
            if e.url_name in seen:
                continue
            seen.add(e.url_name)
            try:
                out.append({"label": e.label, "url": reverse(e.url_name), "hint": e.hint, "order": e.order})
            except NoReverseMatch:
                continue
    return sorted(out, key=lambda d: d["order"])
