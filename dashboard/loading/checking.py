"""Pass 1: read every record once and find every problem, writing nothing.

Each record is checked on its own as it is read (see schema.py). What checks across records
need is kept as it goes, and no more: the natural keys seen (for duplicates) and the references
made, the values of fields and sets of fields that must be unique (a body's session number), and
the title and text of sources and the name of platforms (which quotes, excerpts and aliases are
checked against). Keys, references and
texts wait in a private temporary SQLite database, so memory does not grow with the batch.
After the last file, references are matched against the keys seen, and what the batch could not
settle is asked of the database in batches of keys, never one query per record.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, UniqueConstraint
from django.utils.text import capfirst

from dashboard.loading.lookups import KEYS_PER_QUERY, chunks, keys_existing, rows_by_key
from dashboard.loading.reading import (
    FixtureFile,
    Limits,
    ReadError,
    RecordStream,
    RecordUnreadable,
)
from dashboard.loading.result import FixtureError
from dashboard.loading.schema import (
    CLEAN_NEEDS,
    Key,
    ModelSpec,
    Record,
    RecordRejected,
    flat_values,
    key_text,
    model_specs,
    record_clean,
    record_read,
    spec_for,
    stand_in,
)
from dashboard.loading.spill import RecordSpill
from dashboard.passages import normalised

Progress = Callable[[str, int], None]
PROGRESS_EVERY = 1000
Source = FixtureFile | RecordStream
# A location packs (file index, record or line number) into one int, cheaper than a tuple.
_PER_FILE = 1 << 40


@dataclass
class CheckOutcome:
    errors: list[FixtureError]
    records: int
    errors_more: int = 0  # problems found beyond the limits.errors kept
    # The models each file holds, by write rank, so pass 2 can read files in a helpful order.
    file_ranks: dict[int, set[int]] = field(default_factory=dict)
    # The records as read, for pass 2 to write; None when there are errors. The caller closes it.
    spill: RecordSpill | None = None


def batch_check(
    *,
    files: list[Source],
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> CheckOutcome:
    """Check every record of the files, keeping them for pass 2 while none has a problem."""
    return _BatchCheck(files=files, progress=progress, limits=limits or Limits()).run()


def _needed_values() -> dict[ModelSpec, tuple[str, ...]]:
    """For each model that some clean() reads, the fields it reads."""
    return {
        spec_for(model).targets[relation]: fields
        for model, (relation, fields) in CLEAN_NEEDS.items()
    }


class _TooManyRecords(Exception):
    """The batch holds more records than limits.records: reading stops."""


class _BatchCheck:
    def __init__(self, *, files: list[Source], progress: Progress | None, limits: Limits):
        self.files = files
        self.progress = progress
        self.limits = limits
        self.records = 0
        self.errors: list[tuple[int, int, FixtureError]] = []
        self.errors_more = 0
        self.file_ranks: dict[int, set[int]] = defaultdict(set)
        self.seen = _KeysSeen()
        # The values each unique rule has seen, with the key of the record that holds them.
        self.unique: dict[tuple[ModelSpec, _UniqueRule], dict[tuple, Key]] = defaultdict(dict)
        self.needed = _needed_values()
        self.related = _RelatedValues()
        self.waiting: list[tuple[int, Record]] = []
        self.spill = RecordSpill(len(files))

    def run(self) -> CheckOutcome:
        try:
            for index, file in enumerate(self.files):
                self._file_check(index, file)
            self._dangling_check()
            self._unique_check()
            self._waiting_clean()
            self._database_dependents_check()
        except _TooManyRecords:
            pass  # said already; what was read is not checked across records
        except BaseException:
            self.spill.close()
            raise
        finally:
            self.related.close()
            self.seen.close()
        if self.errors:
            self.spill.close()
        self.errors.sort(key=lambda entry: (entry[0], entry[1]))
        return CheckOutcome(
            errors=[error for _, _, error in self.errors],
            errors_more=self.errors_more,
            records=self.records,
            file_ranks=dict(self.file_ranks),
            spill=None if self.errors else self.spill,
        )

    # --- reporting ---

    def _error(self, location: int, message: str, *, label: str = "?", name: str = "-") -> None:
        if len(self.errors) >= self.limits.errors:
            self.errors_more += 1  # counted, not kept: memory and the page stay small
            return
        index, number = divmod(location, _PER_FILE)
        by_line = self.files[index].by_line
        error = FixtureError(
            path=self.files[index].name,
            message=message,
            record=None if by_line else number or None,
            line=number or None if by_line else None,
            label=label,
            field=name,
        )
        self.errors.append((location, len(self.errors), error))

    def _where(self, location: int, *, seen_from: int) -> str:
        index, number = divmod(location, _PER_FILE)
        where = f"{'line' if self.files[index].by_line else 'record'} {number}"
        if index == seen_from // _PER_FILE:
            return where
        return f"{where} of {self.files[index].name}"

    # --- reading ---

    def _file_check(self, index: int, file: Source) -> None:
        base = index * _PER_FILE
        try:
            for number, raw in enumerate(file.records(self.limits), start=1):
                if file.by_line:
                    number, raw = raw  # noqa: PLW2901 - the line the caller gave
                self.records += 1
                if self.records > self.limits.records:
                    self._error(
                        base + number,
                        f"The batch holds more than {self.limits.records:,} records "
                        "(FIXTURE_MAX_RECORDS); reading stopped here. Split it.",
                    )
                    raise _TooManyRecords
                if self.progress and self.records % PROGRESS_EVERY == 0:
                    self.progress("Checking", self.records)
                if isinstance(raw, RecordUnreadable):
                    self._error(base + number, raw.message)
                    continue
                try:
                    record = record_read(raw)
                except RecordRejected as rejected:
                    self._error(base + number, rejected.message, label=rejected.label)
                    continue
                if not self.errors and not record.errors:
                    # As read, before the checks below could settle values differently.
                    self.spill.add(index, record)
                self._record_check(base + number, record)
        except ReadError as error:
            self._error(base + (error.record or 0), error.message)

    def _record_check(self, location: int, record: Record) -> None:
        spec, key = record.spec, record.key
        self.file_ranks[location // _PER_FILE].add(spec.rank)
        if key is not None and not self._key_register(location, record):
            for name, message in record.errors:
                self._error(location, message, label=record.label, name=name)
            return
        self._references_note(location, record)
        if key is not None and spec in self.needed:
            fields = self.needed[spec]
            if not any(record.failed(name) for name in fields):
                self.related.put(spec, key, {name: record.values[name] for name in fields})
        if spec.model in CLEAN_NEEDS:
            self._clean_or_wait(location, record)
        for name, message in record.errors:
            self._error(location, message, label=record.label, name=name)

    def _key_register(self, location: int, record: Record) -> bool:
        spec, key = record.spec, record.key
        first = self.seen.add(spec, key, location)
        if first is not None:
            where = self._where(first, seen_from=location)
            record.error("-", f"Duplicate: {where} has the same natural key.")
            return False
        for rule in _unique_rules(spec):
            value = _unique_value(record, rule)
            if value is None:
                continue
            other = self.unique[(spec, rule)].setdefault(value, key)
            if other != key:
                where = self._where(self.seen.location(spec, other), seen_from=location)
                record.error(rule.field, f"{rule.message} ({where}).")
        return True

    def _references_note(self, location: int, record: Record) -> None:
        """Note every reference; they are matched with the keys seen after the last file."""
        label, targets, text = record.label, record.spec.targets, self.seen.text
        notes = [
            (targets[name].rank, text(key), location, label, name)
            for name, key in record.references.items()
            if key
        ]
        for name, keys in record.links.items():
            rank = targets[name].rank
            notes += [(rank, text(key), location, label, name) for key in keys]
        self.seen.references_note(notes)

    def _clean_or_wait(self, location: int, record: Record) -> None:
        relation, _ = CLEAN_NEEDS[record.spec.model]
        target_key = record.references.get(relation)
        if not target_key:
            return  # no related record to check against; that is already an error
        target = record.spec.targets[relation]
        if (related := self.related.get(target, target_key)) is not None:
            record_clean(record, related=related)
        elif self.seen.location(target, target_key) is None:
            record.instance = None  # it waits: keep only its values
            self.waiting.append((location, record))
        # else the related record is in the batch but has errors of its own: said already

    # --- after the last file ---

    def _dangling_check(self) -> None:
        for target, keys in self.seen.unresolved():
            existing = keys_existing(target, keys)
            self.seen.missing_note(target, [key for key in keys if key not in existing])
        for target, key, location, label, name in self.seen.missing_references():
            message = f"No {target.label} “{key_text(key)}” in the files or the database."
            self._error(location, message, label=label, name=name)

    def _unique_check(self) -> None:
        for (spec, rule), holders in self.unique.items():
            width = len(rule.lookups)
            for values in chunks(holders, KEYS_PER_QUERY):
                # Each part matched with IN, as key_queryset() does: a few more rows than
                # wanted, perhaps, and only exact matches are kept below.
                rows = spec.model._default_manager.filter(
                    **{
                        f"{lookup}__in": {v[i] for v in values}
                        for i, lookup in enumerate(rule.lookups)
                    }
                )
                for row in rows.values_list(*rule.lookups, *spec.key_lookups):
                    value, held_by = row[:width], tuple(map(str, row[width:]))
                    key = holders.get(value)
                    if key is None or held_by == key:
                        continue
                    if self.seen.location(spec, held_by) is not None:
                        continue  # that row gets other values from the batch
                    self._error(
                        self.seen.location(spec, key),
                        f"{rule.message} ({spec.label} {key_text(held_by)} in the database).",
                        label=f"{spec.label} {key_text(key)}",
                        name=rule.field,
                    )

    def _waiting_clean(self) -> None:
        by_target: dict[ModelSpec, set[Key]] = defaultdict(set)
        for _, record in self.waiting:
            relation, _ = CLEAN_NEEDS[record.spec.model]
            target = record.spec.targets[relation]
            key = record.references[relation]
            if self.seen.location(target, key) is None:
                by_target[target].add(key)
        from_database: dict[ModelSpec, dict[Key, dict[str, Any]]] = defaultdict(dict)
        for target, keys in by_target.items():
            # Source texts can be long: ask for fewer at a time.
            for chunk in chunks(keys, 200):
                from_database[target].update(rows_by_key(target, chunk, self.needed[target]))
        for location, record in self.waiting:
            relation, _ = CLEAN_NEEDS[record.spec.model]
            target = record.spec.targets[relation]
            key = record.references[relation]
            related = self.related.get(target, key)
            if related is None and key in from_database[target]:
                values = from_database[target][key]
                related = stand_in(
                    target.model, {name: values[name] for name in self.needed[target]}
                )
            if related is None:
                continue  # invalid in the batch, or missing: said already
            reported = len(record.errors)  # its own errors were reported when it was read
            record_clean(record, related=related)
            for name, message in record.errors[reported:]:
                self._error(location, message, label=record.label, name=name)
        self.waiting.clear()

    def _database_dependents_check(self) -> None:
        """Rows already in the database whose clean() reads a record the batch changes (a
        deal's excerpt, a statement's quote, read against its source's text) are checked
        again against the batch's values, unless the batch holds them too (checked already)."""
        for model, (relation, fields) in CLEAN_NEEDS.items():
            spec = spec_for(model)
            target = spec.targets[relation]
            for chunk in chunks(self.related.items(target), 200):
                found = rows_by_key(target, [key for key, _ in chunk], ("pk", *fields))
                changed = {
                    found[key]["pk"]: (key, name)
                    for key, values in chunk
                    if key in found and (name := _first_change(values, found[key], fields))
                }
                if changed:
                    self._dependents_clean(spec, relation, target, changed)

    def _dependents_clean(
        self, spec: ModelSpec, relation: str, target: ModelSpec, changed: dict
    ) -> None:
        rows = spec.model._default_manager.filter(**{f"{relation}_id__in": list(changed)})
        for row in rows.select_related(*_relations_of(spec.key_lookups)).iterator():
            key = tuple(str(_path_value(row, lookup)) for lookup in spec.key_lookups)
            if self.seen.location(spec, key) is not None:
                continue
            target_key, name = changed[getattr(row, f"{relation}_id")]
            setattr(row, relation, self.related.get(target, target_key))
            try:
                row.clean()
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    self._error(
                        self.seen.location(target, target_key),
                        f"{spec.label} {key_text(key)}, in the database, rests on it; with "
                        f"this change its {field_name} would fail: " + " ".join(messages),
                        label=f"{target.label} {key_text(target_key)}",
                        name=name,
                    )


def _first_change(values: dict[str, Any], stored: dict[str, Any], fields) -> str | None:
    """The first of `fields` whose value in the batch differs from the stored one (texts are
    kept normalised, so the stored text is compared normalised)."""
    for name in fields:
        old = normalised(stored[name]) if name == "text" else stored[name]
        if values[name] != old:
            return name
    return None


def _relations_of(lookups: tuple[str, ...]) -> list[str]:
    return [lookup.rsplit("__", 1)[0] for lookup in lookups if "__" in lookup]


def _path_value(row: Model, lookup: str) -> Any:
    value = row
    for part in lookup.split("__"):
        value = getattr(value, part)
    return value


class _RelatedValues:
    """The values some clean() reads from another record of the batch (a source's title and
    text, a platform's name), by model and natural key, handed out as stand-ins.

    Source texts are long and a batch may hold thousands, so they wait in a private temporary
    SQLite database (on disk, deleted when closed) rather than in memory: memory stays flat
    however many sources a batch holds. The stand-ins used last are kept at hand, up to a
    budget of characters. Texts are stored as passages.normalised() makes them: clean()'s
    checks give the same answers, and comparing against them again costs less.
    """

    AT_HAND_CHARACTERS = 1_000_000

    def __init__(self):
        self._database = sqlite3.connect("")
        self._database.execute("CREATE TABLE related (key TEXT PRIMARY KEY, fields TEXT)")
        self._recent: OrderedDict[str, tuple[Model, int]] = OrderedDict()
        self._recent_size = 0

    @staticmethod
    def _name(spec: ModelSpec, key: Key) -> str:
        return "\x1f".join((spec.label, *key))

    def put(self, spec: ModelSpec, key: Key, values: dict[str, Any]) -> None:
        if "text" in values:
            values = {**values, "text": normalised(values["text"])}
        name = self._name(spec, key)
        self._database.execute(
            "INSERT OR REPLACE INTO related VALUES (?, ?)", (name, json.dumps(values))
        )
        if name in self._recent:
            self._recent_size -= self._recent.pop(name)[1]

    def get(self, spec: ModelSpec, key: Key) -> Model | None:
        name = self._name(spec, key)
        if name in self._recent:
            self._recent.move_to_end(name)
            return self._recent[name][0]
        row = self._database.execute("SELECT fields FROM related WHERE key = ?", (name,))
        found = row.fetchone()
        if found is None:
            return None
        related = stand_in(spec.model, json.loads(found[0]))
        self._recent[name] = (related, len(found[0]))
        self._recent_size += len(found[0])
        # The one just used stays at hand however long (a register export's text, which every
        # one of its 28,000 excerpts is checked against, is several times the budget).
        while self._recent_size > self.AT_HAND_CHARACTERS and len(self._recent) > 1:
            self._recent_size -= self._recent.popitem(last=False)[1][1]
        return related

    def items(self, spec: ModelSpec) -> Iterator[tuple[Key, dict[str, Any]]]:
        """(natural key, values) of every record of `spec` held, one at a time."""
        prefix = spec.label + "\x1f"
        rows = self._database.execute(
            "SELECT key, fields FROM related WHERE key >= ? AND key < ? ORDER BY key",
            (prefix, spec.label + "\x20"),
        )
        for name, fields in rows:
            yield tuple(name[len(prefix) :].split("\x1f")), json.loads(fields)

    def close(self) -> None:
        self._database.close()


class _KeysSeen:
    """Every natural key read, with the location of the record that has it, and every reference
    made, in a private temporary SQLite database (on disk, deleted when closed).

    Keys are the one thing pass 1 keeps for every record: in memory they grew by about 0.2 KB a
    record. Here inserting a key is the duplicate check too (the table's primary key refuses a
    second), at a microsecond or two; references are buffered and written many at a time, and
    matched against the keys in one query after the last file.
    """

    BUFFERED = 5000

    def __init__(self):
        self._database = sqlite3.connect("")
        self._database.executescript(
            """
            CREATE TABLE seen (
                rank INTEGER, key TEXT, location INTEGER, PRIMARY KEY (rank, key)
            ) WITHOUT ROWID;
            CREATE TABLE reference (rank INTEGER, key TEXT, location INTEGER, label TEXT,
                                    field TEXT);
            CREATE TABLE missing (rank INTEGER, key TEXT, PRIMARY KEY (rank, key)) WITHOUT ROWID;
            """
        )
        self._references: list[tuple[int, str, int, str, str]] = []
        self._specs = list(model_specs().values())

    @staticmethod
    def text(key: Key) -> str:
        # One part as itself; several as JSON, so that no two keys share a text.
        return key[0] if len(key) == 1 else json.dumps(key, ensure_ascii=False)

    def _key(self, rank: int, text: str) -> tuple[ModelSpec, Key]:
        spec = self._specs[rank]
        return spec, (text,) if len(spec.key_lookups) == 1 else tuple(json.loads(text))

    def add(self, spec: ModelSpec, key: Key, location: int) -> int | None:
        """Note the key; the location of the record that had it first, if one did."""
        try:
            self._database.execute(
                "INSERT INTO seen VALUES (?, ?, ?)", (spec.rank, self.text(key), location)
            )
        except sqlite3.IntegrityError:
            return self.location(spec, key)
        return None

    def location(self, spec: ModelSpec, key: Key) -> int | None:
        """Where the record with this key is, or None when no record read has it."""
        row = self._database.execute(
            "SELECT location FROM seen WHERE rank = ? AND key = ?", (spec.rank, self.text(key))
        ).fetchone()
        return None if row is None else row[0]

    def references_note(self, references: list[tuple[int, str, int, str, str]]) -> None:
        """Note references: (target's rank, key as text(), location, label, field) each."""
        self._references += references
        if len(self._references) >= self.BUFFERED:
            self._references_flush()

    def _references_flush(self) -> None:
        self._database.executemany(
            "INSERT INTO reference VALUES (?, ?, ?, ?, ?)", self._references
        )
        self._references = []

    def unresolved(self) -> Iterator[tuple[ModelSpec, list[Key]]]:
        """The keys referred to that no record read has, by model, a few thousand at a time."""
        self._references_flush()
        rows = self._database.execute(
            """SELECT DISTINCT rank, key FROM reference AS r
               WHERE NOT EXISTS (SELECT 1 FROM seen AS s WHERE s.rank = r.rank AND s.key = r.key)
               ORDER BY rank"""
        )
        for rank, group in groupby(rows, key=itemgetter(0)):
            for chunk in chunks((self._key(rank, text)[1] for _, text in group), KEYS_PER_QUERY):
                yield self._specs[rank], chunk

    def missing_note(self, target: ModelSpec, keys: list[Key]) -> None:
        self._database.executemany(
            "INSERT OR IGNORE INTO missing VALUES (?, ?)",
            [(target.rank, self.text(key)) for key in keys],
        )

    def missing_references(self) -> Iterator[tuple[ModelSpec, Key, int, str, str]]:
        """Each reference to a missing key, in the order they were made."""
        rows = self._database.execute(
            """SELECT r.rank, r.key, r.location, r.label, r.field
               FROM reference AS r JOIN missing AS m ON m.rank = r.rank AND m.key = r.key
               ORDER BY r.rowid"""
        )
        for rank, text, location, label, name in rows:
            yield *self._key(rank, text), location, label, name

    def close(self) -> None:
        self._database.close()


@dataclass(frozen=True)
class _UniqueRule:
    """A field, or a set of fields, whose values no two records share: the one check serves a
    unique field and a UniqueConstraint over several fields (one session of each number per
    standing body), across the batch and against the database."""

    fields: tuple[str, ...]
    lookups: tuple[str, ...]  # ORM paths to the values, a reference as its natural key's parts
    message: str

    @property
    def field(self) -> str:
        return self.fields[-1]


@cache
def _unique_rules(spec: ModelSpec) -> tuple[_UniqueRule, ...]:
    single = [
        _UniqueRule((name,), (name,), _unique_message(spec, name)) for name in spec.unique_fields
    ]
    sets = [
        _UniqueRule(
            tuple(constraint.fields),
            _set_lookups(spec, constraint),
            str(constraint.get_violation_error_message()),
        )
        for constraint in spec.unique_sets
    ]
    return tuple(single + sets)


def _unique_value(record: Record, rule: _UniqueRule) -> tuple | None:
    if any(record.failed(name) for name in rule.fields):
        return None
    return flat_values(record, rule.fields)


def _set_lookups(spec: ModelSpec, constraint: UniqueConstraint) -> tuple[str, ...]:
    lookups: list[str] = []
    for name in constraint.fields:
        if name in spec.foreign_keys:
            lookups += [f"{name}__{part}" for part in spec.targets[name].key_lookups]
        else:
            lookups.append(name)
    return tuple(lookups)


def _unique_message(spec: ModelSpec, name: str) -> str:
    model_field = spec.fields[name]
    return str(
        model_field.error_messages["unique"]
        % {
            "model_name": capfirst(spec.model._meta.verbose_name),
            "field_label": capfirst(model_field.verbose_name),
        }
    ).rstrip(".")
