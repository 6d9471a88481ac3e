"""/api/v1: the typed JSON API. One router per app; token auth; one error shape (errors.py)."""
from __future__ import annotations

from ninja import NinjaAPI

from . import errors
from .auth import TokenAuth

api = NinjaAPI(
    title="civicgrid 接口",
    version="1",
    description=(
        "基层治理平台 JSON 接口。认证：`Authorization: Bearer <令牌>`；令牌属于一个用户，"
        "可见范围与该用户在页面上相同（管辖范围）。Open311 接入应用的 api_key 在此一律拒绝"
        "（错误码 `open311_key_not_accepted`）。所有创建接口支持 `Idempotency-Key` 请求头：同键同请求重放原响应，"
        "同键不同请求返回 422 `idempotency_key_reused`。错误统一为 "
        '`{"error": {"code", "message", "details"}}`。'
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
)
errors.install(api)


def _mount() -> None:
    # Imported here, not at the top: the routers import app models, and this module is imported by
    # the URL conf, so keeping the imports inside keeps `civicgrid.api.api` importable on its own.
    from civicgrid.people.api import router as people_router

    from .routers import cases, categories, regions

    api.add_router("", regions.router)
    api.add_router("", categories.router)
    api.add_router("", cases.router)
    api.add_router("", people_router)


_mount()
