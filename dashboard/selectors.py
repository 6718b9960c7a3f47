"""The read side: figures and chart rows computed in the database, returned as JSON-safe data.

Each function takes keyword-only arguments and a queryset to start from, so the overview and
the party-pair page share them.
"""

import datetime
import hashlib
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce

from dashboard import money
from dashboard.cache import cached, data_version
from dashboard.models import (
    Agreement,
    CachedCount,
    Deal,
    DealCitation,
    Delivery,
    Engagement,
    Party,
    Person,
    Platform,
    Source,
    Statement,
)
from dashboard.partial_dates import PartialDate


def query_key(queryset: QuerySet) -> str:
    """A short cache key naming exactly what `queryset` reads: a digest of its SQL and
    parameters, so two filters or orders never share a cached result."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return "empty"
    return hashlib.sha256(repr((queryset.db, sql, params)).encode()).hexdigest()[:40]


def first_records(queryset: QuerySet, limit: int) -> list:
    """The first `limit` records of `queryset`, in its order. Which ones they are is cached for
    the data's version, since finding them can mean sorting thousands of linked rows (a busy
    deal's statements); the records themselves are read afresh by primary key."""
    first = queryset.values_list("pk", flat=True)[:limit]
    return records_in_order(queryset, cached(f"first:{query_key(first)}", lambda: list(first)))


def records_in_order(queryset: QuerySet, pks: list) -> list:
    """The records of `queryset` with these pks, in the order of `pks`."""
    records = {record.pk: record for record in _by_pk(queryset, pks)}
    return [records[pk] for pk in pks if pk in records]


def _by_pk(queryset: QuerySet, pks: list) -> QuerySet:
    """The records with these pks, read as `queryset` reads them (its joins, deferred fields
    and prefetches) but without its filters: they found the pks, and testing them again can
    cost more than reading the rows (a pair's statements hash every link of its deals)."""
    rows = queryset.model._default_manager.filter(pk__in=pks)
    rows.query.select_related = queryset.query.select_related
    rows.query.deferred_loading = queryset.query.deferred_loading
    return rows.prefetch_related(*queryset._prefetch_related_lookups)


def count_of(model: type[Model], field: str) -> Coalesce:
    """How many `model` rows point at each listed record through `field`, as a subquery: the
    database counts only for the rows a page reads, where a join and GROUP BY would count for
    every record."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")), 0)


# The tallies this process read last, with the data version they were read for: a page of
# records reads its counts from one tally, not one cache read per record.
_tallies: dict[str, tuple[str, dict]] = {}


def counts_by(model: type[Model], field: str) -> dict:
    """How many `model` rows point at each record through `field`, over the whole data:
    {record id: count}, counted once per change of the data."""
    name = f"counts:{model._meta.label_lower}:{field}"
    version = data_version()
    held = _tallies.get(name)
    if held is None or held[0] != version:
        tally = cached(
            name, lambda: dict(model.objects.order_by().values_list(field).annotate(n=Count("*")))
        )
        held = _tallies[name] = (version, tally)
    return held[1]


def with_counts(queryset: QuerySet) -> QuerySet:
    """`queryset` sortable by its model's counts (each `CachedCount`, such as
    `Platform.deal_count`): each is also an alias of the same name, counted in the database,
    at the price of counting for every record when the rows are sorted by it. The records read
    their counts from the cached tallies."""
    counts = {
        name: count_of(*attribute.rows())
        for name, attribute in vars(queryset.model).items()
        if isinstance(attribute, CachedCount)
    }
    return queryset.alias(**counts)


def _number(value) -> float | int:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value or 0


def deal_counts_by_stage(*, deals: QuerySet) -> list[dict]:
    """Every stage in deal order, with how many deals stand at it (zero included)."""
    counts = dict(deals.order_by().values_list("stage").annotate(n=Count("id")))
    return [
        {"stage": stage.value, "label": stage.label, "count": counts.get(stage.value, 0)}
        for stage in Deal.Stage
    ]


def deal_value_totals(*, deals: QuerySet) -> list[dict]:
    """The total value of signed deals per currency, each in its own currency (amounts in two
    currencies are never added), with the part of it in constant US dollars
    (`total_usd`, over the `converted` deals); the largest in constant dollars first."""
    rows = (
        deals.signed()
        .exclude(value_amount=None)
        .order_by()
        .values("value_currency")
        .annotate(
            total=Sum("value_amount"),
            deals=Count("id"),
            total_usd=Sum("value_usd_constant"),
            converted=Count("value_usd_constant"),
        )
        .order_by(F("total_usd").desc(nulls_last=True), "value_currency")
    )
    return [
        {
            "currency": r["value_currency"],
            "total": _number(r["total"]),
            "deals": r["deals"],
            "total_usd": _number(r["total_usd"]) if r["converted"] else None,
            "converted": r["converted"],
        }
        for r in rows
    ]


def deal_value_usd_total(*, deals: QuerySet) -> dict:
    """Signed deals' value on one scale: constant US dollars of the base year, over the deals
    whose value converts; `unconverted` counts those that state a value that does not."""
    figures = (
        deals.signed()
        .exclude(value_amount=None)
        .aggregate(
            total=Sum("value_usd_constant"),
            deals=Count("value_usd_constant"),
            valued=Count("id"),
        )
    )
    return {
        "total": _number(figures["total"]) if figures["deals"] else None,
        "deals": figures["deals"],
        "unconverted": figures["valued"] - figures["deals"],
        "base_year": money.base_year(),
    }


def deal_value_by_year(*, deals: QuerySet) -> list[dict]:
    """The value of signed deals by the year they were signed, per currency, oldest first:
    `total` in the currency, `total_usd` in constant US dollars over the `converted` deals."""
    rows = (
        deals.signed()
        .exclude(value_amount=None)
        .exclude(signed=None)
        .order_by()
        .values("signed__year", "value_currency")
        .annotate(
            total=Sum("value_amount"),
            deals=Count("id"),
            total_usd=Sum("value_usd_constant"),
            converted=Count("value_usd_constant"),
        )
        .order_by("signed__year", "value_currency")
    )
    return [
        {
            "year": r["signed__year"],
            "currency": r["value_currency"],
            "total": _number(r["total"]),
            "deals": r["deals"],
            "total_usd": _number(r["total_usd"]) if r["converted"] else None,
            "converted": r["converted"],
        }
        for r in rows
    ]


def platform_counts_by_category(*, platforms: QuerySet) -> list[dict]:
    labels = dict(Platform.Category.choices)
    rows = (
        platforms.order_by().values("category").annotate(n=Count("id")).order_by("-n", "category")
    )
    return [
        {
            "category": r["category"],
            "label": labels.get(r["category"], r["category"]),
            "count": r["n"],
        }
        for r in rows
    ]


def deal_counts_by_category(*, deals: QuerySet) -> list[dict]:
    """The platform mix of a set of deals."""
    labels = dict(Platform.Category.choices)
    rows = (
        deals.order_by()
        .values("platform__category")
        .annotate(n=Count("id"))
        .order_by("-n", "platform__category")
    )
    return [
        {
            "category": r["platform__category"],
            "label": labels.get(r["platform__category"]),
            "count": r["n"],
        }
        for r in rows
    ]


def statement_counts_by_year(*, statements: QuerySet) -> list[dict]:
    rows = (
        statements.order_by().values("date__year").annotate(n=Count("id")).order_by("date__year")
    )
    return [{"year": r["date__year"], "count": r["n"]} for r in rows]


def platforms_most_discussed(*, statements: QuerySet | None = None, limit: int = 10) -> list:
    """The platforms the most statements concern, most first; over all statements when
    `statements` is None (counted on the link table alone, which is far cheaper)."""
    links = Statement.platforms.through.objects.all()
    if statements is not None:
        links = links.filter(statement__in=statements.order_by().values("pk"))
    rows = list(
        links.values("platform").annotate(n=Count("id")).order_by("-n", "platform")[:limit]
    )
    platforms = Platform.objects.in_bulk([row["platform"] for row in rows])
    ranked = [
        {
            "slug": platforms[r["platform"]].slug,
            "name": platforms[r["platform"]].name,
            "count": r["n"],
        }
        for r in rows
    ]
    return sorted(ranked, key=lambda row: (-row["count"], row["name"]))


def party_pairs(*, deals: QuerySet) -> list[dict]:
    """Every pair of parties with deals between them, in either direction, busiest first."""
    rows = (
        deals.order_by()
        .values("buyer__code", "buyer__name", "seller__code", "seller__name")
        .annotate(n=Count("id"))
    )
    pairs: dict[tuple[str, str], dict] = {}
    for r in rows:
        ends = sorted(
            [(r["buyer__code"], r["buyer__name"]), (r["seller__code"], r["seller__name"])]
        )
        key = (ends[0][0], ends[1][0])
        pair = pairs.setdefault(
            key,
            {
                "first": ends[0][0],
                "first_name": ends[0][1],
                "second": ends[1][0],
                "second_name": ends[1][1],
                "deals": 0,
            },
        )
        pair["deals"] += r["n"]
    return sorted(pairs.values(), key=lambda p: (-p["deals"], p["first_name"], p["second_name"]))


def overview_data() -> dict:
    """The overview's key figures and chart rows, over the whole data set."""
    deals, statements = Deal.objects.all(), Statement.objects.all()
    by_stage = deal_counts_by_stage(deals=deals)
    return {
        "figures": {
            "parties": Party.objects.count(),
            "platforms": Platform.objects.count(),
            "deals": sum(row["count"] for row in by_stage),
            "statements": statements.count(),
            "sources": Source.objects.count(),
            "people": Person.objects.count(),
            "signed_value": deal_value_totals(deals=deals),
            "signed_value_usd": deal_value_usd_total(deals=deals),
        },
        "rows": {
            "by_stage": by_stage,
            "value_by_year": deal_value_by_year(deals=deals),
            "by_category": platform_counts_by_category(platforms=Platform.objects.all()),
            "statements_by_year": statement_counts_by_year(statements=statements),
            "most_discussed": platforms_most_discussed(),
        },
    }


def party_codes(*values: str) -> tuple[str | None, ...]:
    """The code of the party each of `values` names, whatever its case (in, IN; NATO, nato), or
    None. Codes cannot clash across case: Party.clean() refuses a slug that reads as an ISO
    code. Read once per change of the data, and once for all the values."""
    codes = cached(
        "party-codes",
        lambda: {code.lower(): code for code in Party.objects.values_list("code", flat=True)},
    )
    return tuple(codes.get(value.lower()) for value in values)


def pair_parties(first: str, second: str) -> tuple[Party, Party] | None:
    """The parties the two codes name, in either case (as party_codes() reads them), or None
    when one names none; read once per change of the data, so that a pair's cached page reads
    neither."""

    def parties():
        codes = party_codes(first, second)
        by_code = Party.objects.in_bulk([code for code in codes if code], field_name="code")
        return tuple(by_code[code] for code in codes) if len(by_code) == len(set(codes)) else None

    return cached(f"pair-parties:{first.lower()}:{second.lower()}", parties)


def party_with_predecessors(party: Party, *, fold: bool = True) -> QuerySet | list[int]:
    """For `__in`: the party's id and, with `fold`, its predecessors' (Russia with the Soviet
    Union, as a subquery); without, the party's id alone."""
    if not fold:
        return [party.pk]
    return Party.objects.filter(Q(pk=party.pk) | Q(successor=party)).values("pk")


def party_deals(*, party: Party, side: str = "", fold: bool = False) -> QuerySet:
    """Deals the party is the buyer (`side` "buyer") or seller ("seller") of, or either; with
    `fold`, its predecessors' too."""
    parties = party_with_predecessors(party, fold=fold)
    if side:
        return Deal.objects.filter(**{f"{side}__in": parties})
    return Deal.objects.filter(Q(buyer__in=parties) | Q(seller__in=parties))


def pair_deals(*, first: Party, second: Party, fold: bool = False) -> QuerySet:
    """Deals between the two, in either direction; with `fold`, their predecessors' too (India
    and Russia with India and the Soviet Union)."""
    if not fold:
        return Deal.objects.between(first, second)
    ones, others = party_with_predecessors(first), party_with_predecessors(second)
    return Deal.objects.filter(
        Q(buyer__in=ones, seller__in=others) | Q(buyer__in=others, seller__in=ones)
    )


def pair_statements(*, first: Party, second: Party, fold: bool = False) -> QuerySet:
    """Statements about the pair's deals, and statements by either party's officials in the
    sources that report those deals (with `fold`, the predecessors' deals and officials)."""
    deals = pair_deals(first=first, second=second, fold=fold)
    about_deals = Statement.deals.through.objects.filter(deal__in=deals)
    sources = DealCitation.objects.filter(deal__in=deals)
    officials = Person.objects.filter(
        Q(party__in=party_with_predecessors(first, fold=fold))
        | Q(party__in=party_with_predecessors(second, fold=fold))
    )
    # Every condition is on the statement's own columns: an OR across a join to the speaker
    # would keep the database from reading the statements in date order.
    return Statement.objects.filter(
        Q(pk__in=about_deals.values("statement_id"))
        | Q(speaker__in=officials.values("pk"), source__in=sources.values("source_id"))
    )


def pair_figures(*, first: Party, second: Party, fold: bool = False) -> dict:
    """A pair's counts and chart rows, JSON-safe so they can be cached."""
    deals = pair_deals(first=first, second=second, fold=fold)
    by_stage = deal_counts_by_stage(deals=deals)
    return {
        "deal_count": sum(row["count"] for row in by_stage),
        "statement_count": pair_statements(first=first, second=second, fold=fold).count(),
        "by_stage": by_stage,
        "value_totals": deal_value_totals(deals=deals),
        "value_usd": deal_value_usd_total(deals=deals),
        "value_rows": deal_value_by_year(deals=deals),
        "mix_rows": deal_counts_by_category(deals=deals),
    }


def pair_engagements(*, first: Party, second: Party, fold: bool = False) -> QuerySet:
    """Engagements both parties took part in, those of one party that used or concerned the
    other's platforms (an operation with a partner's weapons), and those about the pair's
    deals; with `fold`, their predecessors' too."""
    ones = party_with_predecessors(first, fold=fold)
    others = party_with_predecessors(second, fold=fold)
    links = Engagement.parties.through.objects
    both = links.filter(party__in=ones, engagement__parties__in=others).values("engagement_id")
    platforms = Engagement.platforms.through.objects.filter(
        Q(engagement__parties__in=ones, platform__makers__in=others)
        | Q(engagement__parties__in=others, platform__makers__in=ones)
    ).values("engagement_id")
    about_deals = Engagement.deals.through.objects.filter(
        deal__in=pair_deals(first=first, second=second, fold=fold)
    ).values("engagement_id")
    return Engagement.objects.filter(Q(pk__in=both) | Q(pk__in=platforms) | Q(pk__in=about_deals))


def pair_agreements(*, first: Party, second: Party, fold: bool = False) -> QuerySet:
    """Agreements both parties are party to, and those covering the pair's deals; with `fold`,
    their predecessors' too."""
    both = Agreement.parties.through.objects.filter(
        party__in=party_with_predecessors(first, fold=fold),
        agreement__parties__in=party_with_predecessors(second, fold=fold),
    ).values("agreement_id")
    about_deals = Agreement.deals.through.objects.filter(
        deal__in=pair_deals(first=first, second=second, fold=fold)
    ).values("agreement_id")
    return Agreement.objects.filter(Q(pk__in=both) | Q(pk__in=about_deals))


TIMELINE_KINDS = {
    "deal": "Deals",
    "statement": "Statements",
    "engagement": "Engagements",
    "agreement": "Agreements",
}


# The order of kinds among entries of one date, and what breaks ties within a kind (the order
# its index reads).
TIMELINE_RANKS = {name: rank for rank, name in enumerate(TIMELINE_KINDS)}
TIMELINE_TIES = {"deal": "pk", "statement": "slug", "engagement": "pk", "agreement": "pk"}


def timeline_cursor(text: str) -> tuple[str, int, str] | None:
    """A timeline position from its address form, "<date>~<kind>~<key>"; None for anything
    else, so that a mangled link shows the first page rather than an error."""
    date, kind, key = ([*text.split("~", 2), "", ""])[:3]
    try:
        PartialDate.parse(date)
    except ValueError:
        return None
    if kind not in TIMELINE_KINDS or not key:
        return None
    return date, TIMELINE_RANKS[kind], key


def _after(cursor, name: str, date_field: str) -> Q:
    """The entries of kind `name` that come after `cursor` in the timeline's order: newest
    first; on one date, in the order of TIMELINE_KINDS; then by each kind's tie-breaker."""
    date, rank, key = cursor
    own = TIMELINE_RANKS[name]
    if own < rank:
        return Q(**{f"{date_field}__lt": date})
    if own > rank:
        return Q(**{f"{date_field}__lte": date})
    tie = TIMELINE_TIES[name]
    if tie == "pk":
        if not key.isdigit():
            return Q(**{f"{date_field}__lt": date})
        key = int(key)
    return Q(**{f"{date_field}__lt": date}) | Q(**{date_field: date, f"{tie}__gt": key})


def pair_timeline(
    *,
    deals: QuerySet,
    statements: QuerySet,
    engagements: QuerySet | None = None,
    agreements: QuerySet | None = None,
    kind: str = "",
    year: int | None = None,
    after: str = "",
    limit: int = 100,
) -> dict:
    """A page of the timeline: deals (by the date they were signed), statements, engagements
    held or cancelled (by their start) and agreements (by signing or entry into force), newest
    first, or only those of `kind`, of one `year` if given, from the position `after` (the
    `next` of the page before). Each page reads at most `limit` + 1 records of each kind, so
    the thousandth page costs what the first does. The first page also lists the undated deals
    and, apart, the planned engagements, soonest first."""
    engagements = Engagement.objects.none() if engagements is None else engagements
    agreements = Agreement.objects.none() if agreements is None else agreements
    wanted = [kind] if kind in TIMELINE_KINDS else list(TIMELINE_KINDS)
    cursor = timeline_cursor(after) if after else None
    read = {
        "deal": lambda: deals.exclude(signed=None),
        "statement": lambda: statements,
        "engagement": lambda: engagements.exclude(status=Engagement.Status.PLANNED),
        "agreement": lambda: agreements.filter(
            Q(signed__isnull=False) | Q(in_force__isnull=False)
        ).annotate(shown_date=Coalesce("signed", "in_force")),
    }
    date_fields = {
        "deal": "signed",
        "statement": "date",
        "engagement": "start",
        "agreement": "shown_date",
    }
    dates = {
        "deal": lambda r: r.signed,
        "statement": lambda r: r.date,
        "engagement": lambda r: r.start,
        "agreement": lambda r: r.date,
    }
    entries = []
    for name in wanted:
        field = date_fields[name]
        records = read[name]()
        if year:
            records = records.filter(
                **{f"{field}__gte": f"{year:04d}", f"{field}__lte": f"{year:04d}-12-31"}
            )
        if cursor:
            records = records.filter(_after(cursor, name, field))
        records = records.order_by(f"-{field}", TIMELINE_TIES[name])
        entries += [
            {
                "date": dates[name](r),
                "kind": name,
                "record": r,
                "key": str(getattr(r, TIMELINE_TIES[name])),
            }
            for r in first_records(records, limit + 1)
        ]
    # Each kind came in its tie-breaker's order; a stable sort keeps it within a date.
    entries.sort(key=lambda e: (e["date"].isoformat(), -TIMELINE_RANKS[e["kind"]]), reverse=True)
    shown, more = entries[:limit], len(entries) > limit
    last = shown[-1] if shown else None
    first_page = cursor is None and not year
    planned = engagements.filter(status=Engagement.Status.PLANNED).order_by("start", "pk")
    return {
        "entries": shown,
        "next": f"{last['date'].isoformat()}~{last['kind']}~{last['key']}" if more else "",
        "undated": first_records(deals.filter(signed=None).order_by("title"), limit)
        if first_page and "deal" in wanted
        else [],
        "upcoming": first_records(planned, limit) if first_page and "engagement" in wanted else [],
        "kind": kind if kind in TIMELINE_KINDS else "",
        "year": year,
        "paged": bool(cursor),
        "kinds": TIMELINE_KINDS,
    }


def record_last_changed(*, record: Model) -> datetime.datetime | None:
    """When `record` was last created, changed or loaded: its latest history row's date, in
    one query. None for a record with no history (synthetic data has none)."""
    return record.history.values_list("history_date", flat=True).first()


# --- Transfers (SIPRI's register: trend-indicator values of delivered weapons) ----------------

TRANSFER_GROUPS = ("supplier", "recipient", "year", "category")
# The side of a deal each party-group reads.
_SIDES = {"supplier": "deal__seller", "recipient": "deal__buyer"}
PERIOD_YEARS = 5


def deal_tiv() -> Cast:
    """A deal's delivered TIV, as an expression on Deal rows: what its deliveries add up to."""
    return Cast("tiv_delivered", FloatField())


def _party_key(side: str, fold: bool) -> tuple[Coalesce | F, Coalesce | F]:
    """The code and name a delivery counts under on `side`: the party's own, or, folded, its
    successor's (the Soviet Union's deliveries count as Russia's)."""
    if not fold:
        return F(f"{side}__code"), F(f"{side}__name")
    return (
        Coalesce(f"{side}__successor__code", f"{side}__code"),
        Coalesce(f"{side}__successor__name", f"{side}__name"),
    )


def _group_expressions(group: str, fold: bool, *, on_deals: bool = False) -> tuple:
    """The key and label of `group`, on Delivery rows or (`on_deals`) on Deal rows."""
    deal = "" if on_deals else "deal__"
    if group in _SIDES:
        return _party_key(deal + _SIDES[group].removeprefix("deal__"), fold)
    if group == "year" and not on_deals:
        return F("year"), Cast("year", CharField())
    if group == "category":
        return F(f"{deal}platform__category"), F(f"{deal}platform__category")
    raise ValueError(f"“{group}” is not a transfers grouping: {', '.join(TRANSFER_GROUPS)}.")


def _with_shares(rows: list[dict]) -> list[dict]:
    total = sum(row["tiv"] for row in rows)
    for row in rows:
        row["share"] = round(100 * row["tiv"] / total, 2) if total else 0.0
        row["tiv"] = round(row["tiv"], 3)
    return rows


def _folded_names(rows: list[dict]) -> None:
    """Names folded rows as SIPRI does: "Russia (or Soviet Union before it)"."""
    predecessors: dict[str, list[str]] = {}
    for code, name in Party.objects.filter(
        successor__code__in=[row["code"] for row in rows]
    ).values_list("successor__code", "name"):
        predecessors.setdefault(code, []).append(name)
    for row in rows:
        if row["code"] in predecessors:
            row["name"] = f"{row['name']} (or {' or '.join(predecessors[row['code']])} before it)"


def transfer_totals(
    *, deliveries: QuerySet, group: str, fold: bool = False, whole_deals: bool = False
) -> list[dict]:
    """The TIV of `deliveries` per `group` (supplier, recipient, year or category), with each
    row's share of the total in per cent: [{"code", "name", "tiv", "share"}], largest first
    (oldest first by year). Summed in the database, one query whatever the number of rows;
    `fold` counts a former state as its successor.

    `whole_deals` says that `deliveries` holds every delivery of each deal it holds any of (no
    year is filtered): unless rows are years, each deal then counts its delivered TIV whole,
    summed over deals rather than over deliveries with each one's stored share of its deal
    (`Delivery.tiv`), which is the same total over fewer rows."""
    if whole_deals and group != "year":
        key, label = _group_expressions(group, fold, on_deals=True)
        summed = (
            Deal.objects.filter(pk__in=deliveries.values("deal_id"))
            .order_by()
            .annotate(key=key, label=label)
            .values("key", "label")
            .annotate(total=Sum(deal_tiv()))
        )
    else:
        key, label = _group_expressions(group, fold)
        summed = (
            deliveries.order_by()
            .annotate(key=key, label=label)
            .values("key", "label")
            .annotate(total=Sum("tiv"))
        )
    rows = [
        {"code": r["key"], "name": r["label"], "tiv": r["total"] or 0.0}
        for r in summed.exclude(total=None)
    ]
    if group == "category":
        labels = dict(Platform.Category.choices)
        for row in rows:
            row["name"] = labels.get(row["code"], row["code"] or "Unknown")
    if fold and group in _SIDES:
        _folded_names(rows)
    if group == "year":
        rows.sort(key=lambda row: row["code"])
    else:
        rows.sort(key=lambda row: (-row["tiv"], row["name"]))
    return _with_shares(rows)


def party_deliveries(*, party: Party, side: str, fold: bool = False) -> QuerySet:
    """Deliveries to (`side` "recipient") or from ("supplier") `party`; with `fold`, also its
    predecessors' (Russia with the Soviet Union)."""
    # A subquery of ids, not an OR across a join to the parties: the (deal's buyer) index serves.
    parties = party_with_predecessors(party, fold=fold)
    return Delivery.objects.filter(**{f"{_SIDES[side]}__in": parties})


def transfer_periods(*, last_year: int, first_year: int) -> list[tuple[int, int]]:
    """Five-year periods ending with `last_year`, back to the one holding `first_year`, oldest
    first, as SIPRI reports them (2019–23, 2014–18, …)."""
    periods = []
    end = last_year
    while end >= first_year:
        periods.append((end - PERIOD_YEARS + 1, end))
        end -= PERIOD_YEARS
    return periods[::-1]


def transfer_shares_by_period(
    *,
    deliveries: QuerySet,
    group: str,
    fold: bool = False,
    last_year: int | None = None,
    shown: int = 6,
) -> dict:
    """Each five-year period's shares of `deliveries` by `group` (a party's suppliers, say),
    in per cent of the period's TIV: {"periods": [...], "series": [{"code", "name", "shares",
    "tiv"}]}. The `shown` largest parties over all periods have a series each, the rest are
    "Others". Summed in the database: one query per call, whatever the rows."""
    bounds = deliveries.order_by().aggregate(first=Min("year"), last=Max("year"))
    if bounds["last"] is None:
        return {"periods": [], "series": []}
    last = last_year or bounds["last"]
    periods = transfer_periods(last_year=last, first_year=bounds["first"])
    if not periods:
        return {"periods": [], "series": []}
    # Period index counted from the oldest period's start: whole years, so integer division.
    start = periods[0][0]
    key, label = _group_expressions(group, fold)
    rows = (
        deliveries.filter(year__gte=start, year__lte=last)
        .order_by()
        .annotate(
            period=ExpressionWrapper((F("year") - start) / PERIOD_YEARS, IntegerField()),
            key=key,
            label=label,
        )
        .values("period", "key", "label")
        .annotate(total=Sum("tiv"))
        .exclude(total=None)
    )
    by_party: dict[str, dict] = {}
    period_totals = [0.0] * len(periods)
    for r in rows:
        entry = by_party.setdefault(
            r["key"], {"code": r["key"], "name": r["label"], "tiv": [0.0] * len(periods)}
        )
        entry["tiv"][r["period"]] += r["total"]
        period_totals[r["period"]] += r["total"]
    ranked = sorted(by_party.values(), key=lambda e: (-sum(e["tiv"]), e["name"]))
    series, others = ranked[:shown], ranked[shown:]
    if others:
        series.append(
            {
                "code": "",
                "name": "Others",
                "tiv": [sum(e["tiv"][i] for e in others) for i in range(len(periods))],
            }
        )
    if fold and group in _SIDES:
        _folded_names(series)
    for entry in series:
        entry["shares"] = [
            round(100 * tiv / total, 1) if total else 0.0
            for tiv, total in zip(entry["tiv"], period_totals, strict=True)
        ]
        entry["tiv"] = [round(tiv, 3) for tiv in entry["tiv"]]
    return {
        "periods": [f"{a}–{str(b)[-2:]}" for a, b in periods],
        "period_tiv": [round(t, 3) for t in period_totals],
        "series": series,
    }


def party_transfers_by_year(*, party: Party, fold: bool = False) -> list[dict]:
    """A party's imports and exports by year, TIV in millions: [{"year", "imports",
    "exports"}], oldest first. Two queries."""
    imports = transfer_totals(
        deliveries=party_deliveries(party=party, side="recipient", fold=fold), group="year"
    )
    exports = transfer_totals(
        deliveries=party_deliveries(party=party, side="supplier", fold=fold), group="year"
    )
    years: dict[int, dict] = {}
    for kind, rows in (("imports", imports), ("exports", exports)):
        for row in rows:
            years.setdefault(row["code"], {"year": row["code"], "imports": 0.0, "exports": 0.0})
            years[row["code"]][kind] = row["tiv"]
    return [years[year] for year in sorted(years)]


def pair_transfers_by_year(*, first: Party, second: Party, fold: bool = False) -> list[dict]:
    """TIV delivered each year in both directions between two parties: [{"year",
    "to_first", "to_second"}] ("to_first" is what `second` supplied to `first`). Two queries."""
    directions = {
        "to_first": party_deliveries(party=first, side="recipient", fold=fold).filter(
            pk__in=party_deliveries(party=second, side="supplier", fold=fold).values("pk")
        ),
        "to_second": party_deliveries(party=second, side="recipient", fold=fold).filter(
            pk__in=party_deliveries(party=first, side="supplier", fold=fold).values("pk")
        ),
    }
    years: dict[int, dict] = {}
    for name, deliveries in directions.items():
        for row in transfer_totals(deliveries=deliveries, group="year"):
            years.setdefault(row["code"], {"year": row["code"], "to_first": 0.0, "to_second": 0.0})
            years[row["code"]][name] = row["tiv"]
    return [years[year] for year in sorted(years)]


def transfer_leaders(
    *, year_min: int | None = None, year_max: int | None = None, limit: int = 10
) -> dict:
    """The largest importers and exporters in a period, by TIV of deliveries, with their
    shares of all deliveries in it: {"importers": [...], "exporters": [...]}."""
    deliveries = Delivery.objects.all()
    if year_min is not None:
        deliveries = deliveries.filter(year__gte=year_min)
    if year_max is not None:
        deliveries = deliveries.filter(year__lte=year_max)
    whole_deals = year_min is None and year_max is None
    return {
        "importers": transfer_totals(
            deliveries=deliveries, group="recipient", whole_deals=whole_deals
        )[:limit],
        "exporters": transfer_totals(
            deliveries=deliveries, group="supplier", whole_deals=whole_deals
        )[:limit],
    }


def party_transfers(*, party: Party, fold: bool = False, recipients_shown: int = 15) -> dict:
    """A party's figures from the register, JSON-safe so they can be cached: its suppliers'
    shares by five-year period, its recipients, its imports and exports by year."""
    imports = party_deliveries(party=party, side="recipient", fold=fold)
    exports = party_deliveries(party=party, side="supplier", fold=fold)
    return {
        "suppliers_by_period": transfer_shares_by_period(
            deliveries=imports, group="supplier", fold=fold
        ),
        "recipients": transfer_totals(
            deliveries=exports, group="recipient", fold=fold, whole_deals=True
        )[:recipients_shown],
        "by_year": party_transfers_by_year(party=party, fold=fold),
    }
