from django.urls import path, register_converter

from reports.views import citation, entry, exports, feeds, public, releases, statements, workbench


class IncidentCode:
    """What an incident code can be (the model's validator); anything else is a 404 before any query."""

    regex = "[A-Za-z0-9][A-Za-z0-9._-]*"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class CitationFormat:
    regex = "bib|ris|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(IncidentCode, "code")
register_converter(CitationFormat, "cite")
app_name = "reports"

urlpatterns = [
    path("", public.dashboard, name="home"),
    path("incidents/", public.incident_list, name="incident_list"),
    path("incidents/<code:code>/", public.incident_detail, name="public_incident"),
    path("incidents/<code:code>/cite.<cite:suffix>", citation.cite_incident, name="cite_incident"),
    path("cite.<cite:suffix>", citation.cite_dataset, name="cite_dataset"),
    path("releases/", releases.release_list, name="releases"),
    path("releases/<code:name>/<code:filename>", releases.release_file, name="release_file"),
    path("incidents.csv", exports.incidents_csv, name="incidents_csv"),
    path("incidents.json", exports.incidents_json, name="incidents_json"),
    path("tallies.json", exports.tallies_json, name="tallies_json"),
    path("methodology/", public.methodology, name="methodology"),
    path("feeds/", feeds.feed_list, name="feeds"),
    path("feeds/incidents.atom", feeds.published_incidents, name="feed_incidents"),
    path("feeds/changes.atom", feeds.incident_changes, name="feed_changes"),
    path("feeds/statements.atom", feeds.approved_statements, name="feed_statements"),
    path("work/", workbench.workbench, name="my_work"),
    path("work/incidents/", workbench.find_incident, name="find_incident"),
    path("work/incidents/new/", entry.incident_create, name="incident_create"),
    path("work/incidents/<code:code>/", entry.incident_detail, name="work_incident"),
    path("work/incidents/<code:code>/edit/", entry.incident_edit, name="incident_edit"),
    path("work/incidents/<code:code>/submit/", entry.incident_submit, name="incident_submit"),
    path("work/incidents/<code:code>/assessments/new/", entry.assessment_create, name="assessment_create"),
    path("work/incidents/<code:code>/review/", workbench.review_incident, name="review_incident"),
    path("work/statements/new/", statements.statement_create, name="statement_create"),
    path("work/statements/<int:pk>/", statements.statement_detail, name="statement_detail"),
    path("work/statements/<int:pk>/edit/", statements.statement_edit, name="statement_edit"),
    path("work/statements/<int:pk>/review/", workbench.review_statement, name="review_statement"),
]
