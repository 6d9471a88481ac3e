"""Demo data for every installed app: each manifest's seeders, in order (`make demo` runs this)."""
from django.core.management.base import BaseCommand

from civicgrid.core.manifest import each, resolve


class Command(BaseCommand):
    help = "为每个已安装应用生成演示数据（按各应用清单中的 seeders 顺序）"

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", default=None, help="只运行这些应用的生成器（应用标签）")
        parser.add_argument("--list", action="store_true", help="只列出将要运行的生成器")

    def handle(self, *args, only=None, list=False, **options):
        seeders = sorted(((m.app, s) for m, s in each("seeders") if not only or m.app in only),
                         key=lambda pair: pair[1].order)
        for app, s in seeders:
            self.stdout.write(f"== {app}: {s.label}")
            if not list:
                resolve(s.run)(self.stdout)
