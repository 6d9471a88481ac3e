"""Keeps the objects a server process holds from its start out of the garbage collector's full passes.

A web worker carries about 150,000 objects from startup (settings, models, the URL conf and every
view module it imports, templates) that live as long as the process. Python's full collection walks
all of them every time it runs — every ten or so page views, and then that page waits about 100 ms
more (measured at 5M cases: every page p95 over 130 ms in bench/case_lists.py was such a pass, the
pages themselves took 40 ms). `gc.freeze()` moves what is alive at that moment to a generation the
collector never walks; objects made later (a request's) are collected as before.
"""
from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Import what the first requests would (the URL conf and with it every view), collect once, and
    freeze what is left. Returns how many objects were frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every app's views now, not in the first request
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
