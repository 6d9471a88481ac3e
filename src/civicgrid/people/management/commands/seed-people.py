"""`civicgrid seed-people [--residents N] [--seed S]`: synthetic residents for the demo district."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "为演示辖区（青禾区）生成模拟居民、楼栋、户与人群标签（证件号可通过校验位，标记为模拟数据）"

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20000, help="居民人数（默认 20000）")
        parser.add_argument("--seed", type=int, default=7, help="随机种子")

    def handle(self, *args, **options):
        from civicgrid.people import demo
        from civicgrid.people.models import Person

        if Person.objects.filter(synthetic=True, community__path__contains=f"/{demo.DEMO_DISTRICT}/").exists():
            self.stdout.write("演示居民已存在，未重复生成。")
            return
        started = time.monotonic()
        try:
            counts = demo.seed(residents=options["residents"], seed=options["seed"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"已生成 {counts['residents']} 名模拟居民、{counts['households']} 户、{counts['buildings']} 栋楼、"
            f"{counts['tags']} 个人群标签，用时 {time.monotonic() - started:.0f} 秒"))
