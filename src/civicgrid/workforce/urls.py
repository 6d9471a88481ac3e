from django.urls import path

from . import socialwork_views, views

app_name = "workforce"
urlpatterns = [
    path("", views.today, name="today"),
    path("tick/", views.tick, name="tick"),
    path("patrol/", views.patrol, name="patrol"),
    path("patrol/sync/", views.patrol_sync, name="patrol_sync"),
    path("coverage/", views.coverage, name="coverage"),
    path("corrections/", views.corrections, name="corrections"),
    path("roster/", views.roster, name="roster"),
    path("roster/<int:pk>/leave/", views.leave, name="leave"),
    path("duties/", views.duties, name="duties"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/<str:number>/certificate/", views.certificate, name="certificate"),
    path("pay/", views.pay, name="pay"),
    path("joint/<str:number>/", views.joint, name="joint"),
    # joint enforcement operations (联合执法行动)
    path("operations/", views.operations, name="operations"),
    path("operations/<str:number>/", views.operation, name="operation"),
    # the time bank (时间银行)
    path("volunteers/<str:number>/bank/", views.bank, name="bank"),
    path("bank/", views.bank_rules, name="bank_rules"),
    # social workers
    path("sw/", socialwork_views.me, name="sw_me"),
    path("sw/clients/<int:pk>/", socialwork_views.client, name="sw_client"),
    path("sw/desk/", socialwork_views.desk, name="sw_desk"),
    path("sw/supervision/", socialwork_views.supervision, name="sw_supervision"),
    # end social workers
]
