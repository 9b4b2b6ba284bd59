from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Casualty reports"

    def ready(self):
        from reports import security  # noqa: F401  (connects the login, logout and failed-login log)
