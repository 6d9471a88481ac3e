from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    path("", views.console, name="console"),
    path("contacts/<str:number>/", views.contact_detail, name="contact"),
    path("caller/", views.caller_lookup, name="caller"),
    path("kb/", views.kb, name="kb"),
    path("kb/new/", views.kb_edit, name="kb_new"),
    path("kb/<int:pk>/", views.article, name="article"),
    path("kb/<int:pk>/edit/", views.kb_edit, name="kb_edit"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/reveal/", views.callback_reveal, name="callback_reveal"),
    path("reviews/", views.reviews, name="reviews"),
    path("rates/", views.rates_page, name="rates"),
]
