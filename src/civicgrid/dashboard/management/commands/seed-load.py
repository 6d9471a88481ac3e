"""`civicgrid seed-load --cases N`: realistic cases in bulk for benchmarks and demos (see dashboard/seed.py)."""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.regions.models import Region


class Command(BaseCommand):
    help = "批量生成逼真的案件（含流转记录与汇总表），用于性能测试和演示"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=5_000_000, help="案件数（默认 5,000,000）")
        parser.add_argument("--district", default="", help="区编码；默认演示区，没有则先生成演示辖区")
        parser.add_argument("--days", type=int, default=365, help="时间跨度（天，默认 365，截至现在）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")
        parser.add_argument("--batch", type=int, default=50_000, help="每批写入的案件数")
        parser.add_argument("--workers", type=int, default=0,
                            help="生成数据的并行进程数（默认：PostgreSQL 上大批量时按 CPU 核数，否则 1）")
        parser.add_argument("--end", default="", help="截止时间（ISO 格式，默认现在）")

    def handle(self, *args, **o):
        from civicgrid.dashboard import seed

        if o["cases"] < 1:
            raise CommandError("--cases 须为正整数。")
        if o["workers"] < 0 or o["batch"] < 1:
            raise CommandError("--workers 不能为负数，--batch 须为正整数。")
        if o["days"] < 1:
            raise CommandError("--days 须为正整数。")
        district = self._district(o["district"])
        end = timezone.now()
        if o["end"]:
            try:
                end = dt.datetime.fromisoformat(o["end"])
            except ValueError:
                raise CommandError("--end 格式不正确，例如 2026-03-31T18:00:00+08:00")
            if timezone.is_naive(end):
                end = timezone.make_aware(end)

        def progress(done, total, secs):
            self.stdout.write(f"  已写入 {done:,}/{total:,} 件，用时 {secs:.0f} 秒")

        self.stdout.write(f"为 {district.name}（{district.code}）生成 {o['cases']:,} 件案件，跨度 {o['days']} 天……")
        try:
            result = seed.load(o["cases"], district=district, days=o["days"], end=end, seed=o["seed"],
                               batch=o["batch"], progress=progress, workers=o["workers"] or None)
        except ValueError as exc:
            raise CommandError(str(exc))
        audit.record("seed-load", "dashboard.seed_load", district,
                     detail={k: v for k, v in result.items() if k != "states"})
        slowest = sorted(result.get("index_steps", {}).items(), key=lambda kv: -kv[1])[:6]
        self.stdout.write(self.style.SUCCESS(
            f"完成：{result['cases']:,} 件案件、{result['events']:,} 条流转记录；写入 {result['write_s']} 秒，"
            f"汇总 {result['derive_s']} 秒（{result['derive_steps']}），索引与外键 {result['index_s']} 秒（最慢：{dict(slowest)}），"
            f"并行进程 {result['workers']}，共 {result['total_s']} 秒。状态分布：{result['states']}"))

    def _district(self, code: str) -> Region:
        if code:
            d = Region.objects.filter(code=code, level="district").first()
            if d is None:
                raise CommandError(f"没有编码为 {code} 的区。")
            return d
        from civicgrid.regions import demo

        d = Region.objects.filter(code=demo.DISTRICT_CODE).first()
        if d is None:
            d = Region.objects.filter(level="district").order_by("code").first()
        if d is None:
            self.stdout.write("尚无辖区，先生成演示辖区（civicgrid seed-demo）……")
            demo.seed()
            d = Region.objects.get(code=demo.DISTRICT_CODE)
        return d
