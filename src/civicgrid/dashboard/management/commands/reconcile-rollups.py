"""`civicgrid reconcile-rollups --from D --to D`: the nightly check over any range of days.

For when the nightly task did not run (worker stopped, outage) or after an upgrade: checks the
rollups of each day against the raw cases, one day at a time (each day its own snapshot, so memory
stays that of one day), fixes what differs unless --check, and records every run as the nightly
task does. The live table (open cases) is checked once, at the end.
"""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

MAX_DAYS = 3660


class Command(BaseCommand):
    help = "按日核对（并修正）指挥中心日汇总表与原始案件"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", default="", help="开始日期（年-月-日），默认昨天")
        parser.add_argument("--to", dest="end", default="", help="结束日期（年-月-日），默认昨天")
        parser.add_argument("--check", action="store_true", help="只核对、不修正")

    def handle(self, *args, **o):
        from civicgrid.dashboard.reconcile import reconcile

        yesterday = timezone.localdate() - dt.timedelta(days=1)
        try:
            start = dt.date.fromisoformat(o["start"]) if o["start"] else yesterday
            end = dt.date.fromisoformat(o["end"]) if o["end"] else max(start, yesterday)
        except ValueError:
            raise CommandError("日期格式不正确，请使用 年-月-日，如 2026-03-01。")
        if start > end:
            raise CommandError("开始日期不能晚于结束日期。")
        if (end - start).days + 1 > MAX_DAYS:
            raise CommandError(f"一次最多核对 {MAX_DAYS} 天。")
        fix = not o["check"]
        totals = {"rows_checked": 0, "rows_fixed": 0, "totals_fixed": 0, "heat_fixed": 0, "live_fixed": 0}
        day = start
        while day <= end:
            run = reconcile(day, day, fix=fix, live=day == end)
            for k in totals:
                totals[k] += getattr(run, k)
            if run.rows_fixed or run.totals_fixed or run.heat_fixed or run.live_fixed:
                self.stdout.write(f"  {day}：汇总 {run.rows_fixed} 行、日合计 {run.totals_fixed} 行、热力 {run.heat_fixed} 格、"
                                  f"在办 {run.live_fixed} 件不一致"
                                  f"{'，已修正' if fix else ''}")
            day += dt.timedelta(days=1)
        differ = sum(v for k, v in totals.items() if k != "rows_checked")
        summary = (f"{start} 至 {end}：核对 {totals['rows_checked']:,} 行汇总；不一致：汇总 {totals['rows_fixed']} 行、"
                   f"日合计 {totals['totals_fixed']} 行、热力 {totals['heat_fixed']} 格、在办 {totals['live_fixed']} 件")
        if differ and not fix:
            raise CommandError(summary + "（未修正；去掉 --check 即修正）")
        self.stdout.write(self.style.SUCCESS(summary + ("，已修正。" if differ else "，全部一致。")))
