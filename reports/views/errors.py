"""Error pages that need no database: a 503 while it is unreachable, and the 500 page."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string


def database_unavailable(request):
    # Rendered without the request's context processors: they would query the database for the user.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "10"
    return response


def server_error(request):
    """handler500: a database outage that escaped a view (say, in a middleware) is still a 503."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable(request)
    return HttpResponseServerError(render_to_string("500.html"))
