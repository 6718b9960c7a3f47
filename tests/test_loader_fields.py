"""Every field of every loadable model, changed on its own through the loader, on a record
already in the database: the change is in the database afterwards, with one history row, or,
where the model's own validation refuses the new value, the loader refuses it too and writes
nothing.

The cases come from the models' _meta, so a field or a model added later is tested without
an edit here (a new model needs a record in test_loader.batch() to start from). New values are
made from the field's type and its current value; the model's full_clean() decides whether a
candidate is valid, and the first valid one is loaded.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import models

from dashboard.loading import fixture_load
from dashboard.loading.schema import condition_holds, model_specs
from dashboard.partial_dates import PartialDate, PartialDateField
from tests.test_loader import batch

PROJECT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "india_russia.json"


def changeable_fields(spec) -> list[models.Field]:
    """The fields a fixture sets: every concrete editable field and many-to-many field, but
    the natural key (a record with another key is another record) and many-to-many fields
    with a model of their own (loaded as records of that model)."""
    fields = []
    for field in spec.model._meta.get_fields():
        if field.auto_created or not (field.concrete or field.many_to_many):
            continue
        if field.primary_key or not field.editable or field.name in spec.key_fields:
            continue
        if field.many_to_many and not field.remote_field.through._meta.auto_created:
            continue
        fields.append(field)
    return fields


CASES = [
    pytest.param(spec.label, field.name, id=f"{spec.label}.{field.name}")
    for spec in model_specs().values()
    for field in changeable_fields(spec)
]


def base_record(label: str) -> dict:
    for record in batch():
        if record["model"] == label:
            return record
    pytest.fail(f"tests/test_loader.py batch() needs a {label} record for these tests")


def natural_key(spec, fields: dict) -> tuple:
    parts = []
    for name in spec.key_fields:
        value = fields[name]
        parts += value if isinstance(value, list) else [value]
    return tuple(parts)


def stored(spec, fields: dict) -> models.Model:
    return spec.model._default_manager.get_by_natural_key(*natural_key(spec, fields))


def fixture_values(label: str, name: str) -> list[Any]:
    """Values the project's data gives this field: real, so often valid."""
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    return [r["fields"][name] for r in records if r["model"] == label and name in r["fields"]]


def candidates(field: models.Field, current: Any, label: str) -> list[Any]:
    """New values for the field, as a fixture writes them, each different from `current`."""
    found: list[Any] = []
    if field.many_to_many or field.many_to_one:
        target = field.related_model
        keys = [list(row.natural_key()) for row in target._default_manager.all()]
        if field.many_to_many:
            current = current or []
            found += [[*current, key] for key in keys if key not in current]
            found += [current[:-1]] if current else []
        else:
            found += [key for key in keys if key != current]
            found += [None] if field.null else []
    elif field.choices:
        found += [value for value, _ in field.flatchoices]
    elif isinstance(field, PartialDateField):
        date = PartialDate.parse(current) if current else PartialDate(2019, 10)
        if date.day is not None:
            found.append(str(date.year - 1))
        elif date.month is not None:
            found.append(f"{date.isoformat()}-15")
        else:
            found.append(f"{date.isoformat()}-10")  # 2018 -> 2018-10
        found += [None] if field.null else []
    elif isinstance(field, models.BooleanField):
        found.append(not current)
    elif isinstance(field, models.IntegerField):
        found += [1 if current is None else current + 1, None if field.null else 0]
    elif isinstance(field, models.DecimalField):
        amount = Decimal(current) if current is not None else Decimal(0)
        found.append(str(amount + 1))
    elif isinstance(field, models.URLField):
        found.append("https://example.org/changed")
    elif isinstance(field, models.SlugField):
        found.append(f"{current or ''}-changed".strip("-"))
    elif isinstance(field, models.CharField | models.TextField):
        text = current or ""
        found += [f"{text} changed".strip(), text[:-1], text[1:]]
        if field.max_length:
            found = [value[: field.max_length] for value in found]
    else:
        pytest.fail(f"no way yet to make a new value for a {type(field).__name__}")
    found += fixture_values(label, field.name)
    return [value for value in found if value != current]


def with_value(instance: models.Model, field: models.Field, value: Any) -> models.Model:
    """`instance` with the field set from a fixture value, as the database would hold it."""
    if field.many_to_one:
        target = field.related_model._default_manager
        setattr(instance, field.name, None if value is None else target.get_by_natural_key(*value))
    else:
        setattr(instance, field.attname, value)
    return instance


def model_refusal(spec, fields: dict, field: models.Field, value: Any) -> list[str] | None:
    """The model's own messages for this change (full_clean(), as the admin runs it), or None
    when it accepts it."""
    if field.many_to_many:
        return None  # a many-to-many field has no validation of its own here
    instance = with_value(stored(spec, fields), field, value)
    try:
        instance.full_clean()
    except ValidationError as error:
        return error.messages
    return None


def as_fixture(instance: models.Model) -> dict[str, Any]:
    """The instance's fields as a fixture with natural keys writes them."""
    (record,) = serializers.serialize(
        "python", [instance], use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    return json.loads(json.dumps(record["fields"], default=str))  # keys as lists, as in files


def shown(instance: models.Model, field: models.Field) -> Any:
    if field.many_to_many:
        return sorted(list(row.natural_key()) for row in getattr(instance, field.name).all())
    return field.value_from_object(instance)


@pytest.mark.parametrize(("label", "name"), CASES)
def test_each_field_changed_alone_is_changed_in_the_database(india_russia, tmp_path, label, name):
    spec = model_specs()[label]
    field = spec.model._meta.get_field(name)
    record = base_record(label)
    first = fixture_load(paths=[write(tmp_path, batch(), "batch.json")])
    assert first.ok, first.errors
    before = stored(spec, record["fields"])
    current = as_fixture(before)[name]
    was = shown(before, field)
    history = spec.model.history.filter(id=before.pk).count()
    tried = candidates(field, current, label)
    assert tried, f"no new value to try for {label}.{name}"
    refusals = [model_refusal(spec, record["fields"], field, value) for value in tried]
    value, refusal = next(
        ((v, r) for v, r in zip(tried, refusals, strict=True) if r is None),
        (tried[0], refusals[0]),
    )
    changed = {**record, "fields": {**record["fields"], name: value}}
    result = fixture_load(paths=[write(tmp_path, [changed], "change.json")])
    after = stored(spec, record["fields"])
    if refusal is None:
        assert result.ok, [str(error) for error in result.errors]
        assert result.counts[label].updated == 1
        if field.many_to_many:
            assert shown(after, field) == sorted(value)
        else:
            expected = with_value(stored(spec, record["fields"]), field, value)
            expected.full_clean()  # normalises as the admin would (currency codes)
            assert shown(after, field) == field.value_from_object(expected)
        assert shown(after, field) != was
        assert spec.model.history.filter(id=before.pk).count() == history + 1
    else:
        # No valid new value: the loader refuses it as the model does, and writes nothing.
        assert not result.ok
        assert {error.message for error in result.errors} & set(refusal), (
            [str(error) for error in result.errors],
            refusal,
        )
        assert shown(after, field) == was
        assert spec.model.history.filter(id=before.pk).count() == history


def write(folder: Path, records: list[dict], name: str) -> Path:
    path = folder / name
    path.write_text(json.dumps(records, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def grid(field: models.Field) -> list[tuple[Any, Any]]:
    """Values to try for a field a constraint reads: (as the loader holds it, as the model
    holds it). A reference is held as a natural key by the loader, as an id by the model."""
    if field.many_to_one:
        found = [(("a",), 1), (("b",), 2)]
    elif isinstance(field, models.DecimalField):
        found = [(Decimal(n), Decimal(n)) for n in ("-1", "0", "2")]
    elif isinstance(field, models.IntegerField):
        found = [(n, n) for n in (0, 3, 5)]
    elif isinstance(field, models.CharField | models.TextField):
        found = [("", ""), ("USD", "USD")]
    else:
        pytest.fail(f"no values yet to try for a {type(field).__name__} in a constraint")
    return found + ([(None, None)] if field.null else [])


CONSTRAINTS = [
    pytest.param(spec.label, constraint, fields, id=f"{spec.label}.{constraint.name}")
    for spec in model_specs().values()
    for constraint, fields in spec.checks
]


@pytest.mark.parametrize(("label", "constraint", "names"), CONSTRAINTS)
def test_the_loader_judges_each_check_constraint_as_the_database_does(
    db, label, constraint, names
):
    """The loader evaluates CheckConstraints in Python (a query per record would be too slow):
    for every combination of values, it finds a violation exactly where the model's own
    validate_constraints() does, asking the database."""
    spec = model_specs()[label]
    fields = [spec.model._meta.get_field(name) for name in sorted(names)]
    for combination in itertools.product(*(grid(field) for field in fields)):
        held = {field.name: loader for field, (loader, _) in zip(fields, combination, strict=True)}
        model_values = {
            field.attname: value for field, (_, value) in zip(fields, combination, strict=True)
        }
        loader_says = condition_holds(constraint.condition, held.get) is not False
        try:
            constraint.validate(spec.model, spec.model(**model_values))
            database_says = True
        except ValidationError:
            database_says = False
        assert loader_says == database_says, (held, constraint.name)
