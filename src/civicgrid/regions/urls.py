from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("roster/", views.roster_page, name="roster"),
]
