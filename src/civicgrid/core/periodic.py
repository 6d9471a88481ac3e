"""Periodic tasks: apps register a Django task and an interval; `civicgrid worker` enqueues them.

The Tasks API has no scheduler of its own. Ours is deliberately small: a thread in each worker
wakes every few seconds and enqueues a registered task when its interval has passed and no
earlier run of it is still waiting in the queue, so several workers never pile up duplicates.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Periodic:
    task: object  # a django_tasks Task
    every: dt.timedelta
    last: float = 0.0


_registry: dict[str, Periodic] = {}


def register(task, every: dt.timedelta) -> None:
    _registry[task.module_path] = Periodic(task, every)


def registered() -> dict[str, Periodic]:
    return dict(_registry)


def _waiting(module_path: str) -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: let it de-duplicate
        return False
    return DBTaskResult.objects.ready().filter(task_path=module_path).exists()


def enqueue_due(now: float | None = None) -> list[str]:
    """Enqueue every registered task whose interval has passed; returns their paths."""
    now = time.monotonic() if now is None else now
    done = []
    for path, p in _registry.items():
        if p.last and now - p.last < p.every.total_seconds():
            continue
        p.last = now
        if _waiting(path):
            continue
        p.task.enqueue()
        done.append(path)
    return done


def run_scheduler(stop: threading.Event, tick: float = 5.0) -> None:
    from django.db import close_old_connections

    while not stop.is_set():
        try:
            close_old_connections()
            for path in enqueue_due():
                log.info("enqueued periodic task %s", path)
        except Exception:  # keep the scheduler alive; the next tick retries
            log.exception("periodic scheduler tick failed")
        stop.wait(tick)
