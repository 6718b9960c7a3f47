"""Top-level URL configuration: the admin, signing in and out, the web API and the dashboard."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from dashboard.admin_loading import fixture_load_view

admin.site.site_header = "Defence Ties Dashboard"
admin.site.site_title = "Defence Ties Dashboard admin"
admin.site.index_title = "Records"
# The change lists take the page's width: beside the sidebar, a deal's columns from Units on
# were out of view on a laptop's screen.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # An admin page that is no model's: admin_view() gives it the admin's login and CSRF (so
    # LoginRequiredMiddleware, when on, leaves it to the admin's login, as for the admin's pages).
    path(
        "admin/dashboard/load-fixtures/",
        login_not_required(admin.site.admin_view(fixture_load_view)),
        name="admin-load-fixtures",
    ),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon, the admin's among them.
    path(
        "favicon.ico",
        login_not_required(
            lambda request: redirect(static("dashboard/favicon.svg"), permanent=True)
        ),
    ),
    # Readers' sign-in (the admin's refuses users who are not staff); Django marks LoginView
    # login_not_required. Sign-out is a POST.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("dashboard.api.urls")),
    path("", include("dashboard.urls")),
]
