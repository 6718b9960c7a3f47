"""Pass 1: read every record once and find every problem, writing nothing.

Each record is checked on its own as it is read (see schema.py). What checks across records
need is kept as it goes, and no more: the natural keys seen (for duplicates and references),
the values of fields that must be unique, the title and text of sources and the name of
platforms (which quotes, excerpts and aliases are checked against), and references not yet
seen. After the last file, what the batch could not settle is asked of the database in
batches of keys, never one query per record.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.text import capfirst

from dashboard.loading.lookups import KEYS_PER_QUERY, chunks, keys_existing, rows_by_key
from dashboard.loading.reading import (
    FixtureFile,
    ReadError,
    RecordUnreadable,
    file_records,
)
from dashboard.loading.result import FixtureError
from dashboard.loading.schema import (
    CLEAN_NEEDS,
    Key,
    ModelSpec,
    Record,
    RecordRejected,
    key_text,
    record_clean,
    record_read,
    spec_for,
    stand_in,
)
from dashboard.passages import normalised

Progress = Callable[[str, int], None]
PROGRESS_EVERY = 1000
# A location packs (file index, record number) into one int: a tuple per key would cost more.
_PER_FILE = 1 << 40


@dataclass
class CheckOutcome:
    errors: list[FixtureError]
    records: int
    # The models each file holds, by write rank, so pass 2 can read files in a helpful order.
    file_ranks: dict[int, set[int]] = field(default_factory=dict)


def batch_check(*, files: list[FixtureFile], progress: Progress | None = None) -> CheckOutcome:
    return _BatchCheck(files=files, progress=progress).run()


def _needed_values() -> dict[ModelSpec, tuple[str, ...]]:
    """For each model that some clean() reads, the fields it reads."""
    return {
        spec_for(model).targets[relation]: fields
        for model, (relation, fields) in CLEAN_NEEDS.items()
    }


class _BatchCheck:
    def __init__(self, *, files: list[FixtureFile], progress: Progress | None):
        self.files = files
        self.progress = progress
        self.records = 0
        self.errors: list[tuple[int, int, FixtureError]] = []
        self.file_ranks: dict[int, set[int]] = defaultdict(set)
        self.seen: dict[ModelSpec, _Locations] = defaultdict(_Locations)
        self.unique: dict[tuple[ModelSpec, str], dict[Any, Key]] = defaultdict(dict)
        self.needed = _needed_values()
        self.related = _RelatedValues()
        # target model -> key -> the (location, label, field) of each record that refers to it
        self.dangling: dict[ModelSpec, dict[Key, list[tuple[int, str, str]]]] = defaultdict(dict)
        self.waiting: list[tuple[int, Record]] = []

    def run(self) -> CheckOutcome:
        try:
            for index, file in enumerate(self.files):
                self._file_check(index, file)
            self._dangling_check()
            self._unique_check()
            self._waiting_clean()
        finally:
            self.related.close()
        self.errors.sort(key=lambda entry: (entry[0], entry[1]))
        return CheckOutcome(
            errors=[error for _, _, error in self.errors],
            records=self.records,
            file_ranks=dict(self.file_ranks),
        )

    # --- reporting ---

    def _error(self, location: int, message: str, *, label: str = "?", name: str = "-") -> None:
        index, number = divmod(location, _PER_FILE)
        error = FixtureError(
            path=self.files[index].name,
            message=message,
            record=number or None,
            label=label,
            field=name,
        )
        self.errors.append((location, len(self.errors), error))

    def _where(self, location: int, *, seen_from: int) -> str:
        index, number = divmod(location, _PER_FILE)
        if index == seen_from // _PER_FILE:
            return f"record {number}"
        return f"record {number} of {self.files[index].name}"

    # --- reading ---

    def _file_check(self, index: int, file: FixtureFile) -> None:
        base = index * _PER_FILE
        try:
            for number, raw in enumerate(file_records(file), start=1):
                self.records += 1
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
        first = self.seen[spec].get(key)
        if first is not None:
            where = self._where(first, seen_from=location)
            record.error("-", f"Duplicate: {where} has the same natural key.")
            return False
        self.seen[spec][key] = location
        self.dangling[spec].pop(key, None)
        for name in spec.unique_fields:
            value = record.values.get(name)
            if value in (None, ""):
                continue
            holders = self.unique[(spec, name)]
            other = holders.setdefault(value, key)
            if other != key:
                where = self._where(self.seen[spec][other], seen_from=location)
                record.error(name, f"{_unique_message(spec, name)} ({where}).")
        return True

    def _references_note(self, location: int, record: Record) -> None:
        targets = [
            (name, record.spec.targets[name], [key])
            for name, key in record.references.items()
            if key
        ] + [(name, record.spec.targets[name], keys) for name, keys in record.links.items()]
        for name, target, keys in targets:
            seen = self.seen[target]
            for key in keys:
                if key not in seen:
                    waiting = self.dangling[target].setdefault(key, [])
                    waiting.append((location, record.label, name))

    def _clean_or_wait(self, location: int, record: Record) -> None:
        relation, _ = CLEAN_NEEDS[record.spec.model]
        target_key = record.references.get(relation)
        if not target_key:
            return  # no related record to check against; that is already an error
        target = record.spec.targets[relation]
        if (related := self.related.get(target, target_key)) is not None:
            record_clean(record, related=related)
        elif target_key not in self.seen[target]:
            self.waiting.append((location, record))
        # else the related record is in the batch but has errors of its own: said already

    # --- after the last file ---

    def _dangling_check(self) -> None:
        for target, references in self.dangling.items():
            if not references:
                continue
            existing = keys_existing(target, references)
            for key, referrers in references.items():
                if key in existing:
                    continue
                message = f"No {target.label} “{key_text(key)}” in the files or the database."
                for location, label, name in referrers:
                    self._error(location, message, label=label, name=name)
        self.dangling.clear()

    def _unique_check(self) -> None:
        for (spec, name), holders in self.unique.items():
            for values in chunks(holders, KEYS_PER_QUERY):
                rows = spec.model._default_manager.filter(**{f"{name}__in": values})
                for value, *parts in rows.values_list(name, *spec.key_lookups):
                    held_by = tuple(str(part) for part in parts)
                    key = holders.get(value)
                    if key is None or held_by == key:
                        continue
                    if held_by in self.seen[spec]:
                        continue  # that row gets another value from the batch
                    self._error(
                        self.seen[spec][key],
                        f"{_unique_message(spec, name)} "
                        f"({spec.label} {key_text(held_by)} in the database).",
                        label=f"{spec.label} {key_text(key)}",
                        name=name,
                    )

    def _waiting_clean(self) -> None:
        by_target: dict[ModelSpec, set[Key]] = defaultdict(set)
        for _, record in self.waiting:
            relation, _ = CLEAN_NEEDS[record.spec.model]
            target = record.spec.targets[relation]
            key = record.references[relation]
            if key not in self.seen[target]:
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


class _RelatedValues:
    """The values some clean() reads from another record of the batch (a source's title and
    text, a platform's name), by model and natural key, handed out as stand-ins.

    Source texts are long and a batch may hold thousands, so they wait in a private temporary
    SQLite database (on disk, deleted when closed) rather than in memory: memory stays flat
    however many sources a batch holds. The stand-ins used last are kept at hand, up to a
    budget of characters. Texts are stored as passages.normalised() makes them: clean()'s
    checks give the same answers, and comparing against them again costs less.
    """

    AT_HAND_CHARACTERS = 8_000_000

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
        while self._recent_size > self.AT_HAND_CHARACTERS:
            self._recent_size -= self._recent.popitem(last=False)[1][1]
        return related

    def close(self) -> None:
        self._database.close()


class _Locations(dict):
    """Natural key -> location. This is the one thing kept for every record, so a one-part key
    (all but one model's) is stored as its string: a 1-tuple would cost 56 bytes more each."""

    @staticmethod
    def _compact(key: Key) -> Key | str:
        return key[0] if len(key) == 1 else key

    def __getitem__(self, key: Key) -> int:
        return super().__getitem__(self._compact(key))

    def __setitem__(self, key: Key, location: int) -> None:
        super().__setitem__(self._compact(key), location)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._compact(key))

    def get(self, key: Key, default: int | None = None) -> int | None:
        return super().get(self._compact(key), default)


def _unique_message(spec: ModelSpec, name: str) -> str:
    model_field = spec.fields[name]
    return str(
        model_field.error_messages["unique"]
        % {
            "model_name": capfirst(spec.model._meta.verbose_name),
            "field_label": capfirst(model_field.verbose_name),
        }
    ).rstrip(".")
