"""Importing SIPRI's trade register: its rows as the project's records, through the loader.

`register_import(path=...)` reads the export (reading.py), places every name (names.py) and
description (descriptions.py), and turns each row into a deal, its years of delivery and its
citation of the export, which is a Source of its own. Those records go through the same checks
and write path as `load_fixtures` (`dashboard.loading.records_load`), so nothing is written if
anything is wrong, and a second import of the same file changes nothing. Records the database
holds exactly so (a deal, a citation, a year of delivery) are counted unchanged without being
sent again: a second import checks the export's text and what changed.

Each row has a stable key, a slug made of the parties' codes, the order year and the weapon's
designation (`sipri-in-ru-2018-s-400-triumf`; `--2`, `--3` for identical keys in file order), so
a newer export updates the same deals. A deal the articles already hold (same buyer, seller,
platform or alias, order year) is the same deal: SIPRI becomes a further source with its own
figures, and the deal gets the register's TIVs and years of delivery. A deal's years of
delivery are replaced with those its row lists: the loader never deletes, so the years a newer
row no longer lists are deleted here, in the load's transaction, with history.

A figure on a deal is SIPRI's to update only while it is what SIPRI last stated (the deal's
latest SIPRI row, re-read from its citation's excerpt): a figure an editor set, or one the
articles gave, is never overwritten. What SIPRI states is always kept on its citation.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pycountry
from django.db import transaction
from django.utils.text import slugify

from dashboard import cache
from dashboard.loading import Change, FixtureError, LoadResult, ModelCounts, records_load
from dashboard.loading.lookups import KEYS_PER_QUERY, chunks
from dashboard.loading.schema import WRITE_ORDER
from dashboard.models import Deal, DealCitation, Delivery, Party, Platform, PlatformAlias
from dashboard.partial_dates import PartialDate
from dashboard.register.descriptions import BY_WORDS, FALLBACK, description_category
from dashboard.register.kinds import row_kind
from dashboard.register.names import SPELLINGS, PartyPlace, party_place
from dashboard.register.reading import (
    WIDTH,
    NotRegister,
    RegisterFile,
    RegisterRow,
    record_cells,
    record_read,
    register_parse,
    register_read,
)
from dashboard.register.values import comment_value
from dashboard.services import delivery_tiv_update

SOURCE_PREFIX = "sipri-trade-register-"
DEAL_PREFIX = "sipri-"
PUBLISHER = "SIPRI"
URL = "https://www.sipri.org/databases/armstransfers"
SLUG_MAX = 110  # of the 120 a slug may have, room for a counter
PRUNE_NEEDS_ALL = (
    "--prune needs an export of transfers from all countries to all countries: a deal "
    "missing from a narrower export may only be outside its selection."
)

# The deal fields a row gives, which SIPRI may update while they are what it last stated.
ROW_FIELDS = (
    "title",
    "kind",
    "stage",
    "quantity",
    "quantity_uncertain",
    "quantity_delivered",
    "quantity_delivered_uncertain",
    "signed",
    "signed_uncertain",
    "condition",
    "value_amount",
    "value_currency",
    "tiv_per_unit",
    "tiv_total",
    "tiv_delivered",
)
# Filled on a deal the articles hold when it has none: the register's own measures.
REGISTER_FIELDS = ("tiv_per_unit", "tiv_total", "tiv_delivered", "condition")
DEAL_FIELDS = (
    "slug",
    "title",
    "kind",
    "stage",
    "quantity",
    "quantity_delivered",
    "value_amount",
    "value_currency",
    "quantity_uncertain",
    "quantity_delivered_uncertain",
    "signed",
    "signed_uncertain",
    "expected_completion",
    "condition",
    "tiv_per_unit",
    "tiv_total",
    "tiv_delivered",
    "notes",
)

CITATION_FIELDS = (
    "excerpt",
    "quantity",
    "quantity_uncertain",
    "quantity_delivered",
    "quantity_delivered_uncertain",
    "ordered",
    "ordered_uncertain",
    "value_amount",
    "value_currency",
    "comment",
)

Progress = Callable[[str, int], None]


@dataclass
class RegisterImport:
    """What an import did: the loader's result, and what the register itself has to say."""

    load: LoadResult
    rows: int = 0
    source: str = ""
    merged: list[tuple[int, str]] = field(default_factory=list)  # (line, article deal slug)
    unlisted: list[str] = field(default_factory=list)  # deals no longer in the register
    pruned: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # unlisted, but other sources cite them
    descriptions: dict[str, tuple[str, str]] = field(default_factory=dict)  # not listed
    over_delivered: list[int] = field(default_factory=list)

    @property
    def errors(self) -> list[FixtureError]:
        return self.load.errors

    def notices(self) -> list[str]:
        lines = [
            f"Weapon description “{description}” is not in the table: {how}, category "
            f"“{category}”."
            for description, (category, how) in sorted(self.descriptions.items())
        ]
        lines += [
            f"line {line}: the same deal as “{slug}”, from articles: SIPRI added as a further "
            "source."
            for line, slug in self.merged
        ]
        if self.over_delivered:
            lines.append(
                "More delivered than ordered, kept on the citation but not as the deal's units "
                "delivered, on line(s) " + ", ".join(map(str, self.over_delivered[:20]))
            )
        if self.unlisted:
            shown = ", ".join(self.unlisted[:20]) + (" …" if len(self.unlisted) > 20 else "")
            action = "deleted" if self.pruned else "kept (--prune deletes them)"
            lines.append(
                f"{len(self.unlisted)} deal(s) from an earlier export are no longer in the "
                f"register, {action}: {shown}"
            )
        if self.kept:
            lines.append(
                f"{len(self.kept)} of them are kept all the same: other sources cite them: "
                + ", ".join(self.kept[:20])
            )
        return lines

    def as_json(self) -> dict[str, Any]:
        document = self.load.as_json()
        document["register"] = {
            "rows": self.rows,
            "source": self.source,
            "merged": [{"line": line, "deal": slug} for line, slug in self.merged],
            "unlisted": self.unlisted,
            "pruned": self.pruned,
            "kept": self.kept,
            "descriptions": {
                description: {"category": category, "placed": how}
                for description, (category, how) in sorted(self.descriptions.items())
            },
            "over_delivered": self.over_delivered,
            "notices": self.notices(),
        }
        return document


def register_import(
    *,
    path: str | Path | None = None,
    text: str | None = None,
    name: str | None = None,
    dry_run: bool = False,
    with_changes: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
) -> RegisterImport:
    """Import the register export at `path` (or its `text`), as load_fixtures loads a file."""
    name = name or str(path)
    try:
        register = (
            register_read(path, name=name) if text is None else register_parse(text, name=name)
        )
    except NotRegister as error:
        return RegisterImport(load=LoadResult(dry_run=dry_run, errors=[_file_error(name, error)]))
    builder = _Records(register)
    records = builder.build()
    problems = [
        FixtureError(path=name, message=message, line=line or None, field=column)
        for line, column, message in register.problems + builder.problems
    ]
    if prune and not register.complete:
        # A deal an export of some countries does not list may be outside its selection.
        problems.insert(0, FixtureError(path=name, message=PRUNE_NEEDS_ALL, field="--prune"))
    reason = f"import_sipri {name}"[:100]
    writing = not dry_run and not problems
    # The records and the years of delivery the export no longer lists: written together.
    with transaction.atomic() if writing else contextlib.nullcontext():
        load = records_load(
            records=records,
            name=name,
            dry_run=not writing,
            with_changes=with_changes,
            progress=progress,
            reason=reason,
        )
        if writing and load.ok and builder.dropped:
            _years_delete(builder.dropped, reason=reason)
    if problems:
        load.errors = sorted(problems + load.errors, key=lambda error: error.line or 0)
        load.counts, load.changes = {}, None
    elif load.ok:
        _counts_add(load, kept=builder.kept, dropped=builder.dropped)
    outcome = RegisterImport(
        load=load,
        rows=len(register.rows),
        source=builder.source_slug,
        merged=builder.merged,
        unlisted=builder.unlisted(),
        descriptions=builder.descriptions,
        over_delivered=builder.over_delivered,
    )
    if prune and outcome.unlisted and load.ok and not dry_run:
        outcome.pruned, outcome.kept = _prune(outcome.unlisted)
    return outcome


def _counts_add(load: LoadResult, *, kept: dict[str, int], dropped: list[tuple[str, int]]):
    """Count the records left out as unchanged, and the years of delivery deleted."""
    for label, count in kept.items():
        load.counts.setdefault(label, ModelCounts()).unchanged += count
        load.records += count
    if dropped:
        load.counts.setdefault("dashboard.delivery", ModelCounts()).deleted += len(dropped)
        if load.changes is not None:
            load.changes += [
                Change(label=f"dashboard.delivery {slug} {year}", action="deleted")
                for slug, year in dropped
            ]
    order = [model._meta.label_lower for model in WRITE_ORDER]
    load.counts = dict(sorted(load.counts.items(), key=lambda item: order.index(item[0])))


def _file_error(name: str, error: NotRegister) -> FixtureError:
    message = str(error)
    prefix = f"{name}: "
    return FixtureError(path=name, message=message.removeprefix(prefix))


# --- one row as the project's records ----------------------------------------------------------


@dataclass
class _Derived:
    """What a row states of its deal, in the deal's fields."""

    values: dict[str, Any]
    deliveries: list[int]


def row_derived(row: RegisterRow, recipient: PartyPlace, supplier: PartyPlace) -> _Derived:
    value = comment_value(row.comment)
    delivered = row.delivered or 0
    if row.quantity is not None and delivered >= row.quantity and delivered:
        stage = Deal.Stage.COMPLETED
    elif delivered or row.delivery_years:
        stage = Deal.Stage.IN_DELIVERY
    else:
        stage = Deal.Stage.SIGNED
    year = f"({row.ordered})" if row.ordered else "(year of order not known)"
    delivered_units, delivered_uncertain = row.delivered, row.delivered_uncertain
    if row.quantity is not None and (row.delivered or 0) > row.quantity:
        # More delivered than ordered (production beyond the order): the deal cannot hold it;
        # its citation keeps both of SIPRI's figures.
        delivered_units, delivered_uncertain = None, False
    return _Derived(
        values={
            "title": f"{row.designation} for {recipient.name} from {supplier.name} {year}"[:300],
            "kind": row_kind(comment=row.comment, description=row.description),
            "stage": str(stage),
            "quantity": row.quantity,
            "quantity_uncertain": row.quantity_uncertain,
            "quantity_delivered": delivered_units,
            "quantity_delivered_uncertain": delivered_uncertain,
            "signed": str(row.ordered) if row.ordered else None,
            "signed_uncertain": row.ordered_uncertain,
            "condition": row.condition,
            "value_amount": value[0] if value else None,
            "value_currency": value[1] if value else "",
            "tiv_per_unit": row.tiv_per_unit,
            "tiv_total": row.tiv_total,
            "tiv_delivered": row.tiv_delivered,
        },
        deliveries=row.delivery_years,
    )


def row_key(row: RegisterRow, recipient: PartyPlace, supplier: PartyPlace) -> str:
    """The row's stable key, before any counter: parties' codes, order year, designation."""
    year = str(row.ordered) if row.ordered else "na"
    base = _slug(f"{DEAL_PREFIX}{recipient.code} {supplier.code} {year} {row.designation}")
    if len(base) > SLUG_MAX:
        digest = hashlib.sha1(base.encode()).hexdigest()[:8]
        base = f"{base[: SLUG_MAX - 9].rstrip('-')}-{digest}"
    return base


def _comparable(value: Any) -> Any:
    if isinstance(value, PartialDate):
        return value.isoformat()
    if isinstance(value, Decimal):
        return value.normalize()
    return value


class _Records:
    """The records an export makes, built with what the database holds already."""

    def __init__(self, register: RegisterFile):
        self.register = register
        self.problems: list[tuple[int, str, str]] = []
        self.merged: list[tuple[int, str]] = []
        self.descriptions: dict[str, tuple[str, str]] = {}
        self.matched: set[str] = set()
        self.cited: set[str] = set()
        # Records left out because the database holds them exactly so: unchanged, by model.
        self.kept: dict[str, int] = defaultdict(int)
        self.over_delivered: list[int] = []  # lines listing more delivered than ordered
        # Years of delivery the database holds that the export no longer lists: (deal, year).
        self.dropped: list[tuple[str, int]] = []
        generated = register.generated
        self.source_slug = SOURCE_PREFIX + (
            generated.strftime("%Y-%m-%d-%H%M%S") if generated else "undated"
        )

    # --- names ---

    def _places(self) -> list[tuple[RegisterRow, PartyPlace, PartyPlace]]:
        placed = []
        for row in self.register.rows:
            recipient, supplier = party_place(row.recipient), party_place(row.supplier)
            for place, column, given in (
                (recipient, "recipient", row.recipient),
                (supplier, "supplier", row.supplier),
            ):
                if place is None:
                    self.problems.append(
                        (
                            row.line,
                            column,
                            f"No party is known by SIPRI's name “{given}”: add it to the name "
                            "table (dashboard/register/names.py).",
                        )
                    )
            if recipient is None or supplier is None:
                continue
            if recipient.code == supplier.code:
                self.problems.append(
                    (row.line, "supplier", "The recipient and the supplier are the same party.")
                )
                continue
            placed.append((row, recipient, supplier))
        return placed

    # --- building ---

    def build(self) -> list[tuple[int, dict]]:
        placed = self._places()
        records: list[tuple[int, dict]] = []
        records += self._parties(placed)
        records.append((1, self._source()))
        platform_of, platform_records = self._platforms(placed)
        records += platform_records
        records += self._deals(placed, platform_of)
        return records

    def _parties(self, placed) -> list[tuple[int, dict]]:
        first_line: dict[str, int] = {}
        places: dict[str, PartyPlace] = {}
        for row, *both in placed:
            for place in both:
                places.setdefault(place.code, place)
                first_line.setdefault(place.code, row.line)
        for place in list(places.values()):
            if place.successor and place.successor not in places:
                successor = party_place_of_code(place.successor)
                places[successor.code] = successor
                first_line[successor.code] = first_line[place.code]
        existing = {
            row["code"]: row
            for chunk in chunks(list(places), KEYS_PER_QUERY)
            for row in Party.objects.filter(code__in=chunk).values(
                "code", "name", "kind", "iso3", "successor__code"
            )
        }
        records = []
        ordered = sorted(places.values(), key=lambda place: place.successor is not None)
        for place in ordered:
            row = existing.get(place.code)
            if row is not None:
                fields = {
                    "code": row["code"],
                    "name": row["name"],
                    "kind": row["kind"],
                    "iso3": row["iso3"],
                    "successor": [row["successor__code"]] if row["successor__code"] else None,
                }
            else:
                fields = {
                    "code": place.code,
                    "name": place.name,
                    "kind": place.kind,
                    "iso3": place.iso3,
                    "successor": [place.successor] if place.successor else None,
                }
            records.append(
                (first_line[place.code], {"model": "dashboard.party", "fields": fields})
            )
        return records

    def _source(self) -> dict:
        register = self.register
        generated = register.generated
        published = generated.date().isoformat() if generated else None
        return {
            "model": "dashboard.source",
            "fields": {
                "slug": self.source_slug,
                "title": "SIPRI Arms Transfers Database: trade register"
                + (f" (data generated {generated:%-d %b %Y})" if generated else ""),
                "publisher": PUBLISHER,
                "url": URL,
                "published": published,
                "date_note": "The export's own “Data generated” line."
                if generated
                else "The export gives no date.",
                "text": register.text,
            },
        }

    def _platforms(self, placed) -> tuple[dict[str, str], list[tuple[int, dict]]]:
        """Each designation's platform slug; the platform records (new ones, and the existing
        ones the register names, with SIPRI's description where they have none)."""
        by_name: dict[str, str] = {}
        for slug, name in Platform.objects.values_list("slug", "name"):
            by_name.setdefault(_name_key(name), slug)
        for slug, name in PlatformAlias.objects.values_list("platform__slug", "name"):
            by_name.setdefault(_name_key(name), slug)
        taken = set(Platform.objects.values_list("slug", flat=True))
        platform_of: dict[str, str] = {}
        new: dict[str, dict] = {}
        used: dict[str, int] = {}
        description_of: dict[str, str] = {}
        for row, _, _ in placed:
            wanted = _name_key(row.designation)
            if wanted in platform_of:
                continue
            category, how = description_category(row.description)
            if how in (BY_WORDS, FALLBACK):
                self.descriptions.setdefault(row.description, (category, how))
            slug = by_name.get(wanted)
            if slug is None:
                slug = _free_slug(_slug(row.designation)[:100] or "platform", taken)
                taken.add(slug)
                new[slug] = {
                    "slug": slug,
                    "name": row.designation,
                    "category": category,
                    "register_description": row.description[:200],
                }
            else:
                description_of.setdefault(slug, row.description[:200])
            platform_of[wanted] = slug
            used.setdefault(slug, row.line)
        records = []
        for slug, fields in new.items():
            records.append((used[slug], {"model": "dashboard.platform", "fields": fields}))
        existing = [slug for slug in used if slug not in new]
        for chunk in chunks(existing, KEYS_PER_QUERY):
            for row in Platform.objects.filter(slug__in=chunk).values(
                "slug", "name", "category", "description", "register_description"
            ):
                fields = dict(row)
                if not fields["register_description"]:
                    fields["register_description"] = description_of[row["slug"]]
                records.append(
                    (used[row["slug"]], {"model": "dashboard.platform", "fields": fields})
                )
        return platform_of, records

    def _deals(self, placed, platform_of) -> list[tuple[int, dict]]:
        keyed: list[tuple[str, RegisterRow, PartyPlace, PartyPlace]] = []
        counts: dict[str, int] = defaultdict(int)
        for row, recipient, supplier in placed:
            base = row_key(row, recipient, supplier)
            counts[base] += 1
            key = base if counts[base] == 1 else f"{base}--{counts[base]}"
            keyed.append((key, row, recipient, supplier))
        existing = self._existing_deals([key for key, *_ in keyed])
        previous = self._previous_rows()
        articles = self._article_deals()
        by_base = self._merged_by_base(previous)
        cited = self._citations_held()
        records: list[tuple[int, dict]] = []
        deliveries: list[tuple[int, str, list[int]]] = []
        known: set[str] = set()  # the deals the database holds
        for key, row, recipient, supplier in keyed:
            derived = row_derived(row, recipient, supplier)
            if row.delivered is not None and derived.values["quantity_delivered"] is None:
                self.over_delivered.append(row.line)
            platform = platform_of[_name_key(row.designation)]
            deal = existing.get(key)
            if deal is None and "--" not in key and key in by_base:
                deal = by_base[key]
            if deal is None and row.ordered:
                candidates = articles.get(
                    (recipient.code, supplier.code, platform, row.ordered), []
                )
                candidates = [slug for slug in candidates if slug not in self.matched]
                if candidates:
                    deal = self._deal_values(candidates[0])
                    self.merged.append((row.line, candidates[0]))
            if deal is None:
                fields = {
                    "slug": key,
                    "expected_completion": None,
                    "notes": "",
                    **derived.values,
                }
            else:
                fields = self._merged(deal, derived, previous.get(deal["slug"]))
                known.add(deal["slug"])
            slug = fields["slug"]
            self.matched.add(slug)
            fields["buyer"] = [deal["buyer__code"] if deal else recipient.code]
            fields["seller"] = [deal["seller__code"] if deal else supplier.code]
            fields["platform"] = [deal["platform__slug"] if deal else platform]
            # A deal or citation the database holds exactly so is unchanged: it need not be
            # checked and compared again (a second import of the register then checks the
            # export's text, and the few rows that changed).
            if deal is None or not _same(fields, deal):
                records.append((row.line, {"model": "dashboard.deal", "fields": fields}))
            else:
                self.kept["dashboard.deal"] += 1
            citation = self._citation(slug, row, derived)
            if not _same(citation["fields"], cited.get(slug)):
                records.append((row.line, citation))
            else:
                self.kept["dashboard.dealcitation"] += 1
            deliveries.append((row.line, slug, derived.deliveries))
        # A year of delivery the database holds already is unchanged: it has nothing but its
        # key. Only the others go to the loader (on a second import, half the records fewer).
        have = self._existing_deliveries([slug for _, slug, _ in deliveries if slug in known])
        for line, slug, years in deliveries:
            for year in years:
                if (slug, year) in have:
                    self.kept["dashboard.delivery"] += 1
                    continue
                fields = {"deal": [slug], "year": year}
                records.append((line, {"model": "dashboard.delivery", "fields": fields}))
        self.dropped = _years_dropped(have, deliveries, previous)
        return records

    def _citations_held(self) -> dict[str, dict]:
        """This export's citations the database holds already, by deal, as records give them."""
        rows = DealCitation.objects.filter(source__slug=self.source_slug).values(
            "deal__slug", "source__slug", *CITATION_FIELDS
        )
        held = {}
        for row in rows.iterator(chunk_size=5000):
            row["deal"], row["source"] = [row.pop("deal__slug")], [row.pop("source__slug")]
            held[row["deal"][0]] = row
        return held

    def _existing_deliveries(self, slugs: list[str]) -> set[tuple[str, int]]:
        found = set()
        for chunk in chunks(slugs, KEYS_PER_QUERY):
            rows = Delivery.objects.filter(deal__slug__in=chunk)
            found.update(rows.values_list("deal__slug", "year"))
        return found

    def _citation(self, slug: str, row: RegisterRow, derived: _Derived) -> dict:
        values = derived.values
        return {
            "model": "dashboard.dealcitation",
            "fields": {
                "deal": [slug],
                "source": [self.source_slug],
                "excerpt": row.text,
                "quantity": row.quantity,
                "quantity_uncertain": row.quantity_uncertain,
                "quantity_delivered": row.delivered,
                "quantity_delivered_uncertain": row.delivered_uncertain,
                "ordered": row.ordered,
                "ordered_uncertain": row.ordered_uncertain,
                "value_amount": values["value_amount"],
                "value_currency": values["value_currency"],
                "comment": row.comment,
            },
        }

    def _merged(self, deal: dict, derived: _Derived, previous: _Derived | None) -> dict:
        """The deal's record: its own values, but where SIPRI may set them."""
        fields = {name: _stored(deal[name]) for name in DEAL_FIELDS}
        new = derived.values
        for name in ROW_FIELDS:
            if name == "value_currency":
                continue
            have = _comparable(deal[name])
            if previous is not None:
                ours = have == _comparable(previous.values[name])
                if name == "value_amount":
                    ours = ours and deal["value_currency"] == previous.values["value_currency"]
            else:
                ours = name in REGISTER_FIELDS and have in (None, "")
            if name == "kind" and deal["slug"].startswith(DEAL_PREFIX):
                # A deal an export made before kinds were read from the register holds the
                # default: the register's kind replaces it.
                ours = ours or have == Deal.Kind.PURCHASE
            if ours:
                fields[name] = new[name]
                if name == "value_amount":
                    fields["value_currency"] = new["value_currency"]
        quantity, delivered = fields["quantity"], fields["quantity_delivered"]
        if quantity is not None and delivered is not None and delivered > quantity:
            fields["quantity_delivered"] = deal["quantity_delivered"]
            fields["quantity_delivered_uncertain"] = deal["quantity_delivered_uncertain"]
        return fields

    # --- what the database holds ---

    def _deal_values(self, slug: str) -> dict:
        return self._existing_deals([slug])[slug]

    def _existing_deals(self, slugs: list[str]) -> dict[str, dict]:
        fields = [*DEAL_FIELDS, "buyer__code", "seller__code", "platform__slug"]
        found = {}
        for chunk in chunks(slugs, KEYS_PER_QUERY):
            for row in Deal.objects.filter(slug__in=chunk).values(*fields):
                found[row["slug"]] = row
        return found

    def _previous_rows(self) -> dict[str, _Derived]:
        """For each deal a register export cites, what its latest SIPRI row stated."""
        citations = (
            DealCitation.objects.filter(source__slug__startswith=SOURCE_PREFIX)
            .order_by("deal__slug", "-source__published", "-source__slug")
            .values_list("deal__slug", "excerpt")
        )
        previous: dict[str, _Derived] = {}
        for slug, excerpt in citations.iterator(chunk_size=5000):
            if slug in self.cited:
                continue
            self.cited.add(slug)
            row = _row_from_excerpt(excerpt)
            if row is not None:
                recipient, supplier = party_place(row.recipient), party_place(row.supplier)
                if recipient and supplier:
                    previous[slug] = row_derived(row, recipient, supplier)
                    previous[slug].values["key"] = row_key(row, recipient, supplier)
        return previous

    def _merged_by_base(self, previous: dict[str, _Derived]) -> dict[str, dict]:
        """Deals from articles that an earlier export was merged into, by that row's key."""
        slugs = {
            derived.values["key"]: slug
            for slug, derived in previous.items()
            if not slug.startswith(DEAL_PREFIX)
        }
        found = self._existing_deals(list(slugs.values()))
        return {key: found[slug] for key, slug in slugs.items() if slug in found}

    def _article_deals(self) -> dict[tuple, list[str]]:
        """Deals no export made, with a year of signature, by (buyer, seller, platform, year)."""
        rows = (
            Deal.objects.exclude(slug__startswith=DEAL_PREFIX)
            .filter(signed__isnull=False)
            .order_by("slug")
            .values_list("slug", "buyer__code", "seller__code", "platform__slug", "signed")
        )
        found: dict[tuple, list[str]] = defaultdict(list)
        for slug, buyer, seller, platform, signed in rows.iterator(chunk_size=5000):
            found[(buyer, seller, platform, signed.year)].append(slug)
        return found

    def unlisted(self) -> list[str]:
        return sorted(self.cited - self.matched)


def _years_dropped(
    have: set[tuple[str, int]],
    deliveries: list[tuple[int, str, list[int]]],
    previous: dict[str, _Derived],
) -> list[tuple[str, int]]:
    """The years of delivery to delete: those of a deal the register made that its row no
    longer lists, and on a deal from articles those an earlier export listed and this one no
    longer does (a year only an editor gave stays)."""
    listed: dict[str, set[int]] = defaultdict(set)
    for _, slug, years in deliveries:
        listed[slug].update(years)
    dropped = []
    for slug, year in sorted(have):
        if year in listed[slug]:
            continue
        stated = previous[slug].deliveries if slug in previous else []
        if slug.startswith(DEAL_PREFIX) or year in stated:
            dropped.append((slug, year))
    return dropped


def _years_delete(dropped: list[tuple[str, int]], *, reason: str) -> None:
    """Delete those years of delivery one by one, each with its history row; their deals'
    TIVs are then spread over the years left."""
    wanted = set(dropped)
    deals = set()
    for chunk in chunks(sorted({slug for slug, _ in dropped}), KEYS_PER_QUERY):
        for delivery in Delivery.objects.filter(deal__slug__in=chunk).select_related("deal"):
            if (delivery.deal.slug, delivery.year) in wanted:
                delivery._change_reason = reason
                delivery.delete()
                deals.add(delivery.deal_id)
    delivery_tiv_update(deal_ids=deals)


def _same(fields: dict[str, Any], stored: dict[str, Any] | None) -> bool:
    """Whether a record's fields are what the database holds (`stored`, as values() gives it,
    with a foreign key as its target's natural key under "name__key" or as a list)."""
    if stored is None:
        return False
    for name, value in fields.items():
        if isinstance(value, list):
            have = stored.get(name)
            if have is None:
                have = [stored.get(f"{name}__{_KEY_OF[name]}")]
            if list(have) != value:
                return False
        elif name not in stored or _comparable(stored[name]) != _comparable(value):
            return False
    return True


_KEY_OF = {"buyer": "code", "seller": "code", "platform": "slug", "deal": "slug", "source": "slug"}


def _stored(value: Any) -> Any:
    if isinstance(value, PartialDate):
        return value.isoformat()
    return value


def _row_from_excerpt(excerpt: str) -> RegisterRow | None:
    cells = record_cells(excerpt)
    if cells is None or len(cells) != WIDTH:
        return None
    return record_read(RegisterFile(name=""), 0, excerpt, cells)


def _slug(text: str) -> str:
    # "Mi-24P/Mi-35P" as mi-24p-mi-35p, not mi-24pmi-35p.
    return slugify(text.replace("/", " ").replace("+", " plus "))


def _name_key(name: str) -> str:
    return " ".join(name.lower().split())


def _free_slug(slug: str, taken: set[str]) -> str:
    if slug not in taken:
        return slug
    number = 2
    while f"{slug}-{number}" in taken:
        number += 1
    return f"{slug}-{number}"


def party_place_of_code(code: str) -> PartyPlace:
    """A successor state's place, from its ISO code (Russia, for the Soviet Union)."""
    country = pycountry.countries.get(alpha_2=code)
    shown = {alpha_2: name for alpha_2, name in SPELLINGS.values()}
    name = shown.get(code) or getattr(country, "common_name", None) or country.name
    return PartyPlace(code, name, "state", iso3=country.alpha_3)


def _prune(slugs: list[str]) -> tuple[list[str], list[str]]:
    """Delete the deals no longer listed that only register exports cite; the others stay."""
    other = set(
        DealCitation.objects.filter(deal__slug__in=slugs)
        .exclude(source__slug__startswith=SOURCE_PREFIX)
        .values_list("deal__slug", flat=True)
    )
    doomed = [slug for slug in slugs if slug not in other]
    with transaction.atomic():
        for chunk in chunks(doomed, KEYS_PER_QUERY):
            for deal in Deal.objects.filter(slug__in=chunk):
                deal._change_reason = "import_sipri --prune: no longer in the register"
                deal.delete()
    if doomed:
        cache.data_changed()
    return doomed, sorted(other)
