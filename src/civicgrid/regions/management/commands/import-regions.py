"""`civicgrid import-regions FILE`: import a GeoJSON FeatureCollection of regions.

Acts as the user named by --as, or else the installation's first active superuser, so the import
is checked against that user's jurisdiction and the audit entry names them.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from civicgrid.regions.importer import import_geojson

from ._actor import resolve_actor


class Command(BaseCommand):
    help = "从 GeoJSON 文件导入区域与网格（全部通过才写入；任何一个要素出错则不做任何改变）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件路径（FeatureCollection），“-” 表示标准输入")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--as", dest="username", help="以哪个用户的身份导入（默认：第一个超级管理员）")
        parser.add_argument("--json", dest="as_json", action="store_true", help="以 JSON 输出完整报告")

    def handle(self, *args, file, dry_run, username, as_json=False, **options):
        actor = resolve_actor(username)
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件“{file}”：{exc.strerror}") from exc
        try:
            report = import_geojson(actor, data, dry_run=dry_run)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        else:
            for f in report.failed_features:
                for err in f.errors:
                    self.stderr.write(f"第 {f.number} 个要素（{f.code or '无编码'}）：{err}")
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
