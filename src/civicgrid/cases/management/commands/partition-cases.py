"""`civicgrid partition-cases`: convert the case and event tables of a PostgreSQL database to monthly
partitions (cases/partitions.py, docs/partitioning.md). `--status` only reports.

Run it in a maintenance window: stop the application servers and the workers first (the tables
are locked for the whole conversion, and running processes hold the old tables' sequences), back
the database up, then start everything again. One transaction: if anything fails, nothing changed.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "将案件表和流转记录表改为按月分区（PostgreSQL；须停机执行）"

    def add_arguments(self, parser):
        parser.add_argument("--status", action="store_true", help="只显示分区情况，不做修改")
        parser.add_argument("--ahead", type=int, default=3, help="预先建立今后几个月的分区（默认 3，0–24）")

    def handle(self, *args, **o):
        from civicgrid.cases import partitions

        if not 0 <= o["ahead"] <= 24:
            raise CommandError("--ahead 须在 0 到 24 之间。")
        if o["status"]:
            self._status(partitions.status())
            return
        self.stdout.write("转换案件表和流转记录表为按月分区（一个事务，失败则不做任何修改）……")
        try:
            result = partitions.convert(ahead=o["ahead"], progress=lambda text: self.stdout.write(f"  {text}"))
        except partitions.PartitionError as exc:
            raise CommandError(str(exc))
        months = result["months"]
        self.stdout.write(self.style.SUCCESS(
            f"完成：{result['cases']:,} 件案件、{result['events']:,} 条流转记录，按月分区 {months[0]} 至 {months[-1]}"
            f"（{len(months)} 个月），共 {result['total_s']} 秒。请重新启动应用服务器和后台任务进程。"))

    def _status(self, st: dict) -> None:
        if not st["partitioned"]:
            self.stdout.write("案件表未分区（普通表）。")
            return
        for table, info in st["tables"].items():
            months = info["months"]
            line = f"{table}：{len(months)} 个月分区（{months[0]} 至 {months[-1]}）" if months else f"{table}：无月分区"
            if info["default_rows"]:
                line += f"；默认分区中有 {info['default_rows']:,} 行，须移入月分区（见 docs/partitioning.md）"
                self.stdout.write(self.style.WARNING(line))
            else:
                self.stdout.write(line + "；默认分区为空。")
