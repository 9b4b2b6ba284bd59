"""Who is asking, the login lockout, and the security log: logins, failed logins, logouts and refused requests.

Every line goes to the `reports.security` logger (JSON on stdout in production), with the client address as
`client_ip` gives it, so a brute-force attempt or a probe for other analysts' drafts is visible in the log.
"""

import logging
import time

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q, Sum
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


class LoginLockoutHandler(AxesDatabaseHandler):
    """django-axes with two limits within the cool-off. One username from one address is locked after
    AXES_FAILURE_LIMIT failures; one username from any addresses, or one address trying any usernames, after
    LOGIN_FAILURE_LIMIT_WIDE. So an attacker elsewhere cannot lock the real user out with a few tries, and
    a slow attack spread over many addresses or usernames is still stopped.

    axes compares one count with one limit, so `get_failures` gives the pair's count, raised to the limit
    once a wide count reaches its own. AXES_LOCKOUT_PARAMETERS names only the pair: a successful login then
    clears that pair's failures and nothing else (clearing an address's would let an attacker with an
    account of their own wipe their failures against others by logging in)."""

    def get_failures(self, request, credentials=None):
        username, address = get_client_username(request, credentials), request.axes_ip_address
        counts = (
            AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
            .filter(Q(username=username) | Q(ip_address=address))
            .aggregate(
                pair=failures_of(username=username, ip_address=address),
                username=failures_of(username=username),
                address=failures_of(ip_address=address),
            )
        )
        if max(counts["username"], counts["address"]) >= settings.LOGIN_FAILURE_LIMIT_WIDE:
            return max(counts["pair"], get_failure_limit(request, credentials))
        return counts["pair"]


def failures_of(**match):
    return Sum("failures_since_start", filter=Q(**match), default=0)


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
