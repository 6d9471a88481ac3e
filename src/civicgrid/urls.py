from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from civicgrid.core import media
from civicgrid.api.api import api as api_v1

admin.site.site_header = "civicgrid 基层治理平台 · 管理后台"
admin.site.site_title = "civicgrid 管理后台"

urlpatterns = [
    path("", include("civicgrid.core.urls")),
    path("regions/", include("civicgrid.regions.urls")),
    path("cases/", include("civicgrid.cases.urls")),
    path("people/", include("civicgrid.people.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls),
    path("open311/v2/", include("civicgrid.open311.urls")),
    path("hotline/", include("civicgrid.hotline.urls")),
    path("dashboard/", include("civicgrid.dashboard.urls")),
    path("r/", include("civicgrid.hotline.resident_urls")),
    # Uploaded files go through a permission check (core/media.py), in development and production.
    path(settings.MEDIA_URL.strip("/") + "/<path:path>", media.serve, name="media"),
]
