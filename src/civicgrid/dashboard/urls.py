from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.map_view, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("map/panel/", views.panel, name="panel"),
    path("board/", views.board, name="board"),
    path("cases/", views.cases, name="cases"),
    path("rankings/", views.rankings_view, name="rankings"),
    path("rankings/weights/", views.save_weights, name="weights"),
    path("topics/", views.topics, name="topics"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_print, name="report_print"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]
