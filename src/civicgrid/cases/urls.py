from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("export.xlsx", views.export, name="export"),
    path("grid/", views.grid_view, name="grid"),
    path("report/", views.report, name="report"),
    path("evaluation/", views.evaluation_view, name="evaluation"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/", views.act, name="act"),
    path("<str:number>/reveal/", views.reveal, name="reveal"),
]
