"""The dashboard's tables: sortable, paginated, linked, and exportable with their provenance.

Columns marked `visible=False` appear only in exports (CSV, XLSX, JSON).
"""

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import F
from django.utils.encoding import force_str
from django.utils.html import format_html, format_html_join
from django_tables2.utils import signature

from dashboard.models import (
    Agreement,
    Deal,
    Engagement,
    Party,
    Person,
    Platform,
    Source,
    StandingBody,
    Statement,
)


def _links(records):
    return format_html_join(
        ", ", '<a href="{}">{}</a>', ((r.get_absolute_url(), r) for r in records)
    )


def _names(records):
    return "; ".join(str(r) for r in records)


def nulls_last(field):
    """A table `order_<column>` method that puts unknown values last in both directions, the
    same on every database (PostgreSQL would put them first when descending)."""

    def order(self, queryset, is_descending):
        column = F(field).desc(nulls_last=True) if is_descending else F(field).asc(nulls_last=True)
        return queryset.order_by(column, "pk"), True

    return order


class DateColumn(tables.Column):
    """A date with precision, sorted by its stored value and shown as "May 2025"."""

    def render(self, value):
        return str(value)

    def value(self, value):
        return value.isoformat() if value else ""


class PrecisionColumn(tables.Column):
    """The precision of a date, for exports only."""

    def __init__(self, date_field, **kwargs):
        kwargs.setdefault("verbose_name", f"{date_field.replace('_', ' ').capitalize()} precision")
        super().__init__(accessor=date_field, visible=False, orderable=False, **kwargs)

    def value(self, value):
        return value.precision if value else ""


class PagedTable(tables.Table):
    """A table whose page size, read from the address, stays between 1 and `max_per_page`."""

    max_per_page = 500

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        # Any integer can arrive in `per_page`: zero or less would make the paginator divide
        # by zero or fail on every page, a huge one would fetch every row at once.
        if per_page is not None:
            per_page = min(per_page, self.max_per_page) if per_page > 0 else None
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)

    def as_values(self, exclude_columns=None):
        """The export rows, as django-tables2's own `as_values` gives them, faster: it looks up
        each cell's value function's arguments per cell (`inspect.signature`), which was half
        the time of a ten-thousand-row export; here that happens once per column."""
        exclude_columns = exclude_columns or ()
        columns = [
            column
            for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in exclude_columns)
        ]
        yield [force_str(column.header, strings_only=True) for column in columns]
        readers = [_value_reader(column) for column in columns]
        for row in self.rows:
            yield [force_str(read(row), strings_only=True) for read in readers]

    def page_cells(self):
        """The shown page's rows as lists of cell HTML, as iterating django-tables2's rows
        gives them, with each column's render function looked up once, not per cell."""
        readers = [_html_reader(column) for column in self.columns]
        for row in self.paginated_rows:
            yield [read(row) for read in readers]


def _value_reader(bound_column):
    """A row's export value in `bound_column`, as BoundRow.get_cell_value gives it: from the
    table's value_<name>, else its render_<name>, else the column's value (its render)."""
    function = bound_column.value
    if getattr(function, "__func__", None) is tables.Column.value:
        function = bound_column.column.render
    return _reader(bound_column, function, default=None)


def _html_reader(bound_column):
    """A row's cell HTML in `bound_column`, as BoundRow.get_cell gives it, link included."""
    return _reader(bound_column, bound_column.render, bound_column.default, bound_column.link)


def _reader(bound_column, function, default, link=None):
    wanted, catch_all = signature(function)

    def call(row, value):
        arguments = row._optional_cell_arguments(bound_column, value)
        if catch_all:
            content = function(**arguments)
        elif all(name in arguments for name in wanted):
            content = function(**{name: arguments[name] for name in wanted})
        else:
            content = None
        return link(content, **arguments) if link else content

    def read(row):
        return row._get_and_render_with(
            bound_column, lambda _column, value=None: call(row, value), default
        )

    return read


class RecordTable(PagedTable):
    slug = tables.Column(visible=False)


class DealTable(RecordTable):
    title = tables.Column(linkify=True)
    buyer = tables.Column(linkify=True, order_by="buyer__name")
    seller = tables.Column(linkify=True, order_by="seller__name")
    platform = tables.Column(linkify=True, order_by="platform__name")
    stage = tables.Column()
    value_amount = tables.Column(verbose_name="Value")
    value_currency = tables.Column(verbose_name="Currency", visible=False)
    signed = DateColumn()
    signed_precision = PrecisionColumn("signed")
    expected_completion = DateColumn(verbose_name="Expected completion")
    expected_completion_precision = PrecisionColumn("expected_completion")
    sources = tables.Column(
        accessor="slug", verbose_name="Sources", visible=False, orderable=False
    )
    excerpts = tables.Column(
        accessor="slug", verbose_name="Excerpts", visible=False, orderable=False
    )
    notes = tables.Column(visible=False)

    class Meta:
        model = Deal
        fields = [
            "title",
            "buyer",
            "seller",
            "platform",
            "kind",
            "stage",
            "quantity",
            "quantity_delivered",
            "value_amount",
            "value_currency",
            "signed",
            "signed_precision",
            "expected_completion",
            "expected_completion_precision",
            "slug",
            "notes",
            "sources",
            "excerpts",
        ]
        exclude = ["id"]
        attrs = {"class": "records deals"}
        empty_text = "No deals match these filters."

    order_quantity = nulls_last("quantity")
    order_quantity_delivered = nulls_last("quantity_delivered")
    order_value_amount = nulls_last("value_amount")
    order_signed = nulls_last("signed")
    order_expected_completion = nulls_last("expected_completion")

    def render_value_amount(self, value, record):
        return f"{record.value_currency} {value:,.0f}"

    def value_value_amount(self, value):
        return value

    def value_sources(self, record):
        return _names(c.source for c in record.citations.all())

    def value_excerpts(self, record):
        return " | ".join(c.excerpt for c in record.citations.all())


class StatementTable(RecordTable):
    date = DateColumn()
    date_precision = PrecisionColumn("date")
    speaker = tables.Column(linkify=True, order_by="speaker__name")
    text = tables.Column(verbose_name="Words", linkify=True)
    kind = tables.Column()
    source = tables.Column(linkify=True, order_by="source__title")
    platforms = tables.Column(accessor="slug", verbose_name="Platforms", orderable=False)
    deals = tables.Column(accessor="slug", verbose_name="Deals", orderable=False, visible=False)
    excerpt = tables.Column(visible=False)

    class Meta:
        model = Statement
        fields = [
            "date",
            "date_precision",
            "speaker",
            "text",
            "kind",
            "source",
            "platforms",
            "deals",
            "excerpt",
            "slug",
        ]
        exclude = ["id"]
        attrs = {"class": "records statements"}
        empty_text = "No statements match these filters."

    def render_text(self, value):
        return value if len(value) <= 160 else value[:157] + "…"

    def render_platforms(self, record):
        return _links(record.platforms.all()) or "—"

    def value_platforms(self, record):
        return _names(record.platforms.all())

    def value_deals(self, record):
        return _names(record.deals.all())


class PlatformTable(RecordTable):
    name = tables.Column(linkify=True)
    aliases = tables.Column(accessor="slug", verbose_name="Aliases", orderable=False)
    makers = tables.Column(accessor="slug", verbose_name="Makers", orderable=False)
    deal_count = tables.Column(verbose_name="Deals")
    statement_count = tables.Column(verbose_name="Statements")

    class Meta:
        model = Platform
        fields = [
            "name",
            "aliases",
            "category",
            "makers",
            "deal_count",
            "statement_count",
            "slug",
            "description",
        ]
        exclude = ["id"]
        attrs = {"class": "records platforms"}
        empty_text = "No platforms match these filters."

    def render_aliases(self, record):
        return _names(record.aliases.all()) or "—"

    def value_aliases(self, record):
        return _names(record.aliases.all())

    def render_makers(self, record):
        return _links(record.makers.all()) or "—"

    def value_makers(self, record):
        return _names(record.makers.all())


class PartyTable(PagedTable):
    name = tables.Column(linkify=True)
    buyer_count = tables.Column(verbose_name="Deals as buyer")
    seller_count = tables.Column(verbose_name="Deals as seller")
    people_count = tables.Column(verbose_name="People quoted")

    class Meta:
        model = Party
        fields = ["name", "code", "iso3", "buyer_count", "seller_count", "people_count"]
        exclude = ["id"]
        attrs = {"class": "records parties"}
        empty_text = "No parties match these filters."


class SourceTable(RecordTable):
    title = tables.Column(linkify=True)
    published = DateColumn()
    published_precision = PrecisionColumn("published")
    url = tables.Column(verbose_name="URL")
    deal_count = tables.Column(verbose_name="Deals cited")
    statement_count = tables.Column(verbose_name="Statements")
    date_note = tables.Column(visible=False)

    class Meta:
        model = Source
        fields = [
            "title",
            "publisher",
            "published",
            "published_precision",
            "url",
            "deal_count",
            "statement_count",
            "date_note",
            "slug",
        ]
        exclude = ["id"]
        attrs = {"class": "records sources"}
        empty_text = "No sources match these filters."

    order_published = nulls_last("published")

    def render_url(self, value):
        # Only web addresses become links; anything else (say, "javascript:") stays text.
        if not value.lower().startswith(("https://", "http://")):
            return value
        return format_html('<a href="{}" rel="noopener noreferrer">link</a>', value)


class PersonTable(RecordTable):
    name = tables.Column(linkify=True)
    party = tables.Column(linkify=True, order_by="party__name")
    statement_count = tables.Column(verbose_name="Statements")

    class Meta:
        model = Person
        fields = ["name", "kind", "role", "party", "statement_count", "slug"]
        exclude = ["id"]
        attrs = {"class": "records people"}
        empty_text = "No people match these filters."


def _excerpts(record):
    return " | ".join(c.excerpt for c in record.citations.all())


def _sources(record):
    return _names(c.source for c in record.citations.all())


class EngagementTable(RecordTable):
    start = DateColumn(verbose_name="Start date")
    start_precision = PrecisionColumn("start", verbose_name="Start date precision")
    end = DateColumn(verbose_name="End date", visible=False)
    end_precision = PrecisionColumn("end", verbose_name="End date precision")
    title = tables.Column(linkify=True)
    kind = tables.Column()
    status = tables.Column()
    country = tables.Column(linkify=True, order_by="country__name", verbose_name="Held in")
    place = tables.Column()
    parties = tables.Column(accessor="slug", verbose_name="Parties", orderable=False)
    participants = tables.Column(accessor="slug", verbose_name="Participants", orderable=False)
    body = tables.Column(linkify=True, order_by="body__name", verbose_name="Standing body")
    session_number = tables.Column(verbose_name="Session")
    outcomes = tables.Column(visible=False)
    date_note = tables.Column(visible=False)
    sources = tables.Column(
        accessor="slug", verbose_name="Sources", visible=False, orderable=False
    )
    excerpts = tables.Column(
        accessor="slug", verbose_name="Excerpts", visible=False, orderable=False
    )

    class Meta:
        model = Engagement
        fields = [
            "start",
            "start_precision",
            "end",
            "end_precision",
            "title",
            "kind",
            "status",
            "country",
            "place",
            "parties",
            "participants",
            "body",
            "session_number",
            "outcomes",
            "date_note",
            "slug",
            "sources",
            "excerpts",
        ]
        exclude = ["id"]
        attrs = {"class": "records engagements"}
        empty_text = "No engagements match these filters."

    order_end = nulls_last("end")
    order_session_number = nulls_last("session_number")

    def render_parties(self, record):
        return _links(record.parties.all()) or "—"

    def value_parties(self, record):
        return _names(record.parties.all())

    def render_participants(self, record):
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>{}',
                (
                    (p.person.get_absolute_url(), p.person, f" ({p.role})" if p.role else "")
                    for p in record.participations.all()
                ),
            )
            or "—"
        )

    def value_participants(self, record):
        return "; ".join(
            f"{p.person} ({p.role})" if p.role else str(p.person)
            for p in record.participations.all()
        )

    def value_sources(self, record):
        return _sources(record)

    def value_excerpts(self, record):
        return _excerpts(record)


class StandingBodyTable(RecordTable):
    name = tables.Column(linkify=True)
    abbreviation = tables.Column()
    kind = tables.Column()
    parent = tables.Column(linkify=True, order_by="parent__name", verbose_name="Under")
    parties = tables.Column(accessor="slug", verbose_name="Parties", orderable=False)
    chair = tables.Column(verbose_name="Chaired by")
    session_count = tables.Column(verbose_name="Sessions")
    sources = tables.Column(
        accessor="slug", verbose_name="Sources", visible=False, orderable=False
    )
    excerpts = tables.Column(
        accessor="slug", verbose_name="Excerpts", visible=False, orderable=False
    )

    class Meta:
        model = StandingBody
        fields = [
            "name",
            "abbreviation",
            "kind",
            "parent",
            "parties",
            "chair",
            "session_count",
            "notes",
            "slug",
            "sources",
            "excerpts",
        ]
        exclude = ["id"]
        attrs = {"class": "records standing-bodies"}
        empty_text = "No standing bodies match these filters."

    def render_parties(self, record):
        return _links(record.parties.all()) or "—"

    def value_parties(self, record):
        return _names(record.parties.all())

    def value_sources(self, record):
        return _sources(record)

    def value_excerpts(self, record):
        return _excerpts(record)


class AgreementTable(RecordTable):
    name = tables.Column(linkify=True)
    kind = tables.Column()
    status = tables.Column()
    parties = tables.Column(accessor="slug", verbose_name="Parties", orderable=False)
    signed = DateColumn()
    signed_precision = PrecisionColumn("signed")
    in_force = DateColumn(verbose_name="In force from")
    in_force_precision = PrecisionColumn("in_force", verbose_name="In force from precision")
    engagement = tables.Column(
        linkify=True, order_by="engagement__title", verbose_name="Signed at"
    )
    date_note = tables.Column(visible=False)
    sources = tables.Column(
        accessor="slug", verbose_name="Sources", visible=False, orderable=False
    )
    excerpts = tables.Column(
        accessor="slug", verbose_name="Excerpts", visible=False, orderable=False
    )

    class Meta:
        model = Agreement
        fields = [
            "name",
            "kind",
            "status",
            "parties",
            "signed",
            "signed_precision",
            "in_force",
            "in_force_precision",
            "engagement",
            "date_note",
            "notes",
            "slug",
            "sources",
            "excerpts",
        ]
        exclude = ["id"]
        attrs = {"class": "records agreements"}
        empty_text = "No agreements match these filters."

    order_signed = nulls_last("signed")
    order_in_force = nulls_last("in_force")

    def render_parties(self, record):
        return _links(record.parties.all()) or "—"

    def value_parties(self, record):
        return _names(record.parties.all())

    def value_sources(self, record):
        return _sources(record)

    def value_excerpts(self, record):
        return _excerpts(record)
