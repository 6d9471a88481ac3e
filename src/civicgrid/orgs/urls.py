from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("catalogue/", views.catalogue_view, name="catalogue"),
    path("catalogue/conditions/", views.conditions, name="conditions"),
    path("incubation/", views.incubation, name="incubation"),
    path("incubation/admit/", views.incubation_admit, name="incubation_admit"),
    path("incubation/<int:pk>/", views.incubation_detail, name="incubation_detail"),
    path("incubation/<int:pk>/act/", views.incubation_act, name="incubation_act"),
    path("portal/", views.portal, name="portal"),
    path("public/catalogue/", views.public_catalogue, name="public_catalogue"),
    path("public/<int:pk>/", views.public, name="public"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
]
