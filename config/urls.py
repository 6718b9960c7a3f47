"""Top-level URL configuration: the admin and the dashboard."""

from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from dashboard.admin_loading import fixture_load_view

admin.site.site_header = "Defence Ties Dashboard"
admin.site.site_title = "Defence Ties Dashboard admin"
admin.site.index_title = "Records"

urlpatterns = [
    # An admin page that is no model's: admin_view() gives it the admin's login and CSRF.
    path(
        "admin/dashboard/load-fixtures/",
        admin.site.admin_view(fixture_load_view),
        name="admin-load-fixtures",
    ),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon, the admin's among them.
    path("favicon.ico", lambda request: redirect(static("dashboard/favicon.svg"), permanent=True)),
    path("", include("dashboard.urls")),
]
