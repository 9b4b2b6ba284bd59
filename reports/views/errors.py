"""Error pages that need no database: a 503 while it is unreachable, and the 500 page."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

# SQLSTATEs of a database that cannot be reached or is shutting down. Other operational errors (a deadlock,
# 40P01; a lock timeout, 55P03; a cancelled statement, 57014) belong to the request, not to an outage: they are
# errors (500), logged with their traceback. No code at all: the connection itself failed.
OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def is_outage(exception):
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    code = getattr(exception.__cause__, "pgcode", None)
    return code is None or code.startswith(OUTAGE_SQLSTATES)


def database_unavailable(request):
    # Rendered without the request's context processors: they would query the database for the user.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "10"
    return response


def server_error(request):
    """handler500: a database outage that escaped a view (say, in a middleware) is still a 503."""
    exception = sys.exc_info()[1]
    if is_outage(exception):
        return database_unavailable(request)
    return HttpResponseServerError(render_to_string("500.html"))
