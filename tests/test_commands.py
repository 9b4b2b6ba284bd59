"""The management commands: users in roles, and the fictional demo data set."""

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory

from reports.devdata.demo import DEMO_CODE_PREFIX, load_demo_data
from reports.models import Assessment, Incident, OfficialStatement, ReviewState
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("role", "group", "superuser"),
    [("analyst", "Analyst", False), ("reviewer", "Reviewer", False), ("admin", None, True)],
)
def test_create_user_in_each_role(monkeypatch, role, group, superuser):
    monkeypatch.setenv("CREATE_USER_PASSWORD", "correct-Horse-battery-9")
    assert "Created sam" in run("create_user", "sam", role=role)
    user = authenticate(RequestFactory().post("/accounts/login/"), username="sam", password="correct-Horse-battery-9")
    assert user is not None and user.is_staff
    assert user.is_superuser is superuser
    assert [g.name for g in user.groups.all()] == ([group] if group else [])


def test_create_user_updates_an_existing_users_role(monkeypatch):
    monkeypatch.setenv("CREATE_USER_PASSWORD", "correct-Horse-battery-9")
    run("create_user", "sam", role="analyst")
    assert "Updated sam as reviewer" in run("create_user", "sam", role="reviewer")
    assert list(Group.objects.filter(user__username="sam").values_list("name", flat=True)) == ["Reviewer"]


@pytest.mark.parametrize("password", ["password", "12345678901234", "short"])
def test_create_user_refuses_weak_passwords(monkeypatch, password):
    monkeypatch.setenv("CREATE_USER_PASSWORD", password)
    with pytest.raises(CommandError, match="Password refused"):
        run("create_user", "sam", role="analyst")


def test_create_user_refuses_unknown_roles(monkeypatch):
    monkeypatch.setenv("CREATE_USER_PASSWORD", "correct-Horse-battery-9")
    with pytest.raises(CommandError, match="invalid choice"):
        run("create_user", "sam", role="superhero")


def test_roles_have_the_right_permissions():
    analyst = set(Group.objects.get(name="Analyst").permissions.values_list("codename", flat=True))
    reviewer = set(Group.objects.get(name="Reviewer").permissions.values_list("codename", flat=True))
    assert {"add_incident", "change_incident", "add_assessment", "add_officialstatement"} <= analyst
    assert not {"review_incident", "delete_incident", "change_assessor"} & analyst
    assert analyst < reviewer
    assert {"review_incident", "change_assessor"} <= reviewer
    assert "delete_incident" not in reviewer


def test_load_demo_covers_every_state_assessor_kind_and_verdict_kind():
    assert "Loaded 36 fictional demo incidents" in run("load_demo")
    incidents = Incident.objects.all()
    assert incidents.count() == 36
    assert all(code.startswith(DEMO_CODE_PREFIX) for code in incidents.values_list("code", flat=True))
    assert set(incidents.values_list("review_state", flat=True)) == set(ReviewState.values)
    assert set(Assessment.objects.values_list("assessor__kind", flat=True)) == {"official", "monitor"}
    assert {"under_review", "credible", "non_credible"} <= set(Assessment.objects.values_list("verdict", flat=True))
    assert OfficialStatement.objects.count() == 2
    assert "Demo data is already loaded." in run("load_demo")
    assert Incident.objects.count() == 36


def snapshot_of_a_fresh_demo_load():
    with transaction.atomic():
        load_demo_data()
        snapshot = (
            list(Incident.objects.values_list("code", "date_start", "place_name", "review_state", "grading")),
            list(
                Assessment.objects.values_list(
                    "incident__code", "assessor__name", "verdict", "killed_min", "killed_max"
                )
            ),
        )
        transaction.set_rollback(True)
    return snapshot


def test_load_demo_is_deterministic():
    assert snapshot_of_a_fresh_demo_load() == snapshot_of_a_fresh_demo_load()


def test_load_demo_refuses_to_mix_with_real_data_unless_forced():
    make_incident(code="CS1548")
    with pytest.raises(CommandError, match="refusing"):
        run("load_demo")
    assert "demo data not loaded" in run("load_demo", if_empty=True)
    assert Incident.objects.count() == 1
    run("load_demo", force=True)
    assert Incident.objects.count() == 37


def test_load_demo_with_users_prints_working_passwords_once():
    out = run("load_demo", with_users=True)
    lines = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert [(role, name) for role, name, _password in lines] == [
        ("analyst", "demo-analyst"),
        ("reviewer", "demo-reviewer"),
        ("admin", "demo-admin"),
    ]
    for _role, name, password in lines:
        assert authenticate(RequestFactory().post("/accounts/login/"), username=name, password=password) is not None
    again = run("load_demo", with_users=True)
    assert "Demo users exist already" in again
    assert lines[0][2] not in again
