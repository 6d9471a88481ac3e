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
    """Every app's routers from its manifest, under /api/v1/<api_prefix>/ (the app label unless the
    manifest says otherwise; the first apps keep their published paths with api_prefix="")."""
    from civicgrid.core.manifest import manifests, resolve

    for m in manifests():
        prefix = m.app if m.api_prefix is None else m.api_prefix
        for ref in m.api_routers:
            api.add_router(prefix, resolve(ref))


_mount()
