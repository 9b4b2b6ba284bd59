"""Who is asking, and the security log: logins, failed logins, logouts and refused requests.

Every line goes to the `reports.security` logger (JSON on stdout in production), with the client address as
`client_ip` gives it, so a brute-force attempt or a probe for other analysts' drafts is visible in the log.
"""

import logging
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("reports.security")
LAST_SEEN = "last_seen"  # session key: when the user last made a request (the staff idle timeout)


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind our own proxy (BEHIND_PROXY) the last address in
    X-Forwarded-For, the one that proxy appended. Anything to the left of it came from the client and may be
    forged, so it is never used: a client cannot dodge the login lockout by inventing addresses."""
    if request is None:
        return None
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def request_facts(request):
    user = getattr(request, "user", None)
    return {
        "client_ip": client_ip(request),
        "path": request.path if request is not None else None,
        "user": user.get_username() if user is not None and user.is_authenticated else None,
    }


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
    log.info("login", extra={"event": "login", **request_facts(request), "user": user.get_username()})


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    name = user.get_username() if user is not None else None
    log.info("logout", extra={"event": "logout", **request_facts(request), "user": name})


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    # The username tried, never the password (Django already masks it in `credentials`).
    log.warning(
        "login failed",
        extra={
            "event": "login_failed",
            **request_facts(request),
            "user": None,
            "username": credentials.get("username"),
        },
    )


def refused(request, status):
    """A request refused for lack of rights (401/403): one warning line."""
    log.warning("refused", extra={"event": "forbidden", "status": status, **request_facts(request)})
