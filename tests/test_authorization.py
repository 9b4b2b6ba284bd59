"""Every URL of the project × every role gives the expected status, and every staff response is not cached.

The URLs come from the resolver itself, so a new URL without a row in EXPECTED fails this test. Object URLs
point at analyst Anna's draft (or the records attached to it): Omar, another analyst, must not reach it by
changing the id in the URL. Each row is (anonymous, analyst, other analyst, reviewer, admin).
"""

from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

import reports
from reports.middleware import StaffPagesNotCachedMiddleware
from reports.models import Assessor, Belligerent, Incident, ReviewState, StrikeType, can_review
from reports.models.imports import ImportBatch
from reports.models.vocabulary import REVIEW_PERMISSION
from tests.factories import make_assessment, make_incident, make_source, make_statement, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "analyst", "other_analyst", "reviewer", "admin"]
LOGIN = "login"  # a redirect to a login page (any other redirect is 302)

# fmt: off
EXPECTED = {
    # (anonymous, analyst, other analyst, reviewer, admin)
    "healthz": (200, 200, 200, 200, 200),
    "admin:index": (LOGIN, 200, 200, 200, 200),
    "admin:login": (200, 302, 302, 302, 302),
    "admin:password_change": (LOGIN, 200, 200, 200, 200),
    "admin:password_change_done": (LOGIN, 200, 200, 200, 200),
    "admin:autocomplete": (LOGIN, 403, 403, 403, 403),
    "admin:jsi18n": (LOGIN, 200, 200, 200, 200),
    "admin:view_on_site": (LOGIN, 404, 404, 404, 404),
    "admin:auth_group_changelist": (LOGIN, 403, 403, 403, 200),
    "admin:auth_group_add": (LOGIN, 403, 403, 403, 200),
    "admin:auth_group_history": (LOGIN, 403, 403, 403, 200),
    "admin:auth_group_delete": (LOGIN, 403, 403, 403, 200),
    "admin:auth_group_change": (LOGIN, 403, 403, 403, 200),
    "admin/auth/group/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:auth_user_password_change": (LOGIN, 403, 403, 403, 200),
    "admin:auth_user_changelist": (LOGIN, 403, 403, 403, 200),
    "admin:auth_user_add": (LOGIN, 403, 403, 403, 200),
    "admin:auth_user_history": (LOGIN, 403, 403, 403, 200),
    "admin:auth_user_delete": (LOGIN, 403, 403, 403, 200),
    "admin:auth_user_change": (LOGIN, 403, 403, 403, 200),
    "admin/auth/user/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:axes_accessattempt_changelist": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accessattempt_add": (LOGIN, 403, 403, 403, 403),
    "admin:axes_accessattempt_history": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accessattempt_delete": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accessattempt_change": (LOGIN, 403, 403, 403, 200),
    "admin/axes/accessattempt/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:axes_accesslog_changelist": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accesslog_add": (LOGIN, 403, 403, 403, 403),
    "admin:axes_accesslog_history": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accesslog_delete": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accesslog_change": (LOGIN, 403, 403, 403, 200),
    "admin/axes/accesslog/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:axes_accessfailurelog_changelist": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accessfailurelog_add": (LOGIN, 403, 403, 403, 403),
    "admin:axes_accessfailurelog_history": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accessfailurelog_delete": (LOGIN, 403, 403, 403, 200),
    "admin:axes_accessfailurelog_change": (LOGIN, 403, 403, 403, 200),
    "admin/axes/accessfailurelog/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:reports_incident_simple_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_incident_changelist": (LOGIN, 200, 200, 200, 200),
    "admin:reports_incident_add": (LOGIN, 200, 200, 200, 200),
    "admin:reports_incident_import": (LOGIN, 200, 200, 200, 200),  # analysts import as pending, reviewers publish
    "admin:reports_incident_release": (LOGIN, 403, 403, 200, 200),
    "admin:reports_incident_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_incident_delete": (LOGIN, 403, 403, 403, 200),
    "admin:reports_incident_change": (LOGIN, 200, 302, 200, 200),
    "admin/reports/incident/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:reports_assessment_simple_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_assessment_changelist": (LOGIN, 200, 200, 200, 200),
    "admin:reports_assessment_add": (LOGIN, 403, 403, 403, 403),
    "admin:reports_assessment_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_assessment_delete": (LOGIN, 403, 403, 403, 403),
    "admin:reports_assessment_change": (LOGIN, 200, 302, 200, 200),
    "admin/reports/assessment/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:reports_source_simple_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_source_changelist": (LOGIN, 200, 200, 200, 200),
    "admin:reports_source_add": (LOGIN, 403, 403, 403, 403),
    "admin:reports_source_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_source_delete": (LOGIN, 403, 403, 403, 403),
    "admin:reports_source_change": (LOGIN, 200, 302, 200, 200),
    "admin/reports/source/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:reports_officialstatement_simple_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_officialstatement_changelist": (LOGIN, 200, 200, 200, 200),
    "admin:reports_officialstatement_add": (LOGIN, 200, 200, 200, 200),
    "admin:reports_officialstatement_history": (LOGIN, 200, 404, 200, 200),
    "admin:reports_officialstatement_delete": (LOGIN, 403, 403, 200, 200),
    "admin:reports_officialstatement_change": (LOGIN, 200, 302, 200, 200),
    "admin:reports_officialstatement_retract": (LOGIN, 403, 403, 403, 403),  # POST only
    "admin:reports_importbatch_changelist": (LOGIN, 403, 403, 200, 200),
    "admin:reports_importbatch_add": (LOGIN, 403, 403, 403, 403),
    "admin:reports_importbatch_history": (LOGIN, 403, 403, 200, 200),
    "admin:reports_importbatch_delete": (LOGIN, 403, 403, 403, 403),
    "admin:reports_importbatch_change": (LOGIN, 403, 403, 200, 200),
    "admin:reports_importbatch_decide": (LOGIN, 403, 403, 403, 403),  # POST only
    "admin:reports_importbatch_file": (LOGIN, 403, 403, 404, 404),  # (this import holds no file)
    "admin/reports/importbatch/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin/reports/officialstatement/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:reports_assessor_changelist": (LOGIN, 200, 200, 200, 200),
    "admin:reports_assessor_add": (LOGIN, 403, 403, 200, 200),
    "admin:reports_assessor_history": (LOGIN, 200, 200, 200, 200),
    "admin:reports_assessor_delete": (LOGIN, 403, 403, 403, 200),
    "admin:reports_assessor_change": (LOGIN, 200, 200, 200, 200),
    "admin/reports/assessor/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:reports_belligerent_changelist": (LOGIN, 200, 200, 200, 200),
    "admin:reports_belligerent_add": (LOGIN, 403, 403, 200, 200),
    "admin:reports_belligerent_history": (LOGIN, 200, 200, 200, 200),
    "admin:reports_belligerent_delete": (LOGIN, 403, 403, 403, 200),
    "admin:reports_belligerent_change": (LOGIN, 200, 200, 200, 200),
    "admin/reports/belligerent/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:reports_striketype_changelist": (LOGIN, 200, 200, 200, 200),
    "admin:reports_striketype_add": (LOGIN, 403, 403, 200, 200),
    "admin:reports_striketype_history": (LOGIN, 200, 200, 200, 200),
    "admin:reports_striketype_delete": (LOGIN, 403, 403, 403, 200),
    "admin:reports_striketype_change": (LOGIN, 200, 200, 200, 200),
    "admin/reports/striketype/<path:object_id>/": (LOGIN, 302, 302, 302, 302),
    "admin:app_list": (LOGIN, 200, 200, 200, 200),
    "admin/(?P<url>.*)$": (LOGIN, 404, 404, 404, 404),
    "login": (200, 302, 302, 302, 302),
    "reports:home": (200, 200, 200, 200, 200),
    "reports:incident_list": (200, 200, 200, 200, 200),
    "reports:public_incident": (200, 200, 200, 200, 200),
    "reports:incidents_csv": (200, 200, 200, 200, 200),
    "reports:incidents_json": (200, 200, 200, 200, 200),
    "reports:tallies_json": (200, 200, 200, 200, 200),
    # The API: anonymous for everyone (no session is read), published and approved records only.
    "api:incident-list": (200, 200, 200, 200, 200),
    "api:incident-detail": (200, 200, 200, 200, 200),
    "api:statement-list": (200, 200, 200, 200, 200),
    "api:statement-detail": (404, 404, 404, 404, 404),  # Anna's statement, not approved
    "api:belligerent-list": (200, 200, 200, 200, 200),
    "api:belligerent-detail": (200, 200, 200, 200, 200),
    "api:assessor-list": (200, 200, 200, 200, 200),
    "api:assessor-detail": (200, 200, 200, 200, 200),
    "api:figures": (200, 200, 200, 200, 200),
    "api:deleted": (400, 400, 400, 400, 400),  # without its `since`
    "api:schema": (200, 200, 200, 200, 200),
    "api:docs": (200, 200, 200, 200, 200),
    "api:release-list": (200, 200, 200, 200, 200),
    **{  # no release made in this world
        f"api:release-{part}": (404, 404, 404, 404, 404)
        for part in ("detail", "incidents", "assessments", "sources", "statements", "statement_items")
    },
    "reports:methodology": (200, 200, 200, 200, 200),
    "reports:cite_incident": (200, 200, 200, 200, 200),
    "reports:cite_dataset": (200, 200, 200, 200, 200),
    "reports:releases": (200, 200, 200, 200, 200),
    "reports:release_file": (404, 404, 404, 404, 404),  # no release made in this world
    "reports:feeds": (200, 200, 200, 200, 200),
    "reports:feed_incidents": (200, 200, 200, 200, 200),
    "reports:feed_changes": (200, 200, 200, 200, 200),
    "reports:feed_statements": (200, 200, 200, 200, 200),
    "reports:my_work": (LOGIN, 200, 200, 200, 200),
    "reports:incident_create": (LOGIN, 200, 200, 200, 200),
    "reports:work_incident": (LOGIN, 200, 404, 200, 200),
    "reports:incident_edit": (LOGIN, 200, 404, 200, 200),
    "reports:assessment_create": (LOGIN, 200, 404, 200, 200),
    "reports:statement_create": (LOGIN, 200, 200, 200, 200),
    "reports:statement_detail": (LOGIN, 200, 404, 200, 200),
    "reports:statement_edit": (LOGIN, 200, 404, 200, 200),
    "reports:review_statement": (LOGIN, 403, 403, 200, 200),
    "reports:review_incident": (LOGIN, 403, 403, 200, 200),
    "reports:find_incident": (LOGIN, 200, 200, 200, 200),
    "admin:logout": (302, 302, 302, 302, 302),
    "logout": (302, 302, 302, 302, 302),
    "reports:incident_submit": (LOGIN, 302, 404, 302, 302),
}
# fmt: on


def patterns(resolvers=None, prefix="", namespace=None):
    """(route, name) for every URL pattern the project serves, admin included."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part) or None
            yield from patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            yield route, ":".join(part for part in (namespace, entry.name) if part) if entry.name else route


class World:
    """Anna's draft and what hangs off it, a published incident, and one row of every other admin model."""

    def __init__(self):
        self.users = {
            "analyst": make_user("anna-analyst", "analyst"),
            "other_analyst": make_user("omar-analyst", "analyst"),
            "reviewer": make_user("rita-reviewer", "reviewer"),
            "admin": make_user("ada-admin", "admin"),
        }
        anna = self.users["analyst"]
        self.draft = make_incident(code="CS-DRAFT", review_state=ReviewState.DRAFT, created_by=anna)
        self.published = make_incident(code="CS-PUBLIC")
        self.objects = {
            "incident": self.draft,
            "assessment": make_assessment(self.draft),
            "source": make_source(self.draft),
            "officialstatement": make_statement(created_by=anna, approved_at=None),
            "assessor": Assessor.objects.first(),
            "belligerent": Belligerent.objects.first(),
            "striketype": StrikeType.objects.first(),
            "user": anna,
            "group": Group.objects.first(),
            "accessattempt": AccessAttempt.objects.create(username="x", ip_address="192.0.2.1", failures_since_start=1),
            "accesslog": AccessLog.objects.create(username="x", ip_address="192.0.2.1"),
            "accessfailurelog": AccessFailureLog.objects.create(username="x", ip_address="192.0.2.1"),
            "importbatch": ImportBatch.objects.create(format="project", state="published", created_by=anna),
        }

    def object_id(self, model):
        return self.objects[model].pk

    def url(self, route, name):
        """A concrete URL for the route: its parameters filled with this world's records."""
        model = route.split("/")[2] if route.startswith("admin/") and route.count("/") > 2 else None
        replacements = {
            "<code:code>": lambda: (self.draft if route.startswith("work/") else self.published).code,
            "<slug:role>": lambda: "file",
            "<cite:suffix>": lambda: "bib",
            "<code:name>": lambda: "2026-12",
            "<code:filename>": lambda: "incidents.csv",
            "<int:pk>": lambda: (self.objects["officialstatement"] if "statements/" in route else self.draft).pk,
            "<path:object_id>": lambda: self.draft.pk if name == "admin:view_on_site" else self.object_id(model),
            "<id>": lambda: self.object_id(model),
            "<path:content_type_id>": lambda: ContentType.objects.get_for_model(self.draft).pk,
            "^(?P<app_label>auth|axes|reports)/$": lambda: "reports/",
            "(?P<url>.*)$": lambda: "no-such-page/",
            "^([^/]+)/history/([^/]+)/$": lambda: f"{self.object_id(model)}/history/{self.history_id(model)}/",
        }
        if route.startswith("api/"):  # the API's router writes regular expressions
            route = route.replace("/^", "/").removesuffix("$")
            replacements = {
                "(?P<code>[A-Za-z0-9][A-Za-z0-9._-]*)": lambda: self.published.code,
                "(?P<pk>[^/.]+)": lambda: self.objects["officialstatement"].pk,
                "(?P<slug>[^/.]+)": lambda: "cjtf-oir" if "assessors/" in route else "us-led-coalition",
                "<str:name>": lambda: "2026-12",  # a release's name
            }
        for pattern, value in replacements.items():
            if pattern in route:
                route = route.replace(pattern, str(value()))
        assert "<" not in route and "(" not in route, f"no value for a parameter of {route}"
        return "/" + route

    def history_id(self, model):
        return self.objects[model].history.first().history_id


POST_ONLY = {"logout", "admin:logout", "reports:incident_submit"}


def status_for(client, world, role, route, name):
    if role != "anonymous":
        client.force_login(world.users[role])
    url = world.url(route, name)
    response = client.post(url) if name in POST_ONLY else client.get(url)
    if response.status_code == 302 and "/login/" in response["Location"] and "/login/" not in url:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_url_gives_each_role_the_expected_status(client, role):
    world = World()
    actual = {}
    # State-changing URLs last, so that submitting Anna's draft does not change what the others see.
    for route, name in sorted(patterns(), key=lambda pattern: pattern[1] in POST_ONLY):
        actual[name] = status_for(client, world, role, route, name)
        client.logout()
    column = ROLES.index(role)
    expected = {key: row[column] for key, row in EXPECTED.items()}
    assert actual == expected


STAFF_PATH = StaffPagesNotCachedMiddleware.STAFF_PATH


def cache_directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_response_is_private_and_never_stored(client, role):
    """Whatever the answer: the page, a redirect to log in or after a save, 404, 405 (403, 500 and the idle
    timeout: test_security.py)."""
    world = World()
    if role != "anonymous":
        client.force_login(world.users[role])
    urls = [world.url(route, name) for route, name in patterns() if ("/" + route).startswith(STAFF_PATH)]
    assert len(urls) >= 7
    for url in [*urls, STAFF_PATH + "no-such-page/"]:
        for method in (client.get, client.post):
            response = method(url)
            directives = cache_directives(response)
            assert {"private", "no-store"} <= directives, (method.__name__, url, response.status_code)


def views(resolvers=None, prefix=""):
    """(route, view) for every URL pattern the project serves."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from views(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry.callback


def test_every_staff_view_is_under_the_staff_path():
    """What keeps the staff pages out of caches is keyed on STAFF_PATH: a staff view elsewhere would escape it."""
    staff_modules = {"reports.views.entry", "reports.views.workbench", "reports.views.statements"}
    staff_routes = [route for route, view in views() if view.__module__ in staff_modules]
    assert len(staff_routes) >= 12
    assert [route for route in staff_routes if not ("/" + route).startswith(STAFF_PATH)] == []


def test_another_analyst_cannot_change_a_draft_by_its_id(client):
    """Omar changes the id in the URL to Anna's draft: every way of writing to it is refused, nothing changes."""
    world = World()
    client.force_login(world.users["other_analyst"])
    draft = world.draft
    assert client.post(f"/work/incidents/{draft.code}/edit/", {"title": "Hijacked"}).status_code == 404
    assert client.post(f"/work/incidents/{draft.code}/submit/").status_code == 404
    assert client.post(f"/work/incidents/{draft.code}/assessments/new/", {"verdict": "fair"}).status_code == 404
    response = client.post(f"/admin/reports/incident/{draft.pk}/change/", {"title": "Hijacked"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    statement = world.objects["officialstatement"]
    client.post(f"/admin/reports/officialstatement/{statement.pk}/change/", {"civilians_killed": "1"})
    draft.refresh_from_db()
    statement.refresh_from_db()
    assert draft.title.startswith("Test incident")
    assert draft.review_state == ReviewState.DRAFT
    assert statement.civilians_killed == 352


def test_one_review_permission_says_who_reviews(analyst, reviewer, admin_user):
    """Who is a reviewer is one check (can_review), on the permission Incident declares; no module spells the
    permission out again."""
    assert REVIEW_PERMISSION.removeprefix("reports.") in dict(Incident._meta.permissions)
    assert [can_review(user) for user in (analyst, reviewer, admin_user)] == [False, True, True]
    package = Path(reports.__file__).parent
    spelled = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "migrations" not in path.parts and REVIEW_PERMISSION in path.read_text(encoding="utf-8")
    )
    assert spelled == ["models/vocabulary.py"]
