from django.urls import path

from . import plan_views, views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("due/<int:pk>/log/", views.log, name="log"),
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/call/", views.call, name="call"),
    path("plans/<int:pk>/order/", views.order, name="order"),
    path("plans/<int:pk>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/keepers/", plan_views.keepers, name="keepers"),
    path("plans/<int:pk>/responders/", plan_views.responders, name="responders"),
    path("plans/<int:pk>/devices/", plan_views.devices, name="devices"),
    path("chain/<str:code>/", plan_views.chain, name="chain"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/new/", views.alert_new, name="alert_new"),
    path("alerts/<str:number>/", views.alert, name="alert"),
    path("alerts/<str:number>/act/", views.alert_act, name="alert_act"),
    path("alerts/<str:number>/reveal/", views.alert_reveal, name="alert_reveal"),
    path("overview/", views.overview, name="overview"),
]
