"""What the loader knows about each dashboard model: its natural key, its fields, its write order.

A record is read into a `Record` here and checked by the model's own validation, as the admin
checks a form: each value converted by its field's to_python(), as loaddata converts it, then
the instance's clean_fields() and clean() (with a stand-in for a related record clean() reads:
checking.py supplies it). Its CheckConstraints are evaluated in Python on the values held,
where Model.validate_constraints() would ask the database once per record and constraint; a
test holds the two to the same answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import F, Q
from django.utils.text import Truncator

from dashboard.models import (
    AgreementCitation,
    DealCitation,
    Delivery,
    EngagementCitation,
    PlatformAlias,
    StandingBodyCitation,
    Statement,
)

Key = tuple[str, ...]


def _loadable_models() -> list[type[models.Model]]:
    """The dashboard's models that have natural keys (not their history), each after the
    models its natural key and its references depend on: the order dumpdata sorts them in,
    and the order records are written in."""
    app = apps.get_app_config("dashboard")
    keyed = [model for model in app.get_models() if hasattr(model, "natural_key")]
    return serializers.sort_dependencies([(app, keyed)], allow_cycles=False)


WRITE_ORDER: list[type[models.Model]] = _loadable_models()
# Fields worked out from other records after the write (services.py): never read from a file
# nor compared, and ignored where a file gives one (dumpdata writes them).
DERIVED_FIELDS = {Delivery: {"tiv"}}


def _key_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The fields whose values make up the model's natural_key(), read from natural_key()
    itself: called on an unsaved instance holding a marker in each field (and, in each foreign
    key, such an instance of its target), it gives back the markers of the key's fields. A
    foreign key contributes its target's natural key."""
    probe, markers = _probe(model, chain=())
    key = probe.natural_key()
    found: list[str] = []
    index = 0
    while index < len(key):
        for name, marker in markers.items():
            if tuple(key[index : index + len(marker)]) == marker:
                found.append(name)
                index += len(marker)
                break
        else:
            raise ImproperlyConfigured(f"{model._meta.label}.natural_key() is not made of fields")
    return tuple(found)


def _probe(model: type[models.Model], *, chain: tuple) -> tuple[models.Model, dict[str, tuple]]:
    chain = (*chain, model)
    probe = model()
    markers: dict[str, tuple] = {}
    for model_field in model._meta.concrete_fields:
        name = model_field.name
        if model_field.primary_key:
            continue
        if model_field.many_to_one:
            target = model_field.related_model
            if not hasattr(target, "natural_key") or target in chain:
                # Not part of the key: a key made of natural keys cannot go round in a circle
                # (a party's successor is a party).
                continue
            target, _ = _probe(target, chain=chain)
            setattr(probe, name, target)
            markers[name] = tuple(target.natural_key())
        else:
            marker = f"\x1f{model._meta.label}.{name}.{len(chain)}"
            setattr(probe, model_field.attname, marker)
            markers[name] = (marker,)
    return probe, markers


# Models whose clean() reads a related record, and what it reads: it runs once that record's
# values are known (from the batch or the database), with an unsaved stand-in holding them.
CLEAN_NEEDS: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    PlatformAlias: ("platform", ("name",)),
    DealCitation: ("source", ("title", "text")),
    Statement: ("source", ("title", "text")),
    StandingBodyCitation: ("source", ("title", "text")),
    EngagementCitation: ("source", ("title", "text")),
    AgreementCitation: ("source", ("title", "text")),
}

_MISSING = object()


@dataclass(frozen=True, eq=False)
class ModelSpec:
    model: type[models.Model]
    label: str
    rank: int
    key_fields: tuple[str, ...]
    fields: dict[str, models.Field]
    foreign_keys: dict[str, models.ForeignKey]
    many_to_many: dict[str, models.ManyToManyField]
    unique_fields: tuple[str, ...]
    # UniqueConstraints over several fields other than the natural key (one session of each
    # number per standing body): checked across the batch and the database, as unique fields.
    unique_sets: tuple[models.UniqueConstraint, ...] = ()

    @cached_property
    def key_lookups(self) -> tuple[str, ...]:
        """ORM paths to the natural key's parts, e.g. ("deal__slug", "source__slug")."""
        lookups: list[str] = []
        for name in self.key_fields:
            if name in self.foreign_keys:
                target = spec_for(self.foreign_keys[name].related_model)
                lookups += [f"{name}__{part}" for part in target.key_lookups]
            else:
                lookups.append(name)
        return tuple(lookups)

    @cached_property
    def targets(self) -> dict[str, ModelSpec]:
        """The model each foreign key and many-to-many field refers to, by field name."""
        relations = {**self.foreign_keys, **self.many_to_many}
        return {name: spec_for(relation.related_model) for name, relation in relations.items()}

    @cached_property
    def checks(self) -> list[tuple[models.CheckConstraint, set[str]]]:
        """The model's CheckConstraints, each with the fields its condition reads."""
        return [
            (constraint, condition_fields(constraint.condition))
            for constraint in self.model._meta.constraints
            if isinstance(constraint, models.CheckConstraint)
        ]

    def __repr__(self) -> str:
        return f"<ModelSpec {self.label}>"


def _spec_build(model: type[models.Model], rank: int) -> ModelSpec:
    fields, foreign_keys, many_to_many = {}, {}, {}
    for model_field in model._meta.get_fields():
        if model_field.auto_created and not model_field.concrete:
            continue  # reverse relations are loaded from the other side
        if model_field.many_to_many:
            many_to_many[model_field.name] = model_field
        elif model_field.many_to_one:
            foreign_keys[model_field.name] = model_field
        elif model_field.name in DERIVED_FIELDS.get(model, ()):
            continue
        elif model_field.concrete and not model_field.primary_key:
            fields[model_field.name] = model_field
    key_fields = _key_fields(model)
    unique = tuple(name for name, f in fields.items() if f.unique and name not in key_fields)
    unique_sets = tuple(
        constraint
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
        and set(constraint.fields) != set(key_fields)
    )
    return ModelSpec(
        model=model,
        label=model._meta.label_lower,
        rank=rank,
        key_fields=key_fields,
        fields=fields,
        foreign_keys=foreign_keys,
        many_to_many=many_to_many,
        unique_fields=unique,
        unique_sets=unique_sets,
    )


@cache
def model_specs() -> dict[str, ModelSpec]:
    """Every loadable model's spec, by label, in write order."""
    specs = [_spec_build(model, rank) for rank, model in enumerate(WRITE_ORDER)]
    return {spec.label: spec for spec in specs}


@cache
def spec_for(model: type[models.Model]) -> ModelSpec:
    return model_specs()[model._meta.label_lower]


def key_text(key: Key | None) -> str:
    return " ".join(key) if key else "?"


@dataclass(slots=True)
class Record:
    """One record as read from a file: values converted, its own problems listed."""

    spec: ModelSpec
    key: Key | None = None
    values: dict[str, Any] = field(default_factory=dict)
    references: dict[str, Key | None] = field(default_factory=dict)
    links: dict[str, list[Key]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # The instance its values were checked on, kept for a clean() that runs soon after.
    instance: models.Model | None = None

    @property
    def label(self) -> str:
        return f"{self.spec.label} {key_text(self.key)}"

    def error(self, name: str, message: str) -> None:
        self.errors.append((name, message))

    def failed(self, name: str) -> bool:
        return any(failed == name for failed, _ in self.errors)


class RecordRejected(Exception):
    """A record that is not a dashboard record at all: no model, an unknown model, no fields."""

    def __init__(self, message: str, *, label: str = "?"):
        super().__init__(message)
        self.message = message
        self.label = label


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def _reference_read(raw: Any, *, target: ModelSpec) -> Key:
    """A natural key as fixtures write it: ["IN"], or ["s-400-2018", "ians-..."]."""
    arity = len(target.key_lookups)
    if type(raw) is list and len(raw) == arity and all(type(part) is str for part in raw):
        for part in raw:
            if not part.isascii():
                try:
                    text_check(part)
                except ValidationError as error:
                    raise ValueError(_messages(error)) from None
        return tuple(raw)  # the usual case, first
    if (
        isinstance(raw, list | tuple)
        and len(raw) == arity
        and all(isinstance(part, str | int) and not isinstance(part, bool) for part in raw)
    ):
        return tuple(str(part) for part in raw)
    example = "[" + ", ".join(['"…"'] * arity) + "]"
    raise ValueError(
        f"Expected the natural key of a {target.label} such as {example}, got {_shown(raw)}."
    )


def text_check(value: str) -> None:
    """Refuse a lone surrogate (JSON's "\\ud800" with no pair): no character, no database can
    store it (SQLite kept a "?", PostgreSQL fails the load)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(value[error.start])
        raise ValidationError(
            f"Holds a lone surrogate (\\u{code:04x}), which is not a character: write the "
            "character itself, or both halves of its pair."
        ) from None


def _shown(raw: Any) -> str:
    try:
        text = json.dumps(raw, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(raw)
    return Truncator(text).chars(60)


def record_read(raw: Any) -> Record:
    """Convert and check one raw fixture object; problems go into `Record.errors`."""
    if not isinstance(raw, dict):
        raise RecordRejected("A record is an object with a “model” and its “fields”.")
    label = raw.get("model")
    if not isinstance(label, str) or not label:
        raise RecordRejected("The record has no “model”.")
    spec = _spec_lookup(label)
    fields_raw = raw.get("fields", _MISSING)
    if not isinstance(fields_raw, dict):
        raise RecordRejected("The record has no “fields” object.", label=f"{spec.label} ?")
    record = Record(spec=spec)
    for extra in sorted(set(raw) - {"model", "fields"}):
        if extra == "pk":
            record.error(
                "pk",
                "Records are matched on their natural keys; leave out “pk” "
                "(dumpdata --natural-primary --natural-foreign writes them so).",
            )
        else:
            record.error(extra, f"Unknown key “{extra}”; a record has only “model” and “fields”.")
    derived = DERIVED_FIELDS.get(spec.model, set())
    for name in fields_raw:
        if name in derived:
            continue
        if not (name in spec.fields or name in spec.foreign_keys or name in spec.many_to_many):
            record.error(name, f"{spec.label} has no field “{name}”.")
    instance = _values_read(record, fields_raw)
    _references_read(record, fields_raw)
    _links_read(record, fields_raw)
    record.key = _key_of(record)
    if spec.model in CLEAN_NEEDS:
        record.instance = instance
    else:
        _clean(record, instance)
    _constraints_check(record)
    return record


def _spec_lookup(label: str) -> ModelSpec:
    spec = _SPECS_BY_LABEL.get(label)
    if spec is None:
        spec = _spec_find(label)
        if len(_SPECS_BY_LABEL) < 100:  # a label as a file spells it: a few at most
            _SPECS_BY_LABEL[label] = spec
    return spec


_SPECS_BY_LABEL: dict[str, ModelSpec] = {}


def _spec_find(label: str) -> ModelSpec:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise RecordRejected(f"Unknown model “{label}”.") from None
    spec = model_specs().get(model._meta.label_lower)
    if spec is None:
        raise RecordRejected(
            f"“{model._meta.label_lower}” is not a dashboard model; "
            "this loader loads only the dashboard's records."
        )
    return spec


def _values_read(record: Record, fields_raw: dict) -> models.Model:
    """Each field's value read and checked as full_clean() reads and checks it (clean_fields():
    the field's to_python(), its own validation and its validators); a field left out keeps
    the default a new instance has. The instance holding the values, for clean()."""
    spec = record.spec
    instance = spec.model()
    for name, model_field in spec.fields.items():
        raw = fields_raw.get(name, _MISSING)
        if raw is _MISSING:
            continue
        if type(raw) in (list, dict):
            # str() of a list or an object is no value for a field (and of a YAML structure
            # that repeats itself, could be gigabytes).
            kind = "a list" if type(raw) is list else "an object"
            record.error(name, f"Expected a single value, got {kind}.")
            continue
        if model_field.blank and raw in model_field.empty_values:
            # clean_fields() passes over a blank field's empty value: read it here. Every
            # other value clean_fields() reads itself, once (to_python() twice a value took a
            # second of 100,000 records' load).
            try:
                raw = model_field.to_python(raw)
            except ValidationError as error:
                record.error(name, _messages(error))
                continue
        setattr(instance, model_field.attname, raw)
    # References are checked against the batch and the database in bulk (checking.py).
    exclude = {name for name, _ in record.errors} | set(spec.foreign_keys)
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            record.error(name, " ".join(messages))
    failed = {name for name, _ in record.errors}
    record.values = {}
    for name, model_field in spec.fields.items():
        if name in failed:
            continue
        value = getattr(instance, model_field.attname)
        if type(value) is str and not _text_read(record, name, value):
            continue
        record.values[name] = value
    return instance


def _text_read(record: Record, name: str, value: str) -> bool:
    """Whether the text can be stored; if not, the record says why."""
    try:
        if "\x00" in value:
            # PostgreSQL refuses them in text, and would refuse the whole load at its end.
            ProhibitNullCharactersValidator()(value)
        if not value.isascii():
            text_check(value)
    except ValidationError as error:
        record.error(name, _messages(error))
        return False
    return True


def _references_read(record: Record, fields_raw: dict) -> None:
    for name, foreign_key in record.spec.foreign_keys.items():
        raw = fields_raw.get(name)
        if raw is None:
            if not foreign_key.null:
                record.error(name, str(foreign_key.error_messages["null"]))
            record.references[name] = None
            continue
        try:
            record.references[name] = _reference_read(raw, target=record.spec.targets[name])
        except ValueError as error:
            record.error(name, str(error))


def _links_read(record: Record, fields_raw: dict) -> None:
    for name, relation in record.spec.many_to_many.items():
        if name not in fields_raw:
            continue  # like loaddata: a relation left out is left as it is
        if not relation.remote_field.through._meta.auto_created:
            through = relation.remote_field.through._meta.label_lower
            record.error(name, f"Load these as {through} records, each with its own fields.")
            continue
        raw = fields_raw[name]
        if not isinstance(raw, list):
            record.error(name, f"Expected a list of natural keys, got {_shown(raw)}.")
            continue
        target = record.spec.targets[name]
        keys: dict[Key, None] = {}
        for item in raw:
            try:
                keys[_reference_read(item, target=target)] = None
            except ValueError as error:
                record.error(name, str(error))
                break
        else:
            record.links[name] = list(keys)


def _key_of(record: Record) -> Key | None:
    parts = flat_values(record, record.spec.key_fields)
    return None if parts is None else tuple(map(str, parts))


def flat_values(record: Record, names: tuple[str, ...]) -> tuple | None:
    """The values of `names`, flat (a reference as its natural key's parts), or None when one
    is empty: a natural key, or a unique set's values (NULLs never clash, in the database as
    in validate_constraints())."""
    parts: list[Any] = []
    for name in names:
        if name in record.spec.foreign_keys:
            reference = record.references.get(name)
            if not reference:
                return None
            parts += reference
        else:
            value = record.values.get(name)
            if value in (None, ""):
                return None
            parts.append(value)
    return tuple(parts)


def stand_in(model: type[models.Model], values: dict[str, Any]) -> models.Model:
    """An unsaved `model` holding `values`, with a dummy primary key, for a clean() to read:
    having a primary key, it passes clean()'s "is there a related record" tests, and clean()
    reads the values it holds without querying the database."""
    return model(pk=-1, **values)


def record_clean(record: Record, *, related: models.Model | None = None) -> None:
    """Run the model's own clean(); `related` is a stand-in for the related record it reads."""
    instance, record.instance = record.instance, None
    if instance is None:
        instance = record.spec.model(**record.values)
    if related is not None:
        setattr(instance, CLEAN_NEEDS[record.spec.model][0], related)
    _clean(record, instance)


def _clean(record: Record, instance: models.Model) -> None:
    try:
        instance.clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            # A field that failed on its own was left at its default here: say it once.
            if not record.failed(name):
                record.error("-" if name == NON_FIELD_ERRORS else name, " ".join(messages))
        return
    # clean() may normalise values (currency codes to capitals): keep what it settled on.
    for name in record.values:
        record.values[name] = getattr(instance, record.spec.fields[name].attname)


# --- CheckConstraints, evaluated in Python -------------------------------------------------------


def _constraints_check(record: Record) -> None:
    # Unique constraints are natural keys, unique fields or unique sets, checked across the
    # batch instead (checking.py).
    for constraint, fields in record.spec.checks:
        if any(record.failed(name) for name in fields):
            continue  # as full_clean() does: no constraint over a field that is already wrong
        if (
            condition_holds(constraint.condition, lambda name: _record_value(record, name))
            is False
        ):
            record.error("-", str(constraint.get_violation_error_message()))


def _record_value(record: Record, name: str) -> Any:
    if name in record.spec.foreign_keys:
        return record.references.get(name)
    return record.values.get(name)


def condition_fields(condition: Q) -> set[str]:
    names: set[str] = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= condition_fields(child)
        else:
            lookup, expected = child
            names.add(lookup.split("__")[0])
            if isinstance(expected, F):
                names.add(expected.name)
    return names


def condition_holds(condition: Q, value_of) -> bool | None:
    """Evaluate a CheckConstraint's Q in SQL's three-valued logic: None is "unknown".

    A database accepts a row unless its condition is false, so only False is a violation.
    Only the lookups the models use are known; any other raises, and a test runs them all.
    """
    results = [
        condition_holds(child, value_of)
        if isinstance(child, Q)
        else _lookup_holds(child, value_of)
        for child in condition.children
    ]
    if condition.connector == Q.AND:
        outcome = False if False in results else (None if None in results else True)
    elif condition.connector == Q.OR:
        outcome = True if True in results else (None if None in results else False)
    else:
        raise NotImplementedError(f"{condition.connector} conditions are not evaluated")
    if condition.negated and outcome is not None:
        return not outcome
    return outcome


def _lookup_holds(child: tuple[str, Any], value_of) -> bool | None:
    lookup, expected = child
    name, _, operator = lookup.partition("__")
    value = value_of(name)
    if isinstance(expected, F):
        expected = value_of(expected.name)
    if operator == "isnull":
        return (value is None) == expected
    if value is None or expected is None:
        return None
    comparisons = {
        "": lambda: value == expected,
        "exact": lambda: value == expected,
        "lt": lambda: value < expected,
        "lte": lambda: value <= expected,
        "gt": lambda: value > expected,
        "gte": lambda: value >= expected,
        "in": lambda: value in expected,
    }
    if operator not in comparisons:
        raise NotImplementedError(f"the lookup “{lookup}” is not evaluated in Python")
    return comparisons[operator]()
