from django.urls import path

from . import views

app_name = "affairs"
urlpatterns = [
    path("", views.home, name="home"),
    path("list/", views.listing, name="list"),
    path("accept/", views.accept, name="accept"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/import/", views.catalogue_import, name="import"),
    path("catalogue/<str:code>/", views.item, name="item"),
    path("stats/", views.stats, name="stats"),
    path("queue/", views.queue_desk, name="queue"),
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/<int:pk>/answer/", views.answer, name="answer"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/", views.act, name="act"),
    path("<str:number>/reveal/", views.reveal, name="reveal"),
    path("<str:number>/notice/<int:seq>/", views.notice, name="notice"),
    path("<str:number>/receipt/", views.receipt, name="receipt"),
]
