from django.urls import path

from . import resident_views as views

app_name = "affairs_public"
urlpatterns = [
    path("", views.follow, name="follow"),
    path("rates/", views.rates, name="rates"),
    path("book/", views.book, name="book"),
    path("<str:number>/", views.status, name="status"),
]
