"""The dashboard's tables: sortable, paginated, linked, and exportable with their provenance.

Columns marked `visible=False` appear only in exports (CSV, XLSX, JSON), unless the table offers
them in its column chooser (`optional_columns`, `?col=`). Lists open sorted by the date that
matters, newest first; names and titles sort naturally ("deal 13" before "deal 1011").

A figure its source marks as uncertain shows a "?" on the page; exports keep the figure as it is
and carry the mark in a true/false column of its own ("Units uncertain"), declared here beside
the figure.
"""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.db.models import F, Func, IntegerField, Value
from django.db.models.functions import Coalesce, Least, Lower, NullIf, StrIndex, Substr
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from dashboard import uncertainty
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
from dashboard.templatetags.figures import tiv


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


def _first_digit(text):
    """Where the first digit of `text` is (10,000 when it has none)."""
    return Least(
        *(Coalesce(NullIf(StrIndex(text, Value(d)), 0), Value(10_000)) for d in "0123456789")
    )


class FirstNumber(Func):
    """The value of the first run of digits in a text (0 when it has none): "400" in "S-400
    Triumf (2018)". SQLite reads the number at the front of a text in a CAST; PostgreSQL takes
    the run with a regular expression (and as `numeric`, so that no run is too long)."""

    output_field = IntegerField()

    def __init__(self, text):
        super().__init__(text, _first_digit(text))

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="CAST(SUBSTR(%(expressions)s) AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"COALESCE(CAST(SUBSTRING({sql} FROM '[0-9]+') AS numeric), 0)", params


def natural_keys(field) -> dict:
    """The sort keys of a name as a reader sorts it, named so that a queryset can carry them
    (the API's cursor keeps their values): the text before the first digit, ignoring case; the
    number there; the whole name, ignoring case."""
    text = F(field)
    return {
        f"{field}_natural_text": Lower(Substr(text, 1, _first_digit(text) - 1)),
        f"{field}_natural_number": FirstNumber(text),
        f"{field}_natural_lower": Lower(text),
    }


def natural(field):
    """A table `order_<column>` method that sorts names as a reader does: "deal 13" before
    "deal 1011", "S-400" before "S-500", ignoring case. Names are compared by the text before
    their first digit, then by the number there, then as they are."""
    keys = natural_keys(field)

    def order(self, queryset, is_descending):
        queryset = queryset.alias(**keys)
        names = [*keys, "pk"]
        return queryset.order_by(*(f"-{n}" if is_descending else n for n in names)), True

    order.natural_keys = keys
    return order


class Column(tables.Column):
    """A column that also says what an export of its table holds: `export`, a path for
    `QuerySet.values()` such as a related record's name ("buyer__name"), the accessor by
    default. `export_value()` turns the stored value into the exported one."""

    def __init__(self, *args, export=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.export = export

    def export_value(self, value):
        return value


class ListColumn(Column):
    """Many values a row, such as a deal's sources: exported as a list."""

    many = True

    def __init__(self, export, **kwargs):
        kwargs.setdefault("orderable", False)
        super().__init__(accessor="slug", export=export, **kwargs)


class DateColumn(Column):
    """A date with precision, sorted by its stored value and shown as "May 2025"."""

    def render(self, value):
        return str(value)

    def export_value(self, value):
        return value.isoformat() if value else None


class PrecisionColumn(Column):
    """The precision of a date, for exports only."""

    def __init__(self, date_field, **kwargs):
        kwargs.setdefault("verbose_name", f"{date_field.replace('_', ' ').capitalize()} precision")
        super().__init__(
            accessor=date_field, export=date_field, visible=False, orderable=False, **kwargs
        )

    def export_value(self, value):
        return value.precision if value else None


class UncertainColumn(tables.Column):
    """A figure its source may mark as uncertain (the record's `flag` field): shown with the
    mark, exported as it is."""

    def __init__(self, *args, flag, **kwargs):
        self.flag = flag
        kwargs.setdefault("attrs", {"td": {"class": "number"}, "th": {"class": "number"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        shown = f"{value:,}" if isinstance(value, int) else value
        return uncertainty.marked(shown, getattr(record, self.flag))

    def value(self, value):
        return value


class UncertainDateColumn(DateColumn):
    """A date with precision that its source may mark as uncertain."""

    def __init__(self, *args, flag, **kwargs):
        self.flag = flag
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        return uncertainty.marked(str(value), getattr(record, self.flag))


class FlagColumn(tables.Column):
    """Whether the source marks a figure as uncertain, for exports only: true or false."""

    def __init__(self, figure, **kwargs):
        kwargs.setdefault("verbose_name", f"{figure} uncertain")
        super().__init__(visible=False, orderable=False, **kwargs)

    def value(self, value):
        return bool(value)


class CountColumn(tables.Column):
    """A count, shown with thousands separators."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "number"}, "th": {"class": "number"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return intcomma(value)

    def value(self, value):
        return value


class TIVColumn(tables.Column):
    """A SIPRI trend-indicator value, in millions; unknown values sort last."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "number"}, "th": {"class": "number"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return tiv(value)

    def value(self, value):
        return value


class ConstantDollarColumn(tables.Column):
    """A deal's value in constant US dollars (dashboard/money.py); a stated value that cannot
    be converted says so, with the reason on hover."""

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", "Value, constant US$")
        kwargs.setdefault("attrs", {"td": {"class": "number"}, "th": {"class": "number"}})
        super().__init__(empty_values=(), **kwargs)

    def render(self, value, record):
        if record.value_amount is None:
            return "—"
        return self.text(record)

    @staticmethod
    def text(record):
        if record.value_usd_constant is not None:
            return f"US$ {record.value_usd_constant:,.0f} of {record.value_usd_base_year}"
        return format_html('<span title="{}">not converted</span>', record.value_unconverted)

    def value(self, value):
        return value


class PagedTable(tables.Table):
    """A table whose page size, read from the address, stays between 1 and `max_per_page`.
    Its columns are also its exports' columns (dashboard/exports.py)."""

    max_per_page = 500
    # Columns hidden at first that the column chooser offers besides the shown ones.
    optional_columns: tuple[str, ...] = ()

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        # Any integer can arrive in `per_page`: zero or less would make the paginator divide
        # by zero or fail on every page, a huge one would fetch every row at once.
        if per_page is not None:
            per_page = min(per_page, self.max_per_page) if per_page > 0 else None
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)


# The page sizes the list pages offer; any other up to `max_per_page` works in the address.
PAGE_SIZES = (25, 50, 100, 200)


def choosable_columns(table) -> list:
    """The columns a reader may show or hide on the page: those shown at first and the table's
    `optional_columns`. Export-only columns (precisions, flags, identifiers) are not offered."""
    shown_at_first = {
        name for name, column in table.__class__.base_columns.items() if column.visible
    }
    offered = shown_at_first | set(table.optional_columns)
    return [column for column in table.columns.iterall() if column.name in offered]


def show_columns(table, names: list[str]):
    """`table` showing only the choosable columns named (`?col=title&col=buyer`); as it was when
    none of them is one. Exports keep every column (dashboard/exports.py)."""
    choosable = choosable_columns(table)
    chosen = set(names) & {column.name for column in choosable}
    if chosen:
        for column in choosable:
            (table.columns.show if column.name in chosen else table.columns.hide)(column.name)
    return table


# A list shows the beginning of a long text (a statement, a note); the record's page and the
# exports hold it whole.
SHOWN_CHARS = 160


class RecordTable(PagedTable):
    slug = tables.Column(visible=False)

    def render_notes(self, value):
        return Truncator(value).chars(SHOWN_CHARS)


class DealTable(RecordTable):
    optional_columns = (
        "kind",
        "quantity_delivered",
        "condition",
        "value_currency",
        "value_usd_constant",
        "tiv_per_unit",
        "tiv_total",
        "expected_completion",
    )
    title = tables.Column(linkify=True)
    buyer = Column(linkify=True, order_by="buyer__name", export="buyer__name")
    seller = Column(linkify=True, order_by="seller__name", export="seller__name")
    platform = Column(linkify=True, order_by="platform__name", export="platform__name")
    kind = tables.Column(visible=False)
    stage = tables.Column()
    quantity = UncertainColumn(verbose_name="Units", flag="quantity_uncertain")
    quantity_uncertain = FlagColumn("Units")
    quantity_delivered = UncertainColumn(
        verbose_name="Units delivered", flag="quantity_delivered_uncertain", visible=False
    )
    quantity_delivered_uncertain = FlagColumn("Units delivered")
    condition = tables.Column(visible=False)
    # Stated values are in many currencies: they sort on one scale, constant dollars.
    value_amount = tables.Column(
        verbose_name="Value",
        order_by="value_usd_constant",
        attrs={"td": {"class": "number"}, "th": {"class": "number"}},
    )
    value_currency = tables.Column(verbose_name="Currency", visible=False)
    value_usd_constant = ConstantDollarColumn(visible=False)
    value_usd_base_year = tables.Column(verbose_name="Base year", visible=False)
    value_unconverted = tables.Column(verbose_name="Why not converted", visible=False)
    tiv_per_unit = TIVColumn(verbose_name="TIV per unit", visible=False)
    tiv_total = TIVColumn(verbose_name="TIV of the order", visible=False)
    tiv_delivered = TIVColumn(verbose_name="TIV delivered")
    signed = UncertainDateColumn(flag="signed_uncertain")
    signed_precision = PrecisionColumn("signed")
    signed_uncertain = FlagColumn("Signed")
    years_of_delivery = ListColumn(
        "deliveries__year", verbose_name="Years of delivery", visible=False
    )
    expected_completion = DateColumn(verbose_name="Expected completion", visible=False)
    expected_completion_precision = PrecisionColumn("expected_completion")
    # In the same order, a citation's source and its excerpt.
    sources = ListColumn("citations__source__title", verbose_name="Sources", visible=False)
    excerpts = ListColumn("citations__excerpt", verbose_name="Excerpts", visible=False)
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
            "quantity_uncertain",
            "quantity_delivered",
            "quantity_delivered_uncertain",
            "condition",
            "value_amount",
            "value_currency",
            "value_usd_constant",
            "value_usd_base_year",
            "value_unconverted",
            "tiv_per_unit",
            "tiv_total",
            "tiv_delivered",
            "signed",
            "signed_precision",
            "signed_uncertain",
            "years_of_delivery",
            "expected_completion",
            "expected_completion_precision",
            "slug",
            "notes",
            "sources",
            "excerpts",
        ]
        order_by = "-signed"
        exclude = ["id"]
        attrs = {"class": "records deals"}
        empty_text = "No deals match these filters."

    order_title = natural("title")

    order_quantity = nulls_last("quantity")
    order_quantity_delivered = nulls_last("quantity_delivered")
    order_value_amount = nulls_last("value_usd_constant")
    order_value_usd_constant = nulls_last("value_usd_constant")
    order_tiv_per_unit = nulls_last("tiv_per_unit")
    order_tiv_total = nulls_last("tiv_total")
    order_tiv_delivered = nulls_last("tiv_delivered")
    order_signed = nulls_last("signed")
    order_expected_completion = nulls_last("expected_completion")

    def render_value_amount(self, value, record):
        """The value as stated, and under it on the one scale the column sorts by."""
        return format_html(
            '{} {}<br><small class="constant-dollars">{}</small>',
            record.value_currency,
            f"{value:,.0f}",
            ConstantDollarColumn.text(record),
        )


class StatementTable(RecordTable):
    date = DateColumn()
    date_precision = PrecisionColumn("date")
    speaker = Column(linkify=True, order_by="speaker__name", export="speaker__name")
    text = tables.Column(verbose_name="Words", linkify=True)
    kind = tables.Column()
    source = Column(linkify=True, order_by="source__title", export="source__title")
    platforms = ListColumn("platforms__name", verbose_name="Platforms")
    deals = ListColumn("deals__title", verbose_name="Deals", visible=False)
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
        order_by = "-date"
        exclude = ["id"]
        attrs = {"class": "records statements"}
        empty_text = "No statements match these filters."

    def render_text(self, value):
        return Truncator(value).chars(SHOWN_CHARS)

    def render_platforms(self, record):
        return _links(record.platforms.all()) or "—"


class PlatformTable(RecordTable):
    name = tables.Column(linkify=True)
    aliases = ListColumn("aliases__name", verbose_name="Aliases")
    makers = ListColumn("makers__name", verbose_name="Makers")
    deal_count = CountColumn(verbose_name="Deals")
    statement_count = CountColumn(verbose_name="Statements")

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
        order_by = "name"
        exclude = ["id"]
        attrs = {"class": "records platforms"}
        empty_text = "No platforms match these filters."

    order_name = natural("name")

    def render_aliases(self, record):
        return _names(record.aliases.all()) or "—"

    def render_makers(self, record):
        return _links(record.makers.all()) or "—"


class PartyTable(PagedTable):
    name = tables.Column(linkify=True)
    successor = Column(linkify=True, order_by="successor__name", export="successor__name")
    buyer_count = CountColumn(verbose_name="Deals as buyer")
    seller_count = CountColumn(verbose_name="Deals as seller")
    people_count = CountColumn(verbose_name="People quoted")

    class Meta:
        model = Party
        fields = [
            "name",
            "kind",
            "code",
            "iso3",
            "successor",
            "buyer_count",
            "seller_count",
            "people_count",
        ]
        order_by = "name"
        exclude = ["id"]
        attrs = {"class": "records parties"}
        empty_text = "No parties match these filters."

    order_name = natural("name")


class SourceTable(RecordTable):
    title = tables.Column(linkify=True)
    published = DateColumn()
    published_precision = PrecisionColumn("published")
    url = tables.Column(verbose_name="URL")
    deal_count = CountColumn(verbose_name="Deals cited")
    statement_count = CountColumn(verbose_name="Statements")
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
        order_by = "-published"
        exclude = ["id"]
        attrs = {"class": "records sources"}
        empty_text = "No sources match these filters."

    order_title = natural("title")

    order_published = nulls_last("published")

    def render_url(self, value):
        # Only web addresses become links; anything else (say, "javascript:") stays text.
        if not value.lower().startswith(("https://", "http://")):
            return value
        return format_html('<a href="{}" rel="noopener noreferrer">link</a>', value)


class PersonTable(RecordTable):
    name = tables.Column(linkify=True)
    party = Column(linkify=True, order_by="party__name", export="party__name")
    statement_count = CountColumn(verbose_name="Statements")

    class Meta:
        model = Person
        fields = ["name", "kind", "role", "party", "statement_count", "slug"]
        order_by = "name"
        exclude = ["id"]
        attrs = {"class": "records people"}
        empty_text = "No people match these filters."

    order_name = natural("name")


class EngagementTable(RecordTable):
    start = DateColumn(verbose_name="Start date")
    start_precision = PrecisionColumn("start", verbose_name="Start date precision")
    end = DateColumn(verbose_name="End date", visible=False)
    end_precision = PrecisionColumn("end", verbose_name="End date precision")
    title = tables.Column(linkify=True)
    kind = tables.Column()
    status = tables.Column()
    country = Column(
        linkify=True, order_by="country__name", export="country__name", verbose_name="Held in"
    )
    place = tables.Column()
    parties = ListColumn("parties__name", verbose_name="Parties")
    participants = ListColumn("participations__person__name", verbose_name="Participants")
    participant_roles = ListColumn(
        "participations__role", verbose_name="Participants' roles", visible=False
    )
    body = Column(
        linkify=True, order_by="body__name", export="body__name", verbose_name="Standing body"
    )
    session_number = tables.Column(verbose_name="Session")
    outcomes = tables.Column(visible=False)
    date_note = tables.Column(visible=False)
    sources = ListColumn("citations__source__title", verbose_name="Sources", visible=False)
    excerpts = ListColumn("citations__excerpt", verbose_name="Excerpts", visible=False)

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
            "participant_roles",
            "body",
            "session_number",
            "outcomes",
            "date_note",
            "slug",
            "sources",
            "excerpts",
        ]
        order_by = "-start"
        exclude = ["id"]
        attrs = {"class": "records engagements"}
        empty_text = "No engagements match these filters."

    order_title = natural("title")

    order_end = nulls_last("end")
    order_session_number = nulls_last("session_number")

    def render_parties(self, record):
        return _links(record.parties.all()) or "—"

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


class StandingBodyTable(RecordTable):
    name = tables.Column(linkify=True)
    abbreviation = tables.Column()
    kind = tables.Column()
    parent = Column(
        linkify=True, order_by="parent__name", export="parent__name", verbose_name="Under"
    )
    parties = ListColumn("parties__name", verbose_name="Parties")
    chair = tables.Column(verbose_name="Chaired by")
    session_count = CountColumn(verbose_name="Sessions")
    sources = ListColumn("citations__source__title", verbose_name="Sources", visible=False)
    excerpts = ListColumn("citations__excerpt", verbose_name="Excerpts", visible=False)

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
        order_by = "name"
        exclude = ["id"]
        attrs = {"class": "records standing-bodies"}
        empty_text = "No standing bodies match these filters."

    order_name = natural("name")

    def render_parties(self, record):
        return _links(record.parties.all()) or "—"


class AgreementTable(RecordTable):
    name = tables.Column(linkify=True)
    kind = tables.Column()
    status = tables.Column()
    parties = ListColumn("parties__name", verbose_name="Parties")
    signed = DateColumn()
    signed_precision = PrecisionColumn("signed")
    in_force = DateColumn(verbose_name="In force from")
    in_force_precision = PrecisionColumn("in_force", verbose_name="In force from precision")
    engagement = Column(
        linkify=True,
        order_by="engagement__title",
        export="engagement__title",
        verbose_name="Signed at",
    )
    date_note = tables.Column(visible=False)
    sources = ListColumn("citations__source__title", verbose_name="Sources", visible=False)
    excerpts = ListColumn("citations__excerpt", verbose_name="Excerpts", visible=False)

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
        order_by = "-signed"
        exclude = ["id"]
        attrs = {"class": "records agreements"}
        empty_text = "No agreements match these filters."

    order_name = natural("name")

    order_signed = nulls_last("signed")
    order_in_force = nulls_last("in_force")

    def render_parties(self, record):
        return _links(record.parties.all()) or "—"


class TransferTable(PagedTable):
    """The transfers analysis: one row per supplier, recipient, year or category, with its
    TIV of delivered weapons and its share of the total shown. Rows are the selector's dicts."""

    name = tables.Column(verbose_name="Name")
    code = tables.Column(verbose_name="Code")
    tiv = tables.Column(
        verbose_name="TIV (millions)", attrs={"td": {"class": "number"}, "th": {"class": "number"}}
    )
    share = tables.Column(
        verbose_name="Share (%)", attrs={"td": {"class": "number"}, "th": {"class": "number"}}
    )

    class Meta:
        attrs = {"class": "records transfers"}
        empty_text = "No deliveries match these filters."
        orderable = False

    def render_name(self, value, record):
        if record.get("url"):
            return format_html('<a href="{}">{}</a>', record["url"], value)
        return value

    def render_code(self, value):
        return value if value not in (None, "") else "—"

    def render_tiv(self, value):
        return f"{value:,.1f}"

    def render_share(self, value):
        return f"{value:.1f}"

    def value_name(self, value):
        return value

    def value_code(self, value):
        return "" if value is None else value

    def value_tiv(self, value):
        return value

    def value_share(self, value):
        return value
