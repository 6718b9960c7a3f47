"""Thin views over the selectors and models."""

from django.views.generic import DetailView, TemplateView

from dashboard.models import Contract, Country, Person, Platform, Source, Statement


class OverviewView(TemplateView):
    template_name = "dashboard/overview.html"


class CountryDetailView(DetailView):
    model = Country
    slug_field = "iso2"
    slug_url_kwarg = "iso2"


class PlatformDetailView(DetailView):
    model = Platform


class ContractDetailView(DetailView):
    model = Contract


class StatementDetailView(DetailView):
    model = Statement


class SourceDetailView(DetailView):
    model = Source


class PersonDetailView(DetailView):
    model = Person
