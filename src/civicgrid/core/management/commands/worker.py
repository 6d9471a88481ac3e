"""`civicgrid worker`: runs queued tasks and enqueues the periodic ones (deadline sweeps, nightly jobs)."""
from __future__ import annotations

import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from civicgrid.core import periodic


class Command(BaseCommand):
    help = "运行后台任务（期限巡检、夜间对账等）"

    def add_arguments(self, parser):
        parser.add_argument("--no-schedule", action="store_true", help="只执行队列中的任务，不安排周期任务")
        parser.add_argument("--interval", type=float, default=1.0, help="队列轮询间隔（秒）")

    def handle(self, *args, **options):
        stop = threading.Event()
        if not options["no_schedule"]:
            names = ", ".join(periodic.registered()) or "（无）"
            self.stdout.write(f"周期任务：{names}")
            threading.Thread(target=periodic.run_scheduler, args=(stop,), daemon=True).start()
        try:
            if getattr(settings, "REDIS_URL", ""):  # the scale-out queue (deploy/README.md): RQ's worker
                call_command("rqworker", "default", job_class="django_tasks_rq.Job", verbosity=options["verbosity"])
                return
            call_command("db_worker", interval=options["interval"], verbosity=options["verbosity"], reload=False)
        finally:
            stop.set()
