"""Dates that say how precise they are: a year, a month or a day, never padded into a false day.

A `PartialDate` is stored as its ISO 8601 prefix ("2025", "2025-05", "2025-05-07"), so values
sort and compare correctly as text in every database, and `field__year` works as a lookup.
"""

from __future__ import annotations

import calendar
import datetime
import re
from functools import total_ordering

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import IntegerField, Transform

YEAR = "year"
MONTH = "month"
DAY = "day"
PRECISION_CHOICES = [(YEAR, "Year"), (MONTH, "Month"), (DAY, "Day")]

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_WORDS = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]+)\.?\s+(\d{4})$")

FORMAT_HELP = "A year (2025), a month (2025-05) or a day (2025-05-07)."


@total_ordering
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    __slots__ = ("year", "month", "day")

    def __init__(self, year: int, month: int | None = None, day: int | None = None):
        if day is not None and month is None:
            raise ValueError("a day needs a month")
        datetime.date(year, month or 1, day or 1)  # raises ValueError when impossible
        self.year, self.month, self.day = year, month, day

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read "2025", "2025-05", "2025-05-07", "May 2025" or "7 May 2025"."""
        text = str(text).strip()
        try:
            if match := _ISO.match(text):
                year, month, day = (int(part) if part else None for part in match.groups())
                return cls(year, month, day)
            if (match := _WORDS.match(text)) and match[2].lower() in _MONTHS:
                day = int(match[1]) if match[1] else None
                return cls(int(match[3]), _MONTHS[match[2].lower()], day)
        except ValueError as error:
            raise ValueError(f"“{text}” is not a real date: {error}.") from None
        raise ValueError(f"“{text}” is not a date. {FORMAT_HELP}")

    @property
    def precision(self) -> str:
        if self.day is not None:
            return DAY
        return MONTH if self.month is not None else YEAR

    def isoformat(self) -> str:
        parts = [f"{self.year:04d}"]
        parts += [f"{part:02d}" for part in (self.month, self.day) if part is not None]
        return "-".join(parts)

    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> datetime.date:
        if self.day is not None:
            return self.first_day()
        month = self.month or 12
        return datetime.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        if self.month is None:
            return str(self.year)
        month = calendar.month_name[self.month]
        return f"{self.day} {month} {self.year}" if self.day else f"{month} {self.year}"

    def __repr__(self) -> str:
        return f"PartialDate({self.isoformat()!r})"

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            # `value in (None, "")`, as fields ask of every value, needs no isoformat().
            return bool(other) and self.isoformat() == other
        return isinstance(other, PartialDate) and self._key() == other._key()

    def __lt__(self, other: PartialDate) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def _is_expression(value) -> bool:
    """Whether the value is a query expression (F, Value, Case/When as bulk_update makes,
    a subquery...), which the database computes: never a date to read here."""
    return hasattr(value, "resolve_expression")


class PartialDateFormField(forms.CharField):
    """Accepts the ISO forms and "May 2025"; shows the stored value in ISO form for editing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", FORMAT_HELP)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.isoformat() if isinstance(value, PartialDate) else value


class PartialDateField(models.CharField):
    """A model field holding a `PartialDate`, stored as its ISO 8601 prefix."""

    description = "A date known to the year, month or day"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 10
        kwargs.setdefault("help_text", FORMAT_HELP)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value in (None, "") else PartialDate.parse(value)

    def to_python(self, value):
        if isinstance(value, PartialDate):
            return value
        if _is_expression(value):
            return value
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return PartialDate(value.year, value.month, value.day)
        try:
            return PartialDate.parse(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None

    def get_prep_value(self, value):
        if _is_expression(value):
            return value
        if value is None or isinstance(value, PartialDate):
            return value and value.isoformat()
        try:
            return PartialDate.parse(value).isoformat()
        except ValueError:
            return str(value)  # lookups such as __startswith take plain text

    def run_validators(self, value):
        super().run_validators(value.isoformat() if isinstance(value, PartialDate) else value)

    def pre_save(self, model_instance, add):
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_save(self, value, connection):
        if _is_expression(value):
            return value  # compiled by the query, its values prepared by this field
        value = self.to_python(value)
        return value.isoformat() if value else None

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.isoformat() if isinstance(value, PartialDate) else (value or None)

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", PartialDateFormField)
        return super().formfield(**kwargs)


@PartialDateField.register_lookup
class PartialDateYear(Transform):
    """`field__year`: the year as a number, for filters and aggregates in the database."""

    lookup_name = "year"
    output_field = IntegerField()

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(SUBSTR({sql}, 1, 4) AS INTEGER)", params
