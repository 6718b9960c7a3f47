"""Pass 2: write what differs from the records pass 1 checked, in batches.

Records are buffered per model and flushed in write order (a model after those it refers to)
every BATCH records. Each flush fetches the existing rows of its records by natural key in one
query, compares field by field, and writes only the differences: new rows with multi-row
INSERTs, changed rows with bulk_update of just the changed fields, many-to-many rows added and
removed in bulk. Comparison is by natural key, so a dry run needs no ids and writes nothing. A
record whose references are not written yet (a file out of dependency order) waits until the end.
Each record created or changed gets one history row (django-simple-history), in bulk too, with
the reason "load_fixtures FILES" and the user of the request, if any (the admin's upload page).

On PostgreSQL new rows, their history rows and their links go in with COPY, sent by a thread of
their own while the next batch is prepared, their ids taken from the table's sequence first
(copying.py); elsewhere with multi-row INSERTs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from operator import itemgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Field
from django.utils import timezone

from dashboard.loading.copying import CopySender, IdPool
from dashboard.loading.lookups import KEYS_PER_QUERY, chunks, rows_by_key
from dashboard.loading.reading import FixtureFile
from dashboard.loading.result import Change, ModelCounts
from dashboard.loading.schema import Key, ModelSpec, Record, model_specs
from dashboard.loading.spill import RecordSpill

BATCH = 1000
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
    files: list[FixtureFile],
    spill: RecordSpill,
    file_ranks: dict[int, set[int]],
    dry_run: bool,
    with_changes: bool,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[dict[str, ModelCounts], list[Change] | None]:
    writer = _BatchWrite(
        dry_run=dry_run,
        with_changes=with_changes,
        progress=progress,
        reason=_reason(files),
        model_counts=spill.counts,
    )
    # Files holding the models others refer to go first, so fewer records wait.
    order = sorted(
        range(len(files)),
        key=lambda i: (min(file_ranks.get(i) or {99}), max(file_ranks.get(i) or {99}), i),
    )
    return writer.write_all(spill.records(index) for index in order)


class _BatchWrite:
    def __init__(
        self,
        *,
        dry_run: bool,
        with_changes: bool,
        progress,
        reason: str = "",
        model_counts: Mapping[ModelSpec, int] | None = None,
    ):
        self.dry_run = dry_run
        self.reason = reason
        self.progress = progress
        self.specs = list(model_specs().values())
        self.buffers: dict[ModelSpec, list[Record]] = {spec: [] for spec in self.specs}
        self.waiting: dict[ModelSpec, list[Record]] = {spec: [] for spec in self.specs}
        self.buffered = 0
        self.read = 0
        self.counts: dict[ModelSpec, ModelCounts] = {}
        self.changes: list[Change] | None = [] if with_changes else None
        self.ids: dict[ModelSpec, dict[Key, int]] = defaultdict(dict)
        self.layouts: dict[ModelSpec, _Layout] = {}
        self.history_layouts: dict[ModelSpec, _HistoryLayout] = {}
        # Models with no rows when the load began: none of their records can match a row (pass
        # 1 found no two with one key), so their batches need not look for them.
        self.empty = {spec for spec in self.specs if not spec.model._default_manager.exists()}
        self.id_pools = {
            spec: IdPool(
                spec.model,
                unwritten=(model_counts or {}).get(spec) if spec in self.empty else None,
            )
            for spec in self.specs
        }
        connection = connections[DEFAULT_DB_ALIAS]
        copying = connection.vendor == "postgresql" and not dry_run
        self.sender = CopySender(connection) if copying else None

    def write_all(
        self, batches: Iterable[Iterable[Record]]
    ) -> tuple[dict[str, ModelCounts], list[Change] | None]:
        """Write every batch of records, then those that waited; the counts and changes. On
        any error, stop sending and raise it: the caller rolls the transaction back."""
        try:
            for records in batches:
                self.records_write(records)
            self.finish()
        except BaseException:
            self.abandon()
            raise
        self.close()
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
        if self.changes is not None:
            ranks = {spec.label: spec.rank for spec in self.specs}
            self.changes.sort(key=lambda change: ranks[change.label.split(" ")[0]])

    def close(self) -> None:
        """Wait for the last rows to be written; raise the error of any that failed."""
        if self.sender is not None:
            self.sender.close()

    def abandon(self) -> None:
        """Stop writing, after an error; the caller rolls the transaction back."""
        if self.sender is not None:
            self.sender.abandon()

    def waiting_count(self) -> int:
        """Records waiting for the records they refer to."""
        return sum(len(records) for records in self.waiting.values())

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
            self._links_write(spec, created, link_changes, existing, current_links)
            self._history_write(spec, created_rows, changed_ids)

    def _ready(self, spec: ModelSpec, records: list[Record], *, final: bool) -> list[Record]:
        """The records whose references all have ids now; the others wait."""
        wanted: dict[ModelSpec, set[Key]] = defaultdict(set)
        for record in records:
            for target, key in _references(spec, record):
                if key not in self.ids[target]:
                    wanted[target].add(key)
        if not wanted:
            return records  # as most are: their references were written or looked up before
        if self.sender is not None:
            self.sender.drain()  # the rows sought may be among those sent
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
        fields = ["id", *spec.fields, *_reference_lookups(spec)]
        rows = rows_by_key(spec, keys, list(dict.fromkeys(fields)))
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
            rows = through._default_manager.filter(**{f"{owner}_id__in": owners})
            for pk, owner_id, *parts in rows.values_list("id", f"{owner}_id", *lookups):
                current[name][owner_id][tuple(str(part) for part in parts)] = pk
        return current

    # --- writing ---

    def _instance(self, spec: ModelSpec, record: Record, **extra: Any):
        references = {
            spec.foreign_keys[name].attname: self.ids[spec.targets[name]][key] if key else None
            for name, key in record.references.items()
        }
        return spec.model(**record.values, **references, **extra)

    def _layout(self, spec: ModelSpec) -> _Layout:
        if spec not in self.layouts:
            self.layouts[spec] = _Layout.of(spec)
        return self.layouts[spec]

    def _rows(self, spec: ModelSpec, records: list[Record]) -> list[list]:
        """Each record's column values as the database stores them, in the layout's order."""
        layout = self._layout(spec)
        rows = []
        for record in records:
            row = list(layout.values(record.values))
            for index, prepare in layout.prepared:
                row[index] = prepare(row[index])
            for name, target in layout.references:
                key = record.references[name]
                row.append(self.ids[target][key] if key else None)  # ids need no preparing
            rows.append(row)
        return rows

    def _create(self, spec: ModelSpec, records: list[Record]) -> list[tuple[int, list]]:
        """Insert the records' rows; each new row's (id, values), for its history row."""
        if not records:
            return []
        rows = self._rows(spec, records)
        if self.sender is not None:
            self._rows_copied(spec, records, rows)
        else:
            self._rows_inserted(spec, records, rows)
        return [(self.ids[spec][r.key], row) for r, row in zip(records, rows, strict=True)]

    def _rows_copied(self, spec: ModelSpec, records: list[Record], rows: list[list]) -> None:
        ids = self.id_pools[spec].take(connections[DEFAULT_DB_ALIAS], len(rows))
        self.sender.send(
            spec.model._meta.db_table,
            [spec.model._meta.pk.column, *self._layout(spec).columns],
            [[pk, *row] for pk, row in zip(ids, rows, strict=True)],
        )
        for record, pk in zip(records, ids, strict=True):
            self._id_note(spec, record.key, pk)

    def _rows_inserted(self, spec: ModelSpec, records: list[Record], rows: list[list]) -> None:
        layout, table = self._layout(spec), spec.model._meta.db_table
        typed = list(zip(layout.columns, layout.types, strict=True))
        local_key = all(name in spec.fields for name in spec.key_fields)
        if local_key and connections[DEFAULT_DB_ALIAS].features.can_return_rows_from_bulk_insert:
            # Ask for each new row's id with its natural key: no query after, and no reliance
            # on the order rows come back in.
            key_columns = [spec.fields[name].column for name in spec.key_fields]
            for pk, *key in _rows_insert(table, typed, rows, returning=["id", *key_columns]):
                self._id_note(spec, tuple(str(part) for part in key), pk)
            return
        _rows_insert(table, typed, rows)
        for chunk in chunks([record.key for record in records], KEYS_PER_QUERY):
            for key, row in rows_by_key(spec, chunk, ["id"]).items():
                self._id_note(spec, key, row["id"])

    def _update(self, spec: ModelSpec, updated: list[tuple[Record, dict, list[str]]]) -> None:
        by_fields: dict[tuple[str, ...], list] = defaultdict(list)
        for record, row, changed in updated:
            by_fields[tuple(changed)].append(self._instance(spec, record, pk=row["id"]))
        if updated and self.sender is not None:
            # A changed row may now refer to a row still waiting to be sent, and foreign keys
            # are checked at once (copying.py).
            self.sender.drain()
        for fields, instances in by_fields.items():
            spec.model._default_manager.bulk_update(instances, list(fields))

    def _history_write(
        self, spec: ModelSpec, created: list[tuple[int, list]], changed: list[tuple[Record, int]]
    ) -> None:
        """One history row per record created or changed, as save() would have written: the
        row simple-history's bulk_history_create() builds, made from the values the record's
        own row got, and written with the other rows (its bulk_create made history most of a
        load's writing time)."""
        if not created and not changed:
            return
        layout = self._history_layout(spec)
        now = layout.date_field.get_db_prep_save(timezone.now(), connections[DEFAULT_DB_ALIAS])
        changed_rows = zip(
            [pk for _, pk in changed],
            self._rows(spec, [record for record, _ in changed]),
            strict=True,
        )
        rows = []
        kept = layout.kept
        for history_type, pairs in (("+", created), ("~", changed_rows)):
            constants = {**layout.constants, "history_date": now, "history_type": history_type}
            tail = [constants[name] for name in layout.tail]
            for pk, row in pairs:
                rows.append([pk, *(row if kept is None else kept(row)), *tail])
        self._rows_write(layout.table, layout.typed, rows)

    def _rows_write(self, table: str, columns: list[tuple[str, str]], rows: list) -> None:
        """Write rows whose values are prepared already: COPY on PostgreSQL, else INSERTs."""
        if self.sender is not None:
            self.sender.send(table, [name for name, _ in columns], rows)
        else:
            _rows_insert(table, columns, rows)

    def _history_layout(self, spec: ModelSpec) -> _HistoryLayout:
        if spec not in self.history_layouts:
            self.history_layouts[spec] = _HistoryLayout.of(
                spec, self._layout(spec), reason=self.reason
            )
        return self.history_layouts[spec]

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
                connection = connections[DEFAULT_DB_ALIAS]
                columns = [
                    (field.column, field.rel_db_type(connection))
                    for field in (
                        through._meta.get_field(owner),
                        through._meta.get_field(target_name),
                    )
                ]
                self._rows_write(
                    through._meta.db_table,
                    columns,
                    [(owner_id, self.ids[target][key]) for owner_id, key in additions[name]],
                )


# Field classes whose values, once to_python() has made them, are what the database stores:
# their get_db_prep_save() would only check the type again (ints and text are the bulk of a load).
_PLAIN_PREPARING = {
    (models.CharField.get_prep_value, Field.get_db_prep_value),
    (models.TextField.get_prep_value, Field.get_db_prep_value),
    (models.IntegerField.get_prep_value, models.IntegerField.get_db_prep_value),
}


def _preparer(field: Field, connection) -> Callable[[Any], Any] | None:
    """What turns the field's value into its column's, or None where the value is that."""
    kind = type(field)
    plain = (kind.get_prep_value, kind.get_db_prep_value) in _PLAIN_PREPARING
    if plain and kind.get_db_prep_save is Field.get_db_prep_save:
        return None
    return partial(field.get_db_prep_save, connection=connection)


@dataclass(frozen=True)
class _Layout:
    """The columns of a model's new rows, but its id: its own fields, then its foreign keys."""

    values: Callable[[dict], tuple]  # a record's values → its own fields' values, in order
    prepared: list[tuple[int, Callable[[Any], Any]]]  # (index, preparer) where one is needed
    references: list[tuple[str, ModelSpec]]  # foreign key and target, for each foreign key
    columns: list[str]
    types: list[str]
    attnames: list[str]

    @classmethod
    def of(cls, spec: ModelSpec) -> _Layout:
        connection = connections[DEFAULT_DB_ALIAS]
        own = list(spec.fields.values())
        references = list(spec.foreign_keys.values())
        preparers = [_preparer(f, connection) for f in own]
        return cls(
            values=_picker([f.name for f in own]),
            prepared=[(i, prepare) for i, prepare in enumerate(preparers) if prepare],
            references=[(f.name, spec.targets[f.name]) for f in references],
            columns=[f.column for f in own + references],
            types=[f.db_type(connection) for f in own]
            + [f.rel_db_type(connection) for f in references],
            attnames=[f.attname for f in own + references],
        )


@dataclass(frozen=True)
class _HistoryLayout:
    """The columns of a model's history rows, in the order the loader writes them: the record's
    id, the values of its row that history keeps, then the history's own (when, why, who, what),
    the same for every row of a load but the kind of change."""

    table: str
    typed: list[tuple[str, str]]
    kept: Callable[[list], tuple] | None  # a record's row → the values kept; None: all of them
    tail: list[str]  # the names of the history's own columns, in order
    constants: dict[str, Any]  # their values, but history_date's and history_type's
    date_field: Field

    @classmethod
    def of(cls, spec: ModelSpec, layout: _Layout, *, reason: str) -> _HistoryLayout:
        connection = connections[DEFAULT_DB_ALIAS]
        historical = spec.model.history.model
        fields = [f for f in historical._meta.concrete_fields if not f.primary_key]
        by_attname = {f.attname: f for f in fields}
        pk = by_attname[spec.model._meta.pk.attname]
        kept = [i for i, attname in enumerate(layout.attnames) if attname in by_attname]
        row_fields = [by_attname[layout.attnames[i]] for i in kept]
        own = [f for f in fields if f is not pk and f not in row_fields]
        # The same user for every row (the request's, on the upload page): asked once, not per
        # row, as simple-history's get_user reads only the request for an unsaved instance.
        user = historical.get_default_history_user(spec.model())
        constants = {
            "history_change_reason": reason,
            "history_user": getattr(user, "pk", None),
        }
        for f in own:
            if f.name not in (*constants, "history_date", "history_type"):
                constants[f.name] = f.get_db_prep_save(f.get_default(), connection)
        return cls(
            table=historical._meta.db_table,
            typed=[(f.column, f.db_type(connection)) for f in [pk, *row_fields, *own]],
            kept=None if kept == list(range(len(layout.attnames))) else _picker(kept),
            tail=[f.name for f in own],
            constants=constants,
            date_field=historical._meta.get_field("history_date"),
        )


def _picker(keys: list) -> Callable[[Any], tuple]:
    """What picks these keys' items out of a row or a dict, as a tuple, in C."""
    if len(keys) == 1:
        key = keys[0]
        return lambda items: (items[key],)
    return itemgetter(*keys)


def _reason(files: list[FixtureFile]) -> str:
    reason = "load_fixtures " + " ".join(file.name for file in files)
    if len(reason) > REASON_MAX_LENGTH:
        reason = reason[: REASON_MAX_LENGTH - 1] + "…"
    return reason


def _rows_insert(
    table: str, columns: list[tuple[str, str]], rows: list, *, returning: Sequence[str] = ()
) -> list[tuple]:
    """INSERT the rows, many to a statement, and return the `returning` columns of each.

    `columns` are (name, database type). The values are already prepared by each field's own
    get_db_prep_save(), as bulk_create prepares them; bulk_create itself spends most of its
    time compiling SQL value by value, which made it several times slower here. PostgreSQL
    gets one array per column through UNNEST (as bulk_create does there): a short statement,
    where a thousand rows of placeholders would take the driver longer to parse than to send.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name, _ in columns)
    tail = f" RETURNING {', '.join(quote(column) for column in returning)}" if returning else ""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
        statement = f"INSERT INTO {quote(table)} ({names}) SELECT * FROM UNNEST({arrays}){tail}"
        per_statement = BATCH
    else:
        limit = connection.features.max_query_params or 65535
        per_statement = max(1, min(BATCH, limit // len(columns)))
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        for chunk in chunks(rows, per_statement):
            if connection.vendor == "postgresql":
                parameters = [list(column) for column in zip(*chunk, strict=True)]
            else:
                placeholders = [["%s"] * len(columns)] * len(chunk)
                values = connection.ops.bulk_insert_sql(columns, placeholders)
                statement = f"INSERT INTO {quote(table)} ({names}) {values}{tail}"
                parameters = [value for row in chunk for value in row]
            cursor.execute(statement, parameters)
            if returning:
                returned += cursor.fetchall()
    return returned


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
