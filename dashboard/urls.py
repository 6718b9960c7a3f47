"""The analysts' pages."""

from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("countries/<str:iso2>/", views.CountryDetailView.as_view(), name="country-detail"),
    path("platforms/<slug:slug>/", views.PlatformDetailView.as_view(), name="platform-detail"),
    path("contracts/<slug:slug>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("statements/<slug:slug>/", views.StatementDetailView.as_view(), name="statement-detail"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
]
