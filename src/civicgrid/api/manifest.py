"""What the api app (tokens, client applications, idempotency) contributes: see core/manifest.py.

The routers themselves are declared by the apps whose data they serve (cases, regions, people)."""
import datetime as dt

from civicgrid.core.manifest import PUBLIC, AppManifest, Periodic, Route

MANIFEST = AppManifest(
    app="api",
    # Without it the table of stored replies grows by one row per write, forever.
    periodic=(Periodic("civicgrid.api.tasks.prune_idempotency", dt.timedelta(hours=1)),),
    audit_subjects={"api_token": "接口令牌", "client_app": "接入应用", "client_key": "Open311 接入密钥"},
    audit_verbs={"disable": "停用"},
    routes=(
        Route("api-v1:openapi-json", PUBLIC, note="the schema names routes, not data"),
        Route("api-v1:openapi-view", PUBLIC),
    ),
)
