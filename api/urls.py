from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import releases, views
from reports.release_tables import TABLES

app_name = "api"

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("belligerents", views.BelligerentViewSet, basename="belligerent")
router.register("assessors", views.AssessorViewSet, basename="assessor")

urlpatterns = [
    path("", include(router.urls)),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("deleted/", views.DeletedView.as_view(), name="deleted"),
    path("releases/", releases.ReleaseListView.as_view(), name="release-list"),
    path("releases/<str:name>/", releases.ReleaseDetailView.as_view(), name="release-detail"),
    *[
        path(f"releases/<str:name>/{table.name}/", releases.table_view(table), name=f"release-{table.name}")
        for table in TABLES
    ],
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own: the site's policy allows no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
