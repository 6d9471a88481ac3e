"""/api/v1/workforce/: the day's task list and the patrol upload (the same service as the phone page)."""
from __future__ import annotations

import dataclasses

from ninja import Query, Router, Schema
from pydantic import Field

from civicgrid.api.errors import COMMON, ApiError

from . import services, tasklist

router = Router(tags=["网格力量"])


class TaskOut(Schema):
    key: str
    kind: str
    title: str
    detail: str
    link: str
    done: bool
    urgent: bool


class GridTasks(Schema):
    grid: str
    name: str
    tasks: list[TaskOut]


class SyncIn(Schema):
    id: str = Field(..., max_length=40)
    grid: str = Field(..., max_length=15)
    started_at: str = Field(..., max_length=40)
    ended_at: str | None = Field(None, max_length=40)
    points: list[dict] = Field(default_factory=list, max_length=services.MAX_POINTS)
    checks: list[dict] = Field(default_factory=list, max_length=services.MAX_CHECKS)


class SyncOut(Schema):
    patrol: str
    points_added: int
    checks_added: int
    cases: list[str]
    distance_m: int


@router.get("/tasks", response={200: list[GridTasks], **COMMON}, summary="今日任务（本人网格）")
def tasks(request, grid: str = Query("", max_length=15)):
    from django.utils import timezone

    grids = list(services.worker_grids(request.user))
    if grid:
        grids = [g for g in grids if g.code == grid]
        if not grids:
            raise ApiError(404, "not_found", f"网格 {grid} 不是您的网格。")
    lists = tasklist.for_worker(request.user, grids, timezone.localdate())
    return [{"grid": g.code, "name": g.name, "tasks": [dataclasses.asdict(t) for t in lists.get(g.pk, [])]} for g in grids]


@router.post("/patrols/sync", response={200: SyncOut, **COMMON}, summary="上传巡查（可重复上传，不会重复保存）")
def sync(request, payload: SyncIn):
    return services.sync_patrol(request.user, payload.dict())
