from django.urls import path

from reports.views import public

app_name = "reports"

urlpatterns = [
    path("", public.home, name="home"),
]
