"""The closed loop's command-centre KPIs as the dashboard manifest declares them (from the rollups),
and the generic reader that computes every app's KPIs for the board (core names no app)."""
from __future__ import annotations

import datetime as dt

from civicgrid.core.manifest import each, resolve

from . import figures


def _rate(name: str):
    def compute(area, start: dt.date, end: dt.date):
        return figures.rates(figures.totals(area, start, end))[name]

    compute.__name__ = f"rate_{name}"
    return compute


def reported(area, start: dt.date, end: dt.date) -> int:
    return figures.totals(area, start, end).get("reported", 0)


filing_rate = _rate("filing_rate")
closure_rate = _rate("closure_rate")
on_time_rate = _rate("on_time_rate")
rework_rate = _rate("rework_rate")


def all_kpis(area, start: dt.date, end: dt.date) -> list[dict]:
    """Every installed app's KPIs for the area and period, in manifest order; a failing figure shows as
    missing rather than taking the board down."""
    rows = []
    for m, k in sorted(each("kpis"), key=lambda pair: pair[1].order):
        value = resolve(k.compute)(area, start, end)
        rows.append({"app": m.app, "code": k.code, "label": k.label, "formula": k.formula, "unit": k.unit,
                     "value": value})
    return rows
