"""`civicgrid export-regions`: write the territory (or a subtree) as a GeoJSON FeatureCollection."""
from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from civicgrid.regions import exporter, selectors

from ._actor import resolve_actor


class Command(BaseCommand):
    help = "把区域与网格导出为 GeoJSON（可再导入）"

    def add_arguments(self, parser):
        parser.add_argument("--root", help="只导出此编码的区域及其下级")
        parser.add_argument("-o", "--output", help="输出文件（默认写到标准输出）")
        parser.add_argument("--as", dest="username", help="以哪个用户的身份导出（默认：第一个超级管理员）")

    def handle(self, *args, root, output, username, **options):
        actor = resolve_actor(username)
        root_region = None
        if root:
            root_region = selectors.regions_for(actor).filter(code=root).first()
            if root_region is None:
                raise CommandError(f"编码“{root}”的区域不存在或不在该用户的管辖范围内")
        try:
            data = exporter.export_bytes(actor, root_region)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(f"已导出到 {output}")
        else:
            self.stdout.write(data.decode("utf-8"))
