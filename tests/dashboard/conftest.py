"""Helpers for the dashboard tests: cases driven through the real case services.

`simulate` reports cases at random places, times, channels and categories, then walks each one
through random legal steps (chosen from services.available_actions of the territory's users), so
the rollups are fed only by the events the real workflow appends.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import zoneinfo

from PIL import Image

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday

POINTS = {"A1a": (116.005, 39.905), "A1b": (116.015, 39.905), "A2a": (116.005, 39.915),
          "B1a": (116.025, 39.905), "B2b": (116.035, 39.915)}
CODES = ["01037", "06002", "09006", "02014", "50001", "06028", "08001"]
_JPEG = None


def jpeg() -> bytes:
    global _JPEG
    if _JPEG is None:
        buf = io.BytesIO()
        Image.new("RGB", (32, 24), (120, 80, 40)).save(buf, "JPEG")
        _JPEG = buf.getvalue()
    return _JPEG


from tests.cases.conftest import cats  # noqa: E402,F401  (reloads the categories a flush removed)


def report(t, cats, *, code="01037", where="A1a", now=T0, channel="grid_worker", point=None, **kw):
    from civicgrid.cases import services as S

    who = {"grid_worker": f"worker_{where[:2]}a", "hotline": "operator", "community": f"staff_{where[:2]}"}[channel]
    lng, lat = point or POINTS[where]
    return S.intake(t.users[who], channel=channel, category=cats[code], description="测试问题",
                    lng=lng, lat=lat, now=now, **kw)


ACTORS = ["commander", "dispatcher_A", "dispatcher_B", "staff_A1", "staff_A2", "staff_B1", "staff_B2",
          "worker_A1a", "worker_A2a", "worker_B1a", "worker_B2a", "urban_A", "urban_B", "urban_district", "operator"]
PREFER = {"close": 8, "verify_pass": 6, "handle": 6, "dispatch": 6, "file": 6, "take": 3, "reroute": 5}


def step(t, case, rng: random.Random, now):
    """Take one random legal step on `case`; returns the updated case or None when nothing applies."""
    from civicgrid.cases import services as S
    from civicgrid.cases import workflow as W
    from civicgrid.cases.models import Case

    street = "A" if case.street_id == t.streets["A"].pk else "B"
    options = []
    for name in [n for n in ACTORS if n[-1] not in "AB12ab" or street in n.split("_")[-1]]:
        user = t.users[name]
        for row in S.available_actions(user, case):
            options.append((row.action, name))
    if not options:
        return None
    weights = [PREFER.get(a, 1) for a, _ in options]
    action, name = rng.choices(options, weights)[0]
    user = t.users[name]
    kw = {"note": "测试说明", "now": now}
    if action in ("handle", "verify_pass", "verify_fail"):
        kw["photos"] = [jpeg()]
    if action in ("dispatch", "reroute"):
        units = list(S.dispatch_units(user, case))
        if not units:
            return None
        kw["unit"] = rng.choice(units)
    if action == "request_extension":
        kw["hours"] = rng.choice([4, 8, 16])
    if action == "suspend":
        kw["review_date"] = now.date() + dt.timedelta(days=rng.randint(2, 9))
    if action == "merge":
        into = (Case.objects.filter(district=case.district, state__in=W.OPEN_STATES).exclude(pk=case.pk)
                .order_by("?").first())
        if into is None:
            return None
        kw["into"] = into
    return S.act(user, case, action, **kw)


def simulate(t, cats, *, n_cases=30, seed=7, days=20, max_steps=9):
    """Report n_cases over `days` and walk them; returns the list of cases and the end time."""
    from civicgrid.cases.models import Case

    rng = random.Random(seed)
    clock = T0
    cases = []
    for _ in range(n_cases):
        clock += dt.timedelta(minutes=rng.randint(20, int(days * 24 * 60 / n_cases)))
        where = rng.choice(list(POINTS))
        channel = rng.choice(["grid_worker", "grid_worker", "hotline", "community"])
        cases.append(report(t, cats, code=rng.choice(CODES), where=where, now=clock, channel=channel,
                            urgent=rng.random() < 0.2))
    # Interleave the cases' steps on one clock, so events of different cases mix across days.
    pending = [c.pk for c in cases]
    for _ in range(max_steps):
        rng.shuffle(pending)
        still = []
        for pk in pending:
            clock += dt.timedelta(minutes=rng.randint(10, 600))
            case = Case.objects.get(pk=pk)
            # Closed cases are sometimes reopened (回访不满意重办), so the walk covers undoing a closure.
            if not case.is_open and (case.state != "closed" or rng.random() > 0.35):
                continue
            if step(t, case, rng, clock) is not None:
                still.append(pk)
        pending = still
    from civicgrid.dashboard.fold import fold

    fold()  # as the worker does every minute: tests that look at the stored rows see them folded
    return [Case.objects.get(pk=c.pk) for c in cases], clock
