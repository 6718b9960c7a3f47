"""The dashboard app: the data model, the admin and the analysts' pages."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Defence ties"
