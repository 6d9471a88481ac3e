from django.urls import path, re_path

from . import views

app_name = "open311"
F = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + F, views.discovery, name="discovery"),
    re_path(r"^services" + F, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+)" + F, views.service_definition, name="service"),
    re_path(r"^requests" + F, views.requests_, name="requests"),
    re_path(r"^requests/(?P<rid>[^/]+)" + F, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + F, views.token_detail, name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
