"""The analysts' pages. URL names follow "<model>-list" and "<model>-detail"."""

from django.urls import path, register_converter

from dashboard import views
from dashboard.converters import PartyCodeConverter

register_converter(PartyCodeConverter, "code")

app_name = "dashboard"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("health/", views.health, name="health"),
    path("ready/", views.ready, name="ready"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("ties/", views.PairListView.as_view(), name="pair-list"),
    path("ties/<code:first>/<code:second>/", views.PairView.as_view(), name="pair"),
    path("parties/", views.PartyListView.as_view(), name="party-list"),
    path("parties/<code:code>/", views.PartyDetailView.as_view(), name="party-detail"),
    path("transfers/", views.TransferListView.as_view(), name="transfer-list"),
    path("platforms/", views.PlatformListView.as_view(), name="platform-list"),
    path("platforms/<slug:slug>/", views.PlatformDetailView.as_view(), name="platform-detail"),
    path("deals/", views.DealListView.as_view(), name="deal-list"),
    path("deals/<slug:slug>/", views.DealDetailView.as_view(), name="deal-detail"),
    path("statements/", views.StatementListView.as_view(), name="statement-list"),
    path("statements/<slug:slug>/", views.StatementDetailView.as_view(), name="statement-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("sources/<slug:slug>/text/", views.source_text, name="source-text"),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("engagements/", views.EngagementListView.as_view(), name="engagement-list"),
    path(
        "engagements/<slug:slug>/",
        views.EngagementDetailView.as_view(),
        name="engagement-detail",
    ),
    path("standing-bodies/", views.StandingBodyListView.as_view(), name="standingbody-list"),
    path(
        "standing-bodies/<slug:slug>/",
        views.StandingBodyDetailView.as_view(),
        name="standingbody-detail",
    ),
    path("agreements/", views.AgreementListView.as_view(), name="agreement-list"),
    path("agreements/<slug:slug>/", views.AgreementDetailView.as_view(), name="agreement-detail"),
    # Addresses from before deals and parties had their names.
    path("contracts/", views.RenamedAddressView.as_view(pattern_name="dashboard:deal-list")),
    path(
        "contracts/<slug:slug>/",
        views.RenamedAddressView.as_view(pattern_name="dashboard:deal-detail"),
    ),
    path("countries/", views.RenamedAddressView.as_view(pattern_name="dashboard:party-list")),
    path(
        "countries/<code:code>/",
        views.RenamedAddressView.as_view(pattern_name="dashboard:party-detail"),
    ),
]
