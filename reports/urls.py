from django.urls import path

from reports.views import entry, public

app_name = "reports"

urlpatterns = [
    path("", public.home, name="home"),
    path("work/", entry.my_work, name="my_work"),
    path("work/incidents/new/", entry.incident_create, name="incident_create"),
    path("work/incidents/<int:pk>/", entry.incident_detail, name="incident_detail"),
    path("work/incidents/<int:pk>/edit/", entry.incident_edit, name="incident_edit"),
    path("work/incidents/<int:pk>/submit/", entry.incident_submit, name="incident_submit"),
    path("work/incidents/<int:pk>/assessments/new/", entry.assessment_create, name="assessment_create"),
    path("work/statements/new/", entry.statement_create, name="statement_create"),
]
