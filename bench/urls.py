from django.http import HttpResponse
from django.urls import include, path

handler500 = "reports.views.errors.server_error"


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), path("", include("casualties.urls"))]
