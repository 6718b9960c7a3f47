"""Pass 2: write what differs from the records pass 1 checked, in batches, in the load's own
transaction.

Records are buffered per model and flushed in write order (a model after those it refers to)
every BATCH records. Each flush fetches the existing rows of its records by natural key, a few
thousand keys a query, compares field by field, and writes only the differences: new rows with
rows_insert() (COPY on PostgreSQL, bulk_create elsewhere), changed rows with bulk_update of just
the changed fields, many-to-many rows added and removed in bulk. Comparison is by natural key,
so a dry run needs no ids and writes nothing. A record whose references are not written yet (a
file out of dependency order) waits until the end. Each record created or changed gets one
history row, copied in the database from the row written, with the load's reason and the user
of the request, if any (the admin's upload page). Last, the deliveries' shares of their deal's
TIV (`Delivery.tiv`) are worked out again for the deals given a year of delivery or a new
delivered TIV (services.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone
from django.utils.text import Truncator
from simple_history.utils import get_history_manager_for_model

from dashboard.loading.lookups import KEYS_PER_QUERY, chunks, rows_by_key
from dashboard.loading.result import Change, ModelCounts
from dashboard.loading.schema import Key, ModelSpec, Record, model_specs
from dashboard.loading.spill import RecordSpill
from dashboard.models import Deal, Delivery
from dashboard.services import delivery_tiv_update

# Records buffered before a flush writes them: at 100,000 records, 10,000 took the write pass
# from 10.1 s to 8.1 s against 1,000 (fewer statements and round trips per row), for a few MB.
BATCH = 10_000
# simple-history's history_change_reason column.
REASON_MAX_LENGTH = 100
PROGRESS_EVERY = 1000
# Ids of rows already written or looked up, so that references to them need no query; bounded
# per model, since a batch that misses looks its ids up in one query per model anyway.
ID_CACHE_LIMIT = 10_000


class LoadInterrupted(Exception):
    """The records cannot be written as they were checked."""


def batch_write(
    *,
    spill: RecordSpill,
    file_ranks: dict[int, set[int]],
    dry_run: bool,
    with_changes: bool,
    reason: str,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[dict[str, ModelCounts], list[Change] | None]:
    """Write the records the spill holds, file by file; `reason` goes into each history row."""
    writer = BatchWriter(
        dry_run=dry_run,
        with_changes=with_changes,
        progress=progress,
        reason=Truncator(reason).chars(REASON_MAX_LENGTH),
    )
    # Files holding the models others refer to go first, so fewer records wait.
    order = sorted(
        range(spill.files),
        key=lambda i: (min(file_ranks.get(i) or {99}), max(file_ranks.get(i) or {99}), i),
    )
    return writer.write_all(spill.records(index) for index in order)


class BatchWriter:
    """Writes records as they come (`records_write()`), then those that waited (`finish()`).
    Besides pass 2, the synthetic generator's database sink writes through it, with
    `history=False`: its data is valid by construction, and has no edit history."""

    def __init__(
        self,
        *,
        dry_run: bool,
        with_changes: bool,
        progress,
        reason: str = "",
        history: bool = True,
    ):
        self.dry_run = dry_run
        self.reason = reason
        self.history = history
        self.progress = progress
        self.specs = list(model_specs().values())
        self.buffers: dict[ModelSpec, list[Record]] = {spec: [] for spec in self.specs}
        self.waiting: dict[ModelSpec, list[Record]] = {spec: [] for spec in self.specs}
        self.buffered = 0
        self.read = 0
        self.counts: dict[ModelSpec, ModelCounts] = {}
        self.changes: list[Change] | None = [] if with_changes else None
        self.ids: dict[ModelSpec, dict[Key, int]] = defaultdict(dict)
        self.histories: dict[ModelSpec, _HistoryCopy] = {}
        self.shares_changed: set[int] = set()  # deals' ids: see _shares_note()
        # Models with no rows when the load began: none of their records can match a row (pass
        # 1 found no two with one key), so their batches need not look for them.
        self.empty = {spec for spec in self.specs if not spec.model._default_manager.exists()}

    def write_all(
        self, batches: Iterable[Iterable[Record]]
    ) -> tuple[dict[str, ModelCounts], list[Change] | None]:
        """Write every batch of records, then those that waited; the counts and changes. On
        any error it raises, and the caller rolls the transaction back."""
        for records in batches:
            self.records_write(records)
        self.finish()
        return self.counts_in_order(), self.changes

    def records_write(self, records: Iterable[Record]) -> None:
        for record in records:
            self.buffers[record.spec].append(record)
            if record.spec not in self.counts:
                self.counts[record.spec] = ModelCounts()
            self.buffered += 1
            self.read += 1
            if self.progress and self.read % PROGRESS_EVERY == 0:
                self.progress("Comparing" if self.dry_run else "Writing", self.read)
            if self.buffered >= BATCH:
                self._flush(final=False)

    def finish(self) -> None:
        self._flush(final=False)
        for spec in self.specs:
            records, self.waiting[spec] = self.waiting[spec], []
            for chunk in chunks(records, BATCH):
                self._records_write(spec, chunk, final=True)
        if self.shares_changed and not self.dry_run:
            delivery_tiv_update(deal_ids=self.shares_changed)
        if self.changes is not None:
            ranks = {spec.label: spec.rank for spec in self.specs}
            self.changes.sort(key=lambda change: ranks[change.label.split(" ")[0]])

    def _shares_note(self, spec: ModelSpec, created: list[dict[str, Any]], updated: list) -> None:
        """Note the deals whose deliveries' shares of their TIV change: those given a year of
        delivery, and those whose delivered TIV changed. finish() works them out again."""
        if spec.model is Delivery:
            self.shares_changed.update(row["deal_id"] for row in created)
        elif spec.model is Deal:
            self.shares_changed.update(
                row["id"] for _, row, changed in updated if "tiv_delivered" in changed
            )

    def counts_in_order(self) -> dict[str, ModelCounts]:
        return {spec.label: self.counts[spec] for spec in self.specs if spec in self.counts}

    def _flush(self, *, final: bool) -> None:
        for spec in self.specs:
            records, self.buffers[spec] = self.buffers[spec], []
            if records:
                self._records_write(spec, records, final=final)
        self.buffered = 0

    # --- one batch of one model ---

    def _records_write(self, spec: ModelSpec, records: list[Record], *, final: bool) -> None:
        for ids in self.ids.values():
            if len(ids) > ID_CACHE_LIMIT:
                # Between batches only: a batch relies on the ids it looked up. The older half
                # goes; the newer, those of rows just written, are the likelier to be sought.
                for key in list(islice(ids, len(ids) // 2)):
                    del ids[key]
        if not self.dry_run:
            records = self._ready(spec, records, final=final)
        if not records:
            return
        existing = self._existing(spec, [record.key for record in records])
        current_links = self._current_links(spec, records, existing)
        created: list[Record] = []
        updated: list[tuple[Record, dict[str, Any], list[str]]] = []
        link_changes: list[tuple[Record, str, set[Key], set[Key]]] = []
        changed_ids: list[tuple[Record, int]] = []  # field or link changes: for the history
        counts = self.counts[spec]
        for record in records:
            row = existing.get(record.key)
            if row is None:
                created.append(record)
                counts.created += 1
                if self.changes is not None:
                    self.changes.append(Change(label=record.label, action="created"))
                continue
            differences = _differences(spec, record, row)
            links = []
            for name, wanted in record.links.items():
                have = set(current_links[name].get(row["id"], {}))
                if have != set(wanted):
                    links.append((name, have, set(wanted)))
                    differences.append((name, sorted(have), sorted(wanted)))
            if not differences:
                counts.unchanged += 1
                continue
            counts.updated += 1
            changed_ids.append((record, row["id"]))
            if self.changes is not None:
                self.changes.append(Change(record.label, "updated", tuple(differences)))
            changed = [name for name, _, _ in differences if name not in spec.many_to_many]
            if changed:
                updated.append((record, row, changed))
            link_changes += [(record, name, have, wanted) for name, have, wanted in links]
        if not self.dry_run:
            created_rows = self._create(spec, created)
            self._update(spec, updated)
            self._shares_note(spec, created_rows, updated)
            self._links_write(spec, created, link_changes, existing, current_links)
            if self.history:
                self._history_write(spec, [row["id"] for row in created_rows], changed_ids)

    def _ready(self, spec: ModelSpec, records: list[Record], *, final: bool) -> list[Record]:
        """The records whose references all have ids now; the others wait."""
        wanted: dict[ModelSpec, set[Key]] = defaultdict(set)
        for record in records:
            for target, key in _references(spec, record):
                if key not in self.ids[target]:
                    wanted[target].add(key)
        if not wanted:
            return records  # as most are: their references were written or looked up before
        for target, keys in wanted.items():
            for chunk in chunks(keys, KEYS_PER_QUERY):
                for key, row in rows_by_key(target, chunk, ["id"]).items():
                    self._id_note(target, key, row["id"])
        ready = []
        for record in records:
            if all(key in self.ids[target] for target, key in _references(spec, record)):
                ready.append(record)
            elif final:
                raise LoadInterrupted(f"{record.label} refers to a record that was not written.")
            else:
                self.waiting[spec].append(record)
        return ready

    def _id_note(self, spec: ModelSpec, key: Key, pk: int) -> None:
        self.ids[spec][key] = pk

    def _existing(self, spec: ModelSpec, keys: list[Key]) -> dict[Key, dict[str, Any]]:
        if spec in self.empty:
            return {}
        fields = list(dict.fromkeys(["id", *spec.fields, *_reference_lookups(spec)]))
        rows = {}
        for chunk in chunks(keys, KEYS_PER_QUERY):
            rows |= rows_by_key(spec, chunk, fields)
        for key, row in rows.items():
            self._id_note(spec, key, row["id"])
        return rows

    def _current_links(
        self, spec: ModelSpec, records: list[Record], existing: dict[Key, dict[str, Any]]
    ) -> dict[str, dict[int, dict[Key, int]]]:
        """For each many-to-many field the records set: owner id -> {target key: through id}."""
        current: dict[str, dict[int, dict[Key, int]]] = {}
        for name, relation in spec.many_to_many.items():
            owners = [
                existing[r.key]["id"] for r in records if name in r.links and r.key in existing
            ]
            current[name] = defaultdict(dict)
            if not owners:
                continue
            through = relation.remote_field.through
            owner, target_name = relation.m2m_field_name(), relation.m2m_reverse_field_name()
            target = spec.targets[name]
            lookups = [f"{target_name}__{lookup}" for lookup in target.key_lookups]
            for chunk in chunks(owners, KEYS_PER_QUERY):
                rows = through._default_manager.filter(**{f"{owner}_id__in": chunk})
                for pk, owner_id, *parts in rows.values_list("id", f"{owner}_id", *lookups):
                    current[name][owner_id][tuple(str(part) for part in parts)] = pk
        return current

    # --- writing ---

    def _row(self, spec: ModelSpec, record: Record) -> dict[str, Any]:
        """The record's values by attribute name (a field's is its name), its references as
        the ids they refer to (`deal_id`)."""
        references = {
            spec.foreign_keys[name].attname: self.ids[spec.targets[name]][key] if key else None
            for name, key in record.references.items()
        }
        return record.values | references

    def _create(self, spec: ModelSpec, records: list[Record]) -> list[dict[str, Any]]:
        """Insert the records' rows; the rows, each with its new "id", for history."""
        if not records:
            return []
        rows = [self._row(spec, record) for record in records]
        ids = rows_insert(spec.model, rows)
        if None in ids:
            # A database that returns no ids from a bulk insert: look them up by natural key.
            keys = [record.key for record in records]
            for chunk in chunks(keys, KEYS_PER_QUERY):
                for key, row in rows_by_key(spec, chunk, ["id"]).items():
                    self._id_note(spec, key, row["id"])
            ids = [self.ids[spec][key] for key in keys]
        for record, row, pk in zip(records, rows, ids, strict=True):
            self._id_note(spec, record.key, pk)
            row["id"] = pk
        return rows

    def _update(self, spec: ModelSpec, updated: list[tuple[Record, dict, list[str]]]) -> None:
        by_fields: dict[tuple[str, ...], list] = defaultdict(list)
        for record, row, changed in updated:
            by_fields[tuple(changed)].append(spec.model(**self._row(spec, record), pk=row["id"]))
        for fields, instances in by_fields.items():
            spec.model._default_manager.bulk_update(
                instances, list(fields), batch_size=KEYS_PER_QUERY
            )

    def _history_write(
        self, spec: ModelSpec, created: list[int], changed: list[tuple[Record, int]]
    ) -> None:
        """One history row per record created or changed, as save() would have written, with
        the load's reason and the request's user (the upload page), if any: copied in the
        database from the row just written (one INSERT ... SELECT a batch), so it holds exactly
        what the row holds. simple-history's bulk_history_create() builds an instance per row
        in Python first, and took a third of a load's time."""
        if spec not in self.histories:
            self.histories[spec] = _HistoryCopy(spec.model, reason=self.reason)
        copy = self.histories[spec]
        copy.run(created, history_type="+")
        copy.run([pk for _, pk in changed], history_type="~")

    def _links_write(self, spec, created, link_changes, existing, current_links) -> None:
        additions: dict[str, list] = defaultdict(list)
        removals: dict[str, list[int]] = defaultdict(list)
        for record in created:
            for name, wanted in record.links.items():
                owner_id = self.ids[spec][record.key]
                additions[name] += [(owner_id, key) for key in wanted]
        for record, name, have, wanted in link_changes:
            owner_id = existing[record.key]["id"]
            additions[name] += [(owner_id, key) for key in wanted - have]
            through_ids = current_links[name][owner_id]
            removals[name] += [through_ids[key] for key in have - wanted]
        for name, relation in spec.many_to_many.items():
            through = relation.remote_field.through
            owner, target_name = relation.m2m_field_name(), relation.m2m_reverse_field_name()
            target = spec.targets[name]
            if removals[name]:
                for chunk in chunks(removals[name], KEYS_PER_QUERY):
                    through._default_manager.filter(id__in=chunk).delete()
            if additions[name]:
                owner_id, target_id = (
                    through._meta.get_field(owner).attname,
                    through._meta.get_field(target_name).attname,
                )
                rows_insert(
                    through,
                    [
                        {owner_id: owner_pk, target_id: self.ids[target][key]}
                        for owner_pk, key in additions[name]
                    ],
                )


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int | None]:
    """Insert new rows, each a dict of values by field attribute name (`deal_id`); their ids,
    in order. On PostgreSQL with COPY, the ids drawn from the table's sequence first; elsewhere
    with bulk_create. Each value is prepared as Django's INSERT prepares it, by its field's
    get_db_prep_save().

    At 100,000 records, in batches of 10,000, the write pass took 18 s with bulk_create and 10 s
    with COPY (the same machine, the same hour): bulk_create builds a model instance per row,
    then a statement of one array per column, in Python, and the server unpacks them."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        instances = [model(**row) for row in rows]
        model._default_manager.bulk_create(instances, batch_size=KEYS_PER_QUERY)
        return [instance.pk for instance in instances]
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in rows[0]]  # every row has the same names
    columns = ", ".join(quote(field.column) for field in (meta.pk, *fields))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        # The sequence named by a constant: with pg_get_serial_sequence() in the same query,
        # drawing 10,000 ids took 50 ms, against 10 to 20 ms.
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [cursor.fetchone()[0], len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *(_prepared(row[f.attname], f, connection) for f in fields)])
    return ids


# What psycopg writes as it is, as Django's fields on PostgreSQL prepare them (unchanged). Not
# datetimes: a naive one is made aware by its field.
PLAIN_TYPES = frozenset({str, int, bool, Decimal, datetime.date, type(None)})


def _prepared(value: Any, field: models.Field, connection) -> Any:
    """The value as the field's get_db_prep_save() prepares it for the database; a plain value
    (text, a number, a day, None) is written as it is. Skipping the call for those took the
    write pass's CPU from 5.7-6.0 s to 5.3 s at 100,000 records (a million calls fewer)."""
    return value if type(value) in PLAIN_TYPES else field.get_db_prep_save(value, connection)


class _HistoryCopy:
    """Writes a model's history rows from its rows: INSERT INTO its history table SELECT each
    column history keeps, and the history's own (when, why, who, what), FROM the model's table
    WHERE the id is one of those given (= ANY(an array) on PostgreSQL, IN a list elsewhere)."""

    def __init__(self, model: type[models.Model], *, reason: str):
        connection = connections[DEFAULT_DB_ALIAS]
        quote = connection.ops.quote_name
        historical = get_history_manager_for_model(model).model
        columns = {f.attname: f.column for f in model._meta.concrete_fields}
        # The same user for every row (the request's, on the upload page): asked once, as
        # simple-history's get_user reads only the request for an unsaved instance.
        user = historical.get_default_history_user(model())
        constants = {
            "history_change_reason": reason,
            "history_user_id": getattr(user, "pk", None),
        }
        names, selected, self.constants = [], [], []
        for field in historical._meta.concrete_fields:
            if field.primary_key:
                continue
            names.append(quote(field.column))
            if field.attname in columns:
                selected.append(quote(columns[field.attname]))
                continue
            selected.append("%s")
            if field.attname in ("history_date", "history_type"):
                self.constants.append((field.attname, None))  # set for each batch
            else:
                value = constants.get(field.attname, field.get_default())
                self.constants.append((None, field.get_db_prep_save(value, connection)))
        self.date_field = historical._meta.get_field("history_date")
        # On PostgreSQL the ids go as one array parameter. As IN lists of 2,000 placeholders,
        # psycopg's splitting of the query took 2.4 % of a load of 100,000 records.
        self.as_array = connection.vendor == "postgresql"
        self.statement = (
            f"INSERT INTO {quote(historical._meta.db_table)} ({', '.join(names)}) "
            f"SELECT {', '.join(selected)} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} "
        ) + ("= ANY(%s)" if self.as_array else "IN ")
        self.per_statement = max(1, (connection.features.max_query_params or 65535) // 2)

    def run(self, ids: list[int], *, history_type: str) -> None:
        if not ids:
            return
        connection = connections[DEFAULT_DB_ALIAS]
        now = self.date_field.get_db_prep_save(timezone.now(), connection)
        varying = {"history_date": now, "history_type": history_type}
        constants = [varying[name] if name else value for name, value in self.constants]
        with connection.cursor() as cursor:
            if self.as_array:
                cursor.execute(self.statement, [*constants, ids])
                return
            for chunk in chunks(ids, min(self.per_statement, KEYS_PER_QUERY)):
                placeholders = "(" + ", ".join(["%s"] * len(chunk)) + ")"
                cursor.execute(self.statement + placeholders, [*constants, *chunk])


def _references(spec: ModelSpec, record: Record):
    for name, key in record.references.items():
        if key:
            yield spec.targets[name], key
    for name, keys in record.links.items():
        target = spec.targets[name]
        for key in keys:
            yield target, key


def _reference_lookups(spec: ModelSpec) -> list[str]:
    return [
        f"{name}__{lookup}"
        for name in spec.foreign_keys
        for lookup in spec.targets[name].key_lookups
    ]


def _differences(spec: ModelSpec, record: Record, row: dict[str, Any]) -> list[tuple]:
    differences = [
        (name, row[name], value) for name, value in record.values.items() if value != row[name]
    ]
    for name, key in record.references.items():
        lookups = [f"{name}__{lookup}" for lookup in spec.targets[name].key_lookups]
        have = None if row[lookups[0]] is None else tuple(str(row[lookup]) for lookup in lookups)
        if have != key:
            differences.append((name, have, key))
    return differences
