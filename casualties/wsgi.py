"""WSGI entry point, served by gunicorn (`gunicorn casualties.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casualties.settings")

application = get_wsgi_application()
