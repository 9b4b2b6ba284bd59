from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reports.views.health import healthz

handler500 = "reports.views.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("api.urls")),  # no language: the API's field names and values are the same for all
]
# Every page in English at its bare path and in Arabic under /ar/.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("reports.urls")),
    prefix_default_language=False,
)
