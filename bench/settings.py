"""The production settings plus one trivial view (bench/urls.py), the baseline the load benchmark compares
each page against when served by the same gunicorn."""

from casualties.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
