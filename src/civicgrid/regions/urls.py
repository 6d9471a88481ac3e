from django.urls import path

from . import views, views_geo, views_import

app_name = "regions"
urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("roster/", views.roster_page, name="roster"),
    # Map drill-down JSON (login, jurisdiction-scoped).
    path("geo/nodes/", views_geo.node, name="geo_top"),
    path("geo/nodes/<str:code>/", views_geo.node, name="geo_node"),
    # Public roster JSON (实名制公示): grid, community, street and the people who serve it.
    path("public/grid-at/", views_geo.public_grid_at, name="public_grid_at"),
    path("public/roster/<str:code>/", views_geo.public_roster, name="public_roster"),
    path("public/search/", views_geo.public_search, name="public_search"),
    path("public/grids/", views_geo.public_grids, name="public_grids"),
    # GeoJSON import (staff page with dry run) and export download (system administrators).
    path("import/", views_import.import_page, name="import"),
    path("export.geojson", views_import.export_download, name="export"),
]
