from django.urls import path

from . import views

app_name = "services"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("new/", views.new, name="new"),
    path("orders/<str:number>/", views.detail, name="order"),
    path("orders/<str:number>/act/", views.act, name="act"),
    path("orders/<str:number>/reveal/", views.reveal, name="reveal"),
    path("portal/", views.portal, name="portal"),
    path("providers/", views.providers, name="providers"),
    path("providers/<int:pk>/", views.provider, name="provider"),
    path("meetings/", views.meetings, name="meetings"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("r/", views.public_catalogue, name="public"),
    path("r/c/<str:code>/", views.public_community, name="public_community"),
    path("r/order/", views.resident_order, name="resident_order"),
    path("r/mine/", views.resident_mine, name="resident_mine"),
]
