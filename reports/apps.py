from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Casualty reports"

    def ready(self):
        from reports import security  # noqa: F401  (connects the login, logout and failed-login log)
        from reports.figures.receivers import rebuild_outdated_summary  # (connects the figures' receivers)

        post_migrate.connect(rebuild_outdated_summary, sender=self)
