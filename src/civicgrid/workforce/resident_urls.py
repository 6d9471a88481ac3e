from django.urls import path

from . import resident_views as v

app_name = "workforce-r"
urlpatterns = [
    path("", v.register, name="register"),
    path("activities/", v.activities, name="activities"),
    path("verify/", v.verify, name="verify"),
    path("forget/", v.forget, name="forget"),
    path("bank/", v.bank, name="bank"),  # the time bank (时间银行)
]
