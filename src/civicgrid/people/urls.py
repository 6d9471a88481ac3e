from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("p/<int:pk>/", views.person_detail, name="person"),
    path("p/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("p/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("p/<int:pk>/record/", views.person_record, name="person_record"),
    path("p/<int:pk>/tags/", views.tag_add, name="tag_add"),
    path("p/<int:pk>/visits/", views.visit_add, name="visit_add"),
    path("tags/<int:pk>/end/", views.tag_end, name="tag_end"),
    path("buildings/", views.buildings, name="buildings"),
    path("buildings/new/", views.building_new, name="building_new"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("buildings/<int:pk>/rooms/", views.room_add, name="room_add"),
    path("rooms/<int:pk>/", views.room_detail, name="room"),
    path("rooms/<int:room_pk>/new-person/", views.person_new, name="person_new"),
    path("care/", views.care, name="care"),
    path("import/", views.import_upload, name="import"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/status/", views.import_status, name="import_status"),
    path("import/<int:pk>/report.csv", views.import_report, name="import_report"),
    path("places/", views.places, name="places"),
    path("places/new/", views.place_new, name="place_new"),
    path("places/<int:pk>/", views.place_detail, name="place"),
]
