"""Anonymous clients throttled per address, counted in the shared cache (Django's "default")."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from reports import security


class AnonymousRateThrottle(AnonRateThrottle):
    def get_rate(self):
        # Read at each request, so that the environment (and a test's settings) decide it, not import time.
        return settings.API_ANON_RATE

    def get_ident(self, request):
        # The address the login lockout uses too: behind our proxy, the one it appended, which a client cannot forge.
        return security.client_ip(request)
