"""Security defaults: headers and cookies, no inline script or style, login lockout that a forged
X-Forwarded-For does not dodge, sessions rotated and ended, the staff idle timeout, password rules, the
security and request logs, /healthz and the 503 page while the database is unreachable."""

import itertools
import json
import logging
import re
import time
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from reports.log import JsonFormatter
from reports.roles import create_user_in_role
from reports.security import LAST_SEEN
from tests.factories import PASSWORD, make_incident

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOGIN = reverse("login")


def public_pages():
    incident = make_incident(code="CS0001")
    return [
        reverse("reports:home"),
        reverse("reports:incident_list"),
        reverse("reports:public_incident", args=[incident.code]),
        reverse("reports:methodology"),
        reverse("reports:incidents_csv"),
        reverse("reports:incidents_json"),
        reverse("reports:tallies_json"),
        LOGIN,
        reverse("admin:login"),
        reverse("healthz"),
        "/no-such-page/",
    ]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


# --- Headers and cookies ---------------------------------------------------------------------------------


def test_every_main_page_sends_the_security_headers(client, analyst):
    client.force_login(analyst)
    for url in [*public_pages(), reverse("reports:my_work"), reverse("admin:index")]:
        response = client.get(url)
        assert response.status_code in (200, 302, 404), url
        directives = csp_directives(response)
        assert directives["frame-ancestors"] == ["'none'"], url
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["default-src"] == ["'self'"], url
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url


def test_hsts_for_a_year_when_https_is_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("reports:home"), secure=True)
    max_age = int(re.search(r"max-age=(\d+)", response["Strict-Transport-Security"]).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_cookies_are_httponly_samesite_and_secure_under_https(client, analyst, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client.get(LOGIN, secure=True)
    response = client.post(LOGIN, {"username": analyst.username, "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies[name] if name in response.cookies else client.cookies[name]
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name
        assert cookie["secure"], name


def test_production_defaults_secure_the_cookies():
    # test_settings.py runs `check --deploy` in a fresh process with the production defaults; here, the values.
    from casualties import settings as production

    assert production.SESSION_COOKIE_HTTPONLY and production.CSRF_COOKIE_HTTPONLY
    assert production.SESSION_COOKIE_SAMESITE == production.CSRF_COOKIE_SAMESITE == "Lax"


def test_staff_errors_and_redirects_are_not_cached_either(client, analyst, reader, settings):
    """The page of every staff URL is tested in test_authorization.py; here, the answers made elsewhere."""
    client.force_login(reader)
    responses = [client.get(reverse("reports:my_work"))]  # no role: 403
    client.force_login(analyst)
    client.raise_request_exception = False
    with mock.patch("reports.views.workbench.render", side_effect=ValueError("boom")):
        responses.append(client.get(reverse("reports:my_work")))  # 500
    with mock.patch("reports.views.workbench.render", side_effect=OperationalError("server closed")):
        responses.append(client.get(reverse("reports:my_work")))  # 503
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.STAFF_IDLE_TIMEOUT - 5
    session.save()
    responses.append(client.get(reverse("reports:my_work")))  # idle: logged out, sent to log in
    assert [response.status_code for response in responses] == [403, 500, 503, 302]
    for response in responses:
        assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert "no-store" not in client.get(reverse("reports:home")).get("Cache-Control", "")  # public: cacheable


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"\sstyle=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """The CSP allows none, so none may be written: scripts and styles live in static/."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        offenders += [f"{template.relative_to(ROOT)}: {what}" for pattern, what in INLINE if pattern.search(text)]
    for module in (ROOT / "reports").rglob("*.py"):  # the SVG chart and any HTML built in Python
        text = module.read_text()
        offenders += [f"{module.relative_to(ROOT)}: {what}" for pattern, what in INLINE[:4] if pattern.search(text)]
    assert offenders == []


def test_pages_as_rendered_have_no_inline_script_or_style(client, analyst):
    client.force_login(analyst)
    for url in [*public_pages()[:4], reverse("reports:my_work"), reverse("reports:incident_create")]:
        html = client.get(url).content.decode()
        for pattern, what in INLINE:
            assert not pattern.search(html), f"{url}: {what}"


# --- Login lockout and the security log ------------------------------------------------------------------


def failed_login(client, username, address, forwarded_for=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(LOGIN, {"username": username, "password": "wrong-password-123"}, **headers)


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, analyst, caplog):
    with caplog.at_level(logging.INFO, logger="reports.security"):
        for _ in range(4):
            assert failed_login(client, analyst.username, "203.0.113.7").status_code == 200
        assert failed_login(client, analyst.username, "203.0.113.7").status_code == 429  # the fifth locks
        locked = client.post(LOGIN, {"username": analyst.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert SESSION_KEY not in client.session
    failures = [record for record in caplog.records if getattr(record, "event", "") == "login_failed"]
    assert len(failures) >= 5
    assert failures[0].username == analyst.username
    assert failures[0].client_ip == "203.0.113.7"
    assert "wrong-password" not in caplog.text


def right_password(username, address, forwarded_for=None):
    """The real user logging in, from a browser of their own."""
    headers = {"REMOTE_ADDR": address}
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post(LOGIN, {"username": username, "password": PASSWORD}, **headers)


def test_an_attacker_elsewhere_does_not_lock_the_user_out(client, analyst, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        failed_login(client, analyst.username, "203.0.113.7")
    assert right_password(analyst.username, "203.0.113.7").status_code == 429  # the attacker's address: locked
    assert right_password(analyst.username, "198.51.100.4").status_code == 302  # the user's own: not


def test_logging_in_to_ones_own_account_does_not_clear_failures_against_another(client, analyst, other_analyst):
    for _ in range(4):
        failed_login(client, analyst.username, "203.0.113.7")
    assert right_password(other_analyst.username, "203.0.113.7").status_code == 302
    assert failed_login(client, analyst.username, "203.0.113.7").status_code == 429


def test_a_forged_x_forwarded_for_does_not_dodge_the_lockout(client, analyst):
    for attempt in range(5):
        failed_login(client, analyst.username, "203.0.113.8", forwarded_for=f"198.51.100.{attempt}")
    # Yet another forged address: still the same client, still locked.
    assert right_password(analyst.username, "203.0.113.8", forwarded_for="198.51.100.99").status_code == 429


def test_behind_our_proxy_only_the_address_it_appended_counts(client, analyst, settings):
    settings.BEHIND_PROXY = True
    for attempt in range(5):
        # The client forges the left part; the proxy (REMOTE_ADDR 10.0.0.1) appends the real address.
        failed_login(client, analyst.username, "10.0.0.1", forwarded_for=f"198.51.100.{attempt}, 203.0.113.9")
    assert right_password(analyst.username, "10.0.0.1", forwarded_for="198.51.100.200, 203.0.113.9").status_code == 429
    assert right_password(analyst.username, "10.0.0.1", forwarded_for="203.0.113.10").status_code == 302


def test_a_username_under_attack_from_many_addresses_is_locked_at_the_higher_limit(
    client, analyst, other_analyst, settings
):
    assert settings.LOGIN_FAILURE_LIMIT_WIDE >= 10 * settings.AXES_FAILURE_LIMIT
    addresses = (f"203.0.{number // 200}.{number % 200 + 1}" for number in itertools.count())
    for _ in range(settings.LOGIN_FAILURE_LIMIT_WIDE - 1):
        failed_login(client, analyst.username, next(addresses))
    assert right_password(analyst.username, "198.51.100.4").status_code == 302
    failed_login(client, analyst.username, next(addresses))
    assert right_password(analyst.username, "198.51.100.4").status_code == 429  # from anywhere now
    assert right_password(other_analyst.username, "203.0.0.1").status_code == 302  # the addresses are not locked


def test_one_address_trying_many_usernames_is_locked_at_the_higher_limit(client, analyst, settings):
    for attempt in range(settings.LOGIN_FAILURE_LIMIT_WIDE - 1):
        failed_login(client, f"nobody-{attempt}", "203.0.113.8", forwarded_for=f"198.51.100.{attempt}")
    assert right_password(analyst.username, "203.0.113.8").status_code == 302
    failed_login(client, "nobody-else", "203.0.113.8")
    assert right_password(analyst.username, "203.0.113.8", forwarded_for="198.51.100.99").status_code == 429
    assert right_password(analyst.username, "203.0.113.20").status_code == 302  # the username is not locked


def test_logins_logouts_and_refusals_are_logged(client, analyst, caplog):
    draft_elsewhere = make_incident(review_state="draft")
    with caplog.at_level(logging.INFO, logger="reports.security"):
        client.post(LOGIN, {"username": analyst.username, "password": PASSWORD})
        client.get(reverse("admin:auth_user_changelist"))  # analysts may not manage users: 403
        client.get(reverse("reports:incident_edit", args=[draft_elsewhere.code]))  # another's draft: 404
        client.post(reverse("logout"))
    events = [(record.event, getattr(record, "user", None)) for record in caplog.records if hasattr(record, "event")]
    assert ("login", analyst.username) in events
    assert ("forbidden", analyst.username) in events
    assert ("logout", analyst.username) in events


# --- Sessions and passwords -----------------------------------------------------------------------------


def test_the_session_is_rotated_at_login_and_ended_at_logout(client, analyst):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    client.post(LOGIN, {"username": analyst.username, "password": PASSWORD})
    after = client.cookies["sessionid"].value
    assert after != before
    stolen = Client()
    stolen.cookies["sessionid"] = after
    assert stolen.get(reverse("reports:my_work")).status_code == 200
    client.post(reverse("logout"))
    assert stolen.get(reverse("reports:my_work")).status_code == 302  # the old session is gone


def test_deactivating_a_user_ends_their_session(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("reports:my_work")).status_code == 200
    analyst.is_active = False
    analyst.save()
    response = client.get(reverse("reports:my_work"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_staff_are_logged_out_after_the_idle_timeout(client, analyst, settings):
    client.force_login(analyst)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.STAFF_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("reports:my_work"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get(reverse("reports:my_work")).status_code == 302  # and the session is gone for good


def test_an_active_staff_session_stays(client, analyst, settings):
    client.force_login(analyst)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.STAFF_IDLE_TIMEOUT + 60
    session.save()
    assert client.get(reverse("reports:my_work")).status_code == 200


@pytest.mark.parametrize("password", ["short-1A", "password12345", "123456789012345", "anna-analyst-2024"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        create_user_in_role("anna-analyst", "analyst", password)


# --- Health, outages and the logs -----------------------------------------------------------------------


def test_healthz_checks_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    with mock.patch("reports.views.health.connection.cursor", side_effect=OperationalError("server closed")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_an_unreachable_database_gives_a_friendly_503(client, caplog):
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
    with mock.patch("reports.views.public.tallies.dashboard", side_effect=refused):
        response = client.get(reverse("reports:home"))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert b"Temporarily unavailable" in response.content
    assert b"Traceback" not in response.content and b"5432" not in response.content
    assert "Content-Security-Policy" in response


def test_a_deadlock_is_an_error_of_the_request_not_an_outage(client):
    class Deadlock(Exception):
        pgcode = "40P01"

    deadlock = OperationalError("deadlock detected")
    deadlock.__cause__ = Deadlock()
    client.raise_request_exception = False
    with mock.patch("reports.views.public.tallies.dashboard", side_effect=deadlock):
        response = client.get(reverse("reports:home"))
    assert response.status_code == 500


def test_a_database_error_outside_a_view_is_still_a_503(client):
    client.raise_request_exception = False
    with mock.patch("reports.middleware.StaffIdleTimeoutMiddleware.__call__", side_effect=OperationalError("down")):
        response = client.get(reverse("reports:home"))
    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.content


def test_requests_are_logged_as_json_lines(client, caplog):
    with caplog.at_level(logging.INFO, logger="reports.request"):
        client.get(reverse("reports:methodology"), REMOTE_ADDR="192.0.2.5")
    record = next(record for record in caplog.records if record.name == "reports.request")
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == reverse("reports:methodology")
    assert line["status"] == 200
    assert line["client_ip"] == "192.0.2.5"
    assert isinstance(line["duration_ms"], float)


def test_a_refused_form_gets_our_page_not_djangos_inline_styled_one(analyst):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": analyst.username, "password": PASSWORD})
    assert response.status_code == 403
    assert b"Form expired" in response.content
    assert b"<style" not in response.content


def test_an_unexpected_error_gets_a_plain_500_page_without_details(client):
    client.raise_request_exception = False
    with mock.patch("reports.views.public.tallies.dashboard", side_effect=ValueError("secret detail")):
        response = client.get(reverse("reports:home"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"secret detail" not in response.content and b"Traceback" not in response.content
