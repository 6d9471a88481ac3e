from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

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
]

if settings.DEBUG or not settings.PRODUCTION:
    # In production nginx serves media (deploy/); this keeps `make demo` self-contained.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
