from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("new/", views.new, name="new"),
    path("screening/", views.screening, name="screening"),
    path("register/", views.register, name="register"),
    path("handover/", views.handover, name="handover"),
    path("report/", views.report_view, name="report"),
    path("residents/", views.residents, name="residents"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/", views.act, name="act"),
    path("<str:number>/reveal/", views.reveal, name="reveal"),
    path("<str:number>/agreement/", views.agreement, name="agreement"),
]
