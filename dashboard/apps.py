"""The dashboard app: the data model, the admin and the analysts' pages."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Defence ties"

    def ready(self):
        from dashboard.cache import connect_signals

        connect_signals(self.get_models())
        # The API's schema extensions register themselves when imported.
        import dashboard.api.schema  # noqa: F401
