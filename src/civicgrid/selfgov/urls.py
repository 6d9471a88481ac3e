from django.urls import path

from . import views

app_name = "selfgov"
urlpatterns = [
    path("", views.home, name="home"),
    path("proposals/<str:number>/", views.proposal_detail, name="proposal"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("polls/<int:pk>/publish/", views.poll_publish, name="poll_publish"),
    path("board/", views.board, name="board"),
    path("board/<str:code>/", views.public_board, name="board_public"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("evaluation/", views.evaluation_page, name="evaluation"),
    path("r/<str:code>/", views.resident_home, name="r_home"),
    path("r/<str:code>/propose/", views.resident_propose, name="r_propose"),
    path("r/<str:code>/proposals/<str:number>/support/", views.resident_support, name="r_support"),
    path("r/<str:code>/meetings/<int:pk>/register/", views.resident_register, name="r_register"),
    path("r/<str:code>/polls/<int:pk>/", views.resident_vote, name="r_vote"),
    path("r/<str:code>/rate/", views.resident_rate, name="r_rate"),
]
