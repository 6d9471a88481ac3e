from django.urls import path

from . import views

app_name = "procurement"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("ledger/", views.ledger, name="ledger"),
    path("funds/new/", views.fund_new, name="fund_new"),
    path("panel/", views.panel, name="panel"),
    path("panel/<str:number>/", views.score, name="score"),
    path("public/", views.public_list, name="public_list"),
    path("public/<str:number>/", views.public_call, name="public_call"),
    path("contracts/<str:number>/", views.contract, name="contract"),
    path("contracts/<str:number>/milestones/<int:seq>/", views.milestone_act, name="milestone_act"),
    path("calls/<str:number>/", views.detail, name="detail"),
    path("calls/<str:number>/act/", views.act, name="act"),
    path("calls/<str:number>/bid/", views.bid, name="bid"),
]
