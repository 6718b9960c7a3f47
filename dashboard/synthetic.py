"""Realistic, deterministic synthetic data for measuring the dashboard at scale.

At scale 1: about 200 parties, 2,000 platforms, 100,000 deals, 20,000 sources and
1,000,000 statements over fifty years, skewed so that a few party pairs and platforms hold
most records. Every quote and excerpt appears word for word in its source, so the data obeys
the same rules as real data.

`synthetic_records()` yields records that refer to each other by index; a sink turns them into
fixture objects with natural keys, written to a file or, through the loader's reading and
writing (dashboard.loading), to the database. Synthetic data has no edit history: no history
rows are written, on purpose.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pycountry
from django.db import connection, transaction

from dashboard import models
from dashboard.loading.schema import record_read
from dashboard.loading.writing import BatchWriter
from dashboard.search import full_text_indexes

CATEGORIES = [value for value, _ in models.Platform.Category.choices if value != "other"]
NAME_WORDS = [
    "Falcon",
    "Shield",
    "Trident",
    "Arrow",
    "Sentinel",
    "Viper",
    "Storm",
    "Lance",
    "Aegis",
    "Condor",
    "Harpoon",
    "Raptor",
    "Bastion",
    "Comet",
    "Tiger",
    "Orion",
]
STAGES = [(s.value, w) for s, w in zip(models.Deal.Stage, [8, 6, 5, 30, 20, 26, 5], strict=True)]
# No aid in the mix: the synthetic data stays what the benchmarks were measured on.
KINDS = [(k.value, w) for k, w in zip(models.Deal.Kind, [70, 12, 6, 4, 8, 0], strict=True)]
CURRENCIES = [("USD", 70), ("EUR", 12), ("RUB", 8), ("INR", 6), ("GBP", 4)]
VERBS = [
    "is progressing well",
    "remains under review",
    "will be expanded",
    "met its targets",
    "faces delays",
    "is a priority",
    "strengthens our partnership",
    "is on schedule",
]
FIRST_YEAR, LAST_YEAR = 1976, 2025

# model name -> {field: model it refers to}; lists are many-to-many fields.
REFERENCES = {
    "party": {},
    "platform": {"makers": "party"},
    "platformalias": {"platform": "platform"},
    "person": {"party": "party"},
    "deal": {"buyer": "party", "seller": "party", "platform": "platform"},
    "source": {},
    "dealcitation": {"deal": "deal", "source": "source"},
    "statement": {
        "speaker": "person",
        "source": "source",
        "platforms": "platform",
        "deals": "deal",
    },
}
MANY_TO_MANY = {"makers", "platforms", "deals"}


@dataclass(frozen=True)
class Sizes:
    parties: int
    platforms: int
    people: int
    sources: int
    deals: int
    statements: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        def size(full: int, least: int) -> int:
            return max(least, round(full * scale))

        return cls(
            parties=min(len(pycountry.countries), size(200, 12)),
            platforms=size(2_000, 20),
            people=size(10_000, 30),
            sources=size(20_000, 10),
            deals=size(100_000, 50),
            statements=size(1_000_000, 100),
        )


class Skewed:
    """Draws indices 0..n-1 with Zipf-like weights: a few values take most draws."""

    def __init__(self, rng: random.Random, n: int, exponent: float = 1.1):
        self.rng = rng
        self.cumulative = list(
            itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(n))
        )

    def draw(self) -> int:
        point = self.rng.random() * self.cumulative[-1]
        return bisect.bisect_left(self.cumulative, point)


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in options], [weight for _, weight in options])[0]


def _date(rng: random.Random) -> str:
    year = rng.randint(FIRST_YEAR, LAST_YEAR)
    roll = rng.random()
    if roll < 0.1:
        return f"{year}"
    if roll < 0.4:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def platform_name(index: int) -> str:
    return f"{NAME_WORDS[index % len(NAME_WORDS)]}-{index + 100}"


def synthetic_records(*, scale: float, seed: int) -> Iterator[tuple[str, int, dict]]:
    """Yield (model name, index, fields) in an order where references point backwards."""
    rng = random.Random(seed)
    sizes = Sizes.for_scale(scale)
    parties = sorted(pycountry.countries, key=lambda c: c.alpha_2)
    rng.shuffle(parties)
    parties = parties[: sizes.parties]
    for i, party in enumerate(parties):
        yield (
            "party",
            i,
            {"name": party.name, "code": party.alpha_2, "iso3": party.alpha_3},
        )
    pick_party = Skewed(rng, sizes.parties)
    yield from _platforms(rng, sizes, pick_party)
    for i in range(sizes.people):
        yield (
            "person",
            i,
            {
                "slug": f"person-{i}",
                "name": f"Official {i}",
                "kind": "person" if i % 10 else "institution",
                "role": "Defence spokesperson",
                "party": pick_party.draw(),
            },
        )
    deals = list(_deals(rng, sizes, pick_party))
    cited_by: dict[int, list[int]] = {}
    for i, deal in enumerate(deals):
        cited_by.setdefault(deal.pop("source"), []).append(i)
        yield "deal", i, deal
    yield from _sources_and_statements(rng, sizes, deals, parties, cited_by)


def _platforms(rng, sizes, pick_party):
    for i in range(sizes.platforms):
        name = platform_name(i)
        makers = sorted({pick_party.draw() for _ in range(1 + (i % 7 == 0))})
        yield (
            "platform",
            i,
            {
                "slug": f"platform-{i}",
                "name": name,
                "category": CATEGORIES[rng.randrange(len(CATEGORIES))],
                "makers": makers,
                "description": f"Synthetic platform {name}.",
            },
        )
        if i % 3 == 0:
            yield "platformalias", i, {"platform": i, "name": f"{name} export variant"}


def _deals(rng, sizes, pick_party):
    pick_platform = Skewed(rng, sizes.platforms)
    for i in range(sizes.deals):
        buyer = pick_party.draw()
        seller = pick_party.draw()
        while seller == buyer:
            seller = (seller + 1 + rng.randrange(sizes.parties - 1)) % sizes.parties
        stage = _weighted(rng, STAGES)
        signed = stage in models.Deal.Stage.signed_stages() or stage == "cancelled"
        quantity = rng.randint(1, 200) if rng.random() < 0.7 else None
        delivered = rng.randint(0, quantity) if quantity and stage != "talks" else None
        if stage == "completed" and quantity:
            delivered = quantity  # a completed deal has delivered all its units
        has_value = signed and rng.random() < 0.6
        platform = pick_platform.draw()
        yield {
            "slug": f"deal-{i}",
            "title": f"{platform_name(platform)} deal {i}",
            "buyer": buyer,
            "seller": seller,
            "platform": platform,
            "kind": _weighted(rng, KINDS),
            "stage": stage,
            "quantity": quantity,
            "quantity_delivered": delivered,
            "value_amount": Decimal(rng.randint(1, 5_000_000)) * 1000 if has_value else None,
            "value_currency": _weighted(rng, CURRENCIES) if has_value else "",
            "signed": _date(rng) if signed else None,
            "expected_completion": _date(rng) if rng.random() < 0.3 else None,
            "notes": "",
            "source": rng.randrange(sizes.sources),
        }


def _sources_and_statements(rng, sizes, deals, parties, cited_by):
    pick_person = Skewed(rng, sizes.people)
    pick_deal = Skewed(rng, sizes.deals, exponent=0.8)
    per_source, extra = divmod(sizes.statements, sizes.sources)
    statement = 0
    for s in range(sizes.sources):
        sentences, statements = [], []
        for c in cited_by.get(s, []):
            deal = deals[c]
            excerpt = (
                f"{parties[deal['buyer']].name} and {parties[deal['seller']].name} "
                f"agreed the {deal['title']}."
            )
            sentences.append(excerpt)
            statements.append(("dealcitation", c, {"deal": c, "source": s, "excerpt": excerpt}))
        for _ in range(per_source + (s < extra)):
            fields, sentence = _statement(rng, statement, s, pick_person, pick_deal, deals, sizes)
            sentences.append(sentence)
            statements.append(("statement", statement, fields))
            statement += 1
        year = rng.randint(FIRST_YEAR, LAST_YEAR)
        yield (
            "source",
            s,
            {
                "slug": f"source-{s}",
                "title": f"Defence report {s}",
                "publisher": f"Wire {s % 40}",
                "url": "",
                "published": f"{year}-{rng.randint(1, 12):02d}",
                "date_note": "",
                "text": " ".join(sentences),
            },
        )
        yield from statements


def _statement(rng, index, source, pick_person, pick_deal, deals, sizes):
    speaker = pick_person.draw()
    deal = pick_deal.draw() if rng.random() < 0.3 else None
    platform = deals[deal]["platform"] if deal is not None else rng.randrange(sizes.platforms)
    words = f"The {platform_name(platform)} programme {VERBS[index % len(VERBS)]} ({index})"
    quote = rng.random() < 0.7
    sentence = (
        f"“{words},” Official {speaker} said."
        if quote
        else (f"Official {speaker} said that {words[0].lower()}{words[1:]}.")
    )
    fields = {
        "slug": f"statement-{index}",
        "speaker": speaker,
        "date": _date(rng),
        "date_note": "",
        "kind": "quote" if quote else "report",
        "text": words if quote else f"Said that {words[0].lower()}{words[1:]}.",
        "source": source,
        "excerpt": sentence,
        "platforms": [platform],
        "deals": [] if deal is None else [deal],
    }
    return fields, sentence


# --- Sinks -------------------------------------------------------------------------------------

MODELS = {
    "party": models.Party,
    "platform": models.Platform,
    "platformalias": models.PlatformAlias,
    "person": models.Person,
    "deal": models.Deal,
    "source": models.Source,
    "dealcitation": models.DealCitation,
    "statement": models.Statement,
}


def _value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


class FixtureSink:
    """Writes records as Django fixture objects with natural keys, one per line: JSON Lines, or
    with `array` a JSON array (the format dumpdata writes), still one object per line."""

    def __init__(self, stream, *, array: bool = False):
        self.stream = stream
        self.array = array
        self.keys: dict[str, list] = {name: [] for name in MODELS}
        self.counts: dict[str, int] = {}
        if array:
            self.stream.write("[\n")

    def add(self, model_name: str, index: int, fields: dict) -> None:
        text = json.dumps(self.record(model_name, index, fields), ensure_ascii=False, default=str)
        if self.array:  # a comma before each record but the first, so none after the last
            text = ("," if self.counts else "") + text
        self.stream.write(text + "\n")
        self.counts[model_name] = self.counts.get(model_name, 0) + 1

    def record(self, model_name: str, index: int, fields: dict) -> dict:
        """The record as a fixture object, its references as natural keys."""
        out = {}
        for name, value in fields.items():
            reference = REFERENCES[model_name].get(name)
            if reference is None:
                out[name] = _value(value)
            elif name in MANY_TO_MANY:
                out[name] = [self.keys[reference][v] for v in value]
            else:
                out[name] = None if value is None else self.keys[reference][value]
        self._remember(model_name, index, fields)
        return {"model": f"dashboard.{model_name}", "fields": out}

    def _remember(self, model_name, index, fields):
        key = [fields["code"]] if model_name == "party" else [fields.get("slug")]
        if model_name in ("party", "platform", "person", "deal", "source"):
            keys = self.keys[model_name]
            keys.extend([None] * (index + 1 - len(keys)))
            keys[index] = key

    def close(self) -> None:
        if self.array:
            self.stream.write("]\n")
        self.stream.flush()


class DatabaseSink(FixtureSink):
    """Writes records into the database: each read as the loader reads a record (its fields
    converted and checked on their own), then written by the loader's writer, without history.
    The checks across records are left out: the data is valid by construction."""

    def __init__(self):
        super().__init__(stream=None)
        self.writer = BatchWriter(dry_run=False, with_changes=False, progress=None, history=False)

    def add(self, model_name: str, index: int, fields: dict) -> None:
        record = record_read(self.record(model_name, index, fields))
        if record.errors:
            raise ValueError(f"The generator made an invalid {record.label}: {record.errors}")
        self.writer.records_write([record])
        self.counts[model_name] = self.counts.get(model_name, 0) + 1

    def close(self) -> None:
        self.writer.finish()


def dashboard_tables_empty() -> bool:
    return not any(model.objects.exists() for model in MODELS.values())


def dashboard_tables_clear() -> None:
    tables = [model._meta.db_table for model in MODELS.values()] + [
        models.Platform.makers.through._meta.db_table,
        models.Statement.platforms.through._meta.db_table,
        models.Statement.deals.through._meta.db_table,
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Rows written earlier in the same transaction (a test's) may still have foreign
            # key checks pending, which TRUNCATE refuses to run past: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"TRUNCATE {quoted} CASCADE")
            return
    # Engagements, bodies and agreements are not generated, but rest on what is: they go first.
    for model in [models.Agreement, models.Engagement, models.StandingBody]:
        model.objects.all().delete()
    for model in reversed(list(MODELS.values())):
        model.objects.all().delete()


@contextmanager
def full_text_indexes_suspended(active: bool):
    """Build the full-text indexes once at the end: far faster than updating them row by row."""
    if not active or connection.vendor != "postgresql":
        yield
        return
    with connection.schema_editor() as editor:
        for model_name, index in full_text_indexes():
            editor.remove_index(MODELS[model_name], index)
    yield
    with connection.cursor() as cursor:
        # Check the deferred foreign keys now: PostgreSQL builds no index over pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        for model_name, index in full_text_indexes():
            editor.add_index(MODELS[model_name], index)


def synthetic_generate(*, scale: float, seed: int, sink) -> dict[str, int]:
    """Feed every synthetic record to `sink`; returns the count per model."""
    with transaction.atomic(), full_text_indexes_suspended(isinstance(sink, DatabaseSink)):
        for model_name, index, fields in synthetic_records(scale=scale, seed=seed):
            sink.add(model_name, index, fields)
        sink.close()
    if isinstance(sink, DatabaseSink):
        statistics_refresh()
    return sink.counts


def statistics_refresh() -> None:
    """After a bulk write PostgreSQL's planner statistics, and the visibility map that lets a
    count read only an index, are out of date until autovacuum comes by: bring them up to date
    now. VACUUM cannot run inside a transaction (a test's, say); ANALYZE alone does there."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
