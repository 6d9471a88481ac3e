"""`civicgrid seed-demo [--seed N] [--size full|small] [--reset]`: the invented demo district.

Idempotent: when the demo district exists it is left alone and only the logins are printed.
`--reset` removes the demo district, its departments and every `demo-*` user first (the audit log
keeps its entries: it is append-only by design).
"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from civicgrid.regions import demo


class Command(BaseCommand):
    help = "生成演示辖区（青禾区）：街道、社区、网格边界，职能部门与各角色演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help=f"随机种子，同一种子生成完全相同的辖区（默认 {demo.DEFAULT_SEED}）")
        parser.add_argument("--size", choices=sorted(demo.PLANS), default="full",
                            help="full：6 个街道、约 40 个社区、约 300 个网格；small：供测试用的小辖区")
        parser.add_argument("--reset", action="store_true", help="先清除已有的演示数据再重新生成")

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["reset"]:
            try:
                removed = demo.reset()
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已清除演示数据：{removed['regions']} 个区域，{removed['users']} 个账号")
        if demo.demo_exists():
            self.stdout.write("演示辖区已存在，未重复生成（需要重新生成请加 --reset）。")
        else:
            counts = demo.seed(seed=options["seed"], size=options["size"])
            self.stdout.write(self.style.SUCCESS(
                f"已生成演示辖区 {demo.DISTRICT_NAME}（{demo.DISTRICT_CODE}）：{counts['streets']} 个街道、"
                f"{counts['communities']} 个社区、{counts['grids']} 个网格、{counts['departments']} 个职能部门"
                f"（{counts['department_units']} 个部门单位）、{counts['users']} 个账号，"
                f"用时 {time.monotonic() - started:.1f} 秒。"))
        self._print_logins()

    def _print_logins(self):
        logins = demo.demo_logins()
        if not logins:
            return
        w_user = max(len(x.username) for x in logins)
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}，仅供演示，切勿用于生产）：")
        self.stdout.write(f"  {'用户名'.ljust(w_user - 3)}  角色 · 岗位")
        for x in logins:
            self.stdout.write(f"  {x.username.ljust(w_user)}  {x.role} · {x.where}")
        self.stdout.write("其余演示账号（每个网格的网格员 demo-g…、社区网格长 demo-c…-leader、部门人员 demo-u…）"
                          "密码相同。")
        self.stdout.write("地图：/regions/map/（登录后）  网格公示：/regions/roster/（无需登录）")
