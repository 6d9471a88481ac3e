"""The URL conf names no app: each app's manifest says where its pages live (core/manifest.py)."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from civicgrid.api.api import api as api_v1
from civicgrid.core import media
from civicgrid.core.manifest import each

admin.site.site_header = "civicgrid 基层治理平台 · 管理后台"
admin.site.site_title = "civicgrid 管理后台"

urlpatterns = [path(inc.prefix, include(inc.module)) for _m, inc in each("urls")] + [
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls),
    # Uploaded files go through a permission check (core/media.py), in development and production.
    path(settings.MEDIA_URL.strip("/") + "/<path:path>", media.serve, name="media"),
]
