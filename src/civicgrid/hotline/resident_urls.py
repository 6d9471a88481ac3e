from django.urls import path

from . import views

app_name = "resident"
urlpatterns = [
    path("", views.resident_report, name="report"),
    path("follow/", views.resident_follow, name="follow"),
    path("case/<str:number>/", views.resident_case, name="case"),
]
