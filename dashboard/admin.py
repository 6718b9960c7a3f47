"""The editors' side: every model in the Django admin, with search, filters and inlines.

Every model admin keeps history (django-simple-history): the "History" button lists each
version with who changed it, when, and why, and reverts to one. The change form asks for an
optional reason, stored with the history row.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from dashboard.api import tokens
from dashboard.edits import VERSION_FIELD, edit_conflict, record_version
from dashboard.models import (
    NOT_IN_SOURCE_CODE,
    Agreement,
    AgreementCitation,
    Deal,
    DealCitation,
    Delivery,
    Engagement,
    EngagementCitation,
    EngagementParticipant,
    Party,
    Person,
    Platform,
    PlatformAlias,
    Source,
    StandingBody,
    StandingBodyCitation,
    Statement,
)
from dashboard.passages import nearest_passages, shortened
from dashboard.services import (
    deliveries_delete,
    delivery_delete,
    delivery_save,
    delivery_tiv_update,
)


class ChangeReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=100,  # simple-history's history_change_reason column
        help_text="Optional; kept in the record's history.",
    )


# How much of a source's text the admin shows beside an excerpt not found in it.
SOURCE_TEXT_SHOWN = 20_000


class SourceTextOnError(forms.ModelForm):
    """Beside an excerpt (or a quote) that is not in its source, the sentences of the source
    nearest to it and the source's text, so that the editor can pick the passage."""

    passage_fields = ("excerpt", "text")

    def _post_clean(self):
        super()._post_clean()
        source_id = getattr(self.instance, "source_id", None)
        for name in self.passage_fields:
            if source_id and name in self.fields and self.has_error(name, NOT_IN_SOURCE_CODE):
                hint = source_hint(self.instance.source, getattr(self.instance, name) or "")
                self._errors[name] = self.error_class([*self._errors[name], hint])


def source_hint(source: Source, passage: str) -> str:
    nearest = nearest_passages(source.text, passage)
    closest = format_html(
        "<p>Nearest in the source:</p><ul>{}</ul>",
        format_html_join("", "<li><q>{}</q></li>", ((sentence,) for sentence in nearest)),
    )
    return format_html(
        '<div class="source-hint">{}<details><summary>The text of “{}”</summary>'
        '<div class="source-text">{}</div>{}</details></div>',
        closest if nearest else "",
        source.title,
        shortened(source.text, SOURCE_TEXT_SHOWN),
        format_html(
            '<p><a href="{}" target="_blank" rel="noopener">The whole text</a></p>',
            reverse("dashboard:source-text", kwargs={"slug": source.slug}),
        )
        if len(source.text) > SOURCE_TEXT_SHOWN
        else "",
    )


class ExcerptForm(SourceTextOnError):
    """An inline's form for a record's source and its excerpt."""


class ExcerptChangeForm(SourceTextOnError, ChangeReasonForm):
    """The change form of a record with an excerpt of its source."""


class EditVersionCheck:
    """A change form refuses a save begun from an older version of the record (dashboard/
    edits.py): its errors say what changed, and the next save, from the version shown, goes."""

    def clean(self):
        cleaned = super().clean()
        started = self.data.get(VERSION_FIELD)
        if started is not None and self.instance.pk is not None:
            conflict = edit_conflict(self.instance, started)
            if conflict is not None:
                self.data = self.data.copy()
                self.data[VERSION_FIELD] = str(conflict.version)
                self._theirs_keep(conflict, cleaned)
                label = self.instance._meta.verbose_name
                raise forms.ValidationError(conflict.message(label=label), code="edit_conflict")
        return cleaned

    def _theirs_keep(self, conflict, cleaned) -> None:
        """A field this editor left as it was and the other changed shows the other's value,
        so that saving again keeps both editors' changes."""
        for name, then, now in conflict.values:
            if name not in self.fields or name not in cleaned:
                continue
            mine = cleaned[name]
            if getattr(mine, "pk", mine) == then:
                self.data[self.add_prefix(name)] = "" if now is None else str(now)


class HistoryAdmin(SimpleHistoryAdmin):
    """A model admin whose saves record history, with the reason the editor gave, and refuse
    to overwrite what another editor saved meanwhile."""

    form = ChangeReasonForm
    change_form_template = "admin/dashboard/change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (EditVersionCheck, form), {})

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        form = context["adminform"].form
        if change and form.instance.pk is not None:
            context[VERSION_FIELD.lstrip("_")] = (
                form.data.get(VERSION_FIELD) if form.is_bound else None
            ) or record_version(form.instance)
        return super().render_change_form(request, context, add=add, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get("change_reason") or None
        super().save_model(request, obj, form, change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a revert after checking only that the user may view the record.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        if not str(version_id).isdigit():
            raise Http404("No such version.")
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Party)
class PartyAdmin(HistoryAdmin):
    list_display = ["name", "kind", "code", "iso3", "successor"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "iso3"]
    autocomplete_fields = ["successor"]


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["title", "publisher", "published", "url"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "slug", "text"]
    prepopulated_fields = {"slug": ["title"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Person)
class PersonAdmin(HistoryAdmin):
    list_display = ["name", "kind", "role", "party"]
    list_filter = ["kind", "party"]
    search_fields = ["name", "role", "slug"]
    autocomplete_fields = ["party"]
    prepopulated_fields = {"slug": ["name"]}


class PlatformAliasInline(admin.TabularInline):
    model = PlatformAlias
    extra = 1


@admin.register(Platform)
class PlatformAdmin(HistoryAdmin):
    list_display = ["name", "category", "alias_list"]
    list_filter = ["category", "makers"]
    search_fields = ["name", "aliases__name", "slug"]
    autocomplete_fields = ["makers"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PlatformAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, platform):
        return ", ".join(alias.name for alias in platform.aliases.all())


@admin.register(PlatformAlias)
class PlatformAliasAdmin(HistoryAdmin):
    list_display = ["name", "platform"]
    search_fields = ["name", "platform__name"]
    autocomplete_fields = ["platform"]


class DealCitationInline(admin.StackedInline):
    form = ExcerptForm
    model = DealCitation
    extra = 1
    autocomplete_fields = ["source"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0


@admin.register(Deal)
class DealAdmin(HistoryAdmin):
    list_display = [
        "title",
        "buyer",
        "seller",
        "platform",
        "kind",
        "stage",
        "quantity",
        "quantity_delivered",
        "value",
        "signed",
    ]
    list_filter = ["stage", "kind", "buyer", "seller", "platform__category"]
    search_fields = ["title", "slug", "notes", "platform__name", "platform__aliases__name"]
    autocomplete_fields = ["buyer", "seller", "platform"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["buyer", "seller", "platform"]
    inlines = [DealCitationInline, DeliveryInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "buyer", "seller", "platform", "kind", "stage"]}),
        (
            "Units and value",
            {
                "fields": [
                    ("quantity", "quantity_uncertain"),
                    ("quantity_delivered", "quantity_delivered_uncertain"),
                    "condition",
                    "value_amount",
                    "value_currency",
                ]
            },
        ),
        ("Dates", {"fields": [("signed", "signed_uncertain"), "expected_completion"]}),
        (
            "SIPRI trend-indicator values",
            {"fields": ["tiv_per_unit", "tiv_total", "tiv_delivered"]},
        ),
        ("Notes", {"fields": ["notes"]}),
        (None, {"fields": ["change_reason"]}),
    ]

    # Its delivered TIV, spread over its years of delivery: again after the deal is saved
    # (an edit or a revert from its history) and after its years (the inline) are.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        delivery_tiv_update(deal_ids=[obj.pk])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        delivery_tiv_update(deal_ids=[form.instance.pk])

    @admin.display(description="Value", ordering="value_usd_constant")
    def value(self, deal):
        """As the site writes it, in one column: "USD 5,430,000,000"."""
        if deal.value_amount is None:
            return None
        return f"{deal.value_currency} {deal.value_amount:,.0f}"


@admin.register(DealCitation)
class DealCitationAdmin(HistoryAdmin):
    form = ExcerptChangeForm
    list_display = ["deal", "source", "excerpt"]
    search_fields = ["deal__title", "source__title", "excerpt"]
    autocomplete_fields = ["deal", "source"]
    list_select_related = ["deal", "source"]


@admin.register(Delivery)
class DeliveryAdmin(HistoryAdmin):
    list_display = ["deal", "year"]
    list_filter = ["year"]
    search_fields = ["deal__title", "deal__slug"]
    autocomplete_fields = ["deal"]
    list_select_related = ["deal"]

    # A year added, moved to another deal or deleted changes the shares of its deals' years.
    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason") or None
        delivery_save(delivery=obj, user=request.user, reason=reason)

    def delete_model(self, request, obj):
        delivery_delete(delivery=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        deliveries_delete(deliveries=queryset)


class StatementPlatformInline(admin.TabularInline):
    model = Statement.platforms.through
    extra = 1
    autocomplete_fields = ["platform"]
    verbose_name = "platform it concerns"
    verbose_name_plural = "platforms it concerns"


class StatementDealInline(admin.TabularInline):
    model = Statement.deals.through
    extra = 1
    autocomplete_fields = ["deal"]
    verbose_name = "deal it concerns"
    verbose_name_plural = "deals it concerns"


@admin.register(Statement)
class StatementAdmin(HistoryAdmin):
    form = ExcerptChangeForm
    list_display = ["__str__", "speaker", "date", "kind", "source"]
    list_filter = ["kind", "speaker__party", "speaker", "source"]
    search_fields = [
        "text",
        "excerpt",
        "slug",
        "speaker__name",
        "platforms__name",
        "platforms__aliases__name",
    ]
    autocomplete_fields = ["speaker", "source"]
    list_select_related = ["speaker", "source"]
    exclude = ["platforms", "deals"]
    inlines = [StatementPlatformInline, StatementDealInline]


# --- Engagements, standing bodies, agreements ------------------------------------------------


class StandingBodyCitationInline(admin.StackedInline):
    form = ExcerptForm
    model = StandingBodyCitation
    extra = 1
    autocomplete_fields = ["source"]


@admin.register(StandingBody)
class StandingBodyAdmin(HistoryAdmin):
    list_display = ["name", "abbreviation", "kind", "parent", "chair"]
    list_filter = ["kind", "parties"]
    search_fields = ["name", "abbreviation", "slug", "chair", "notes"]
    autocomplete_fields = ["parties", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]
    inlines = [StandingBodyCitationInline]


class EngagementParticipantInline(admin.TabularInline):
    model = EngagementParticipant
    extra = 1
    autocomplete_fields = ["person"]


class EngagementCitationInline(admin.StackedInline):
    form = ExcerptForm
    model = EngagementCitation
    extra = 1
    autocomplete_fields = ["source"]


@admin.register(Engagement)
class EngagementAdmin(HistoryAdmin):
    list_display = ["title", "kind", "status", "start", "end", "country", "place", "body"]
    list_filter = ["kind", "status", "parties", "body"]
    search_fields = [
        "title",
        "slug",
        "place",
        "outcomes",
        "notes",
        "participants__name",
        "body__name",
        "body__abbreviation",
    ]
    autocomplete_fields = ["country", "parties", "body", "deals", "platforms", "statements"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["country", "body"]
    inlines = [EngagementParticipantInline, EngagementCitationInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "parties"]}),
        ("When and where", {"fields": [("start", "end"), "date_note", "country", "place"]}),
        ("Standing body", {"fields": [("body", "session_number")]}),
        ("What it concerns", {"fields": ["outcomes", "deals", "platforms", "statements"]}),
        ("Notes", {"fields": ["notes"]}),
        (None, {"fields": ["change_reason"]}),
    ]


@admin.register(EngagementParticipant)
class EngagementParticipantAdmin(HistoryAdmin):
    list_display = ["person", "engagement", "role"]
    search_fields = ["person__name", "engagement__title", "role"]
    autocomplete_fields = ["engagement", "person"]
    list_select_related = ["person", "engagement"]


class AgreementCitationInline(admin.StackedInline):
    form = ExcerptForm
    model = AgreementCitation
    extra = 1
    autocomplete_fields = ["source"]


@admin.register(Agreement)
class AgreementAdmin(HistoryAdmin):
    list_display = ["name", "kind", "status", "signed", "in_force", "engagement"]
    list_filter = ["kind", "status", "parties"]
    search_fields = ["name", "slug", "notes"]
    autocomplete_fields = ["parties", "engagement", "deals"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["engagement"]
    inlines = [AgreementCitationInline]


class CitationAdmin(HistoryAdmin):
    form = ExcerptChangeForm
    list_display = ["__str__", "source", "excerpt"]
    autocomplete_fields = ["source"]
    list_select_related = ["source"]


@admin.register(StandingBodyCitation)
class StandingBodyCitationAdmin(CitationAdmin):
    search_fields = ["body__name", "source__title", "excerpt"]
    autocomplete_fields = ["body", "source"]
    list_select_related = ["body", "source"]


@admin.register(EngagementCitation)
class EngagementCitationAdmin(CitationAdmin):
    search_fields = ["engagement__title", "source__title", "excerpt"]
    autocomplete_fields = ["engagement", "source"]
    list_select_related = ["engagement", "source"]


@admin.register(AgreementCitation)
class AgreementCitationAdmin(CitationAdmin):
    search_fields = ["agreement__name", "source__title", "excerpt"]
    autocomplete_fields = ["agreement", "source"]
    list_select_related = ["agreement", "source"]


# The web API's tokens: each staff user keeps their own (dashboard/api/tokens.py).
tokens.register(admin.site)
