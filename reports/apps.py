from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(using, **kwargs):
    """The database cache's table (settings.CACHES), made by `migrate` like every other table: nothing more to
    run on a new machine or a deployment. It does nothing when the cache is Redis, or the table exists."""
    call_command("createcachetable", database=using, verbosity=0)


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Casualty reports"

    def ready(self):
        from reports import security  # noqa: F401  (connects the login, logout and failed-login log)
        from reports.figures.receivers import rebuild_outdated_summary  # (connects the figures' receivers)
        from reports.page_cache import deployed_code

        post_migrate.connect(rebuild_outdated_summary, sender=self)
        post_migrate.connect(create_cache_table, sender=self)
        deployed_code()  # the code this process runs, hashed as it starts (the pages' cache keys and ETags name it)
