"""The analysts' pages. URL names follow "<model>-list" and "<model>-detail"."""

from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("ties/<str:first>/<str:second>/", views.PairView.as_view(), name="pair"),
    path("countries/", views.CountryListView.as_view(), name="country-list"),
    path("countries/<str:iso2>/", views.CountryDetailView.as_view(), name="country-detail"),
    path("platforms/", views.PlatformListView.as_view(), name="platform-list"),
    path("platforms/<slug:slug>/", views.PlatformDetailView.as_view(), name="platform-detail"),
    path("contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("contracts/<slug:slug>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("statements/", views.StatementListView.as_view(), name="statement-list"),
    path("statements/<slug:slug>/", views.StatementDetailView.as_view(), name="statement-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
]
