"""Top-level URL configuration: the admin and the dashboard."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Defence Ties Dashboard"
admin.site.site_title = "Defence Ties Dashboard admin"
admin.site.index_title = "Records"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
]
