"""Serializer fields for what the dashboard's records hold: references to other records (read as
a short object, written as the record's key), dates that carry their precision, and the
dashboard page of a record."""

from functools import cache

from django.urls import reverse
from rest_framework import serializers

from dashboard.partial_dates import FORMAT_HELP, PRECISION_CHOICES, PartialDate

# Serializers by model, filled as each record serializer is declared (serializers.py): a
# reference reads the referred model's key, label and address from there.
SERIALIZERS: dict = {}


# An address is reversed once per model, with a stand-in key that the key's pattern accepts
# (a number for ids; two letters pass for a party code and a slug alike), then the stand-in is
# replaced: a page of a hundred deals names some six hundred records, and reverse() was the
# slowest part of it.
def _stand_in(model) -> str:
    return "00" if SERIALIZERS[model].key_field == "id" else "zz"


@cache
def _api_address(model) -> tuple[str, str]:
    spec = SERIALIZERS[model]
    address = reverse(f"api:{spec.basename()}-detail", kwargs={spec.key_name: _stand_in(model)})
    return tuple(address.rsplit(_stand_in(model), 1))


@cache
def _page_address(model) -> tuple[str, str]:
    address = model(**{SERIALIZERS[model].key_field: _stand_in(model)}).get_absolute_url()
    return tuple(address.rsplit(_stand_in(model), 1))


def _with_key(around: tuple[str, str], key) -> str:
    return f"{around[0]}{key}{around[1]}"


def _absolute(request, path: str) -> str:
    """`path` with the request's scheme and host, worked out once per request."""
    if request is None:
        return path
    origin = getattr(request, "_dashboard_origin", None)
    if origin is None:
        origin = request._dashboard_origin = request.build_absolute_uri("/")[:-1]
    return origin + path


def api_url(record, request) -> str:
    """The address of `record` in the API."""
    key = getattr(record, SERIALIZERS[type(record)].key_field)
    return _absolute(request, _with_key(_api_address(type(record)), key))


def page_url(record, request) -> str:
    """The address of `record`'s page on the dashboard."""
    key = getattr(record, SERIALIZERS[type(record)].key_field)
    return _absolute(request, _with_key(_page_address(type(record)), key))


def brief(record, request) -> dict:
    """`record` as references show it: its key, its label and its address in the API."""
    spec = SERIALIZERS[type(record)]
    return {
        spec.key_name: getattr(record, spec.key_field),
        spec.label_field: getattr(record, spec.label_field),
        "api_url": api_url(record, request),
    }


class RecordRef(serializers.RelatedField):
    """Another record, read as `{key: …, label: …, "api_url": …}` (a deal's buyer:
    `{"code": "IN", "name": "India", "api_url": …}`) and written as its key alone ("IN")."""

    default_error_messages = {
        "does_not_exist": "No {model} has the {key_name} “{value}”.",
        "incorrect_type": "Give the {model}'s {key_name} as text, not {type}.",
    }

    def __init__(self, model, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    @property
    def spec(self):
        return SERIALIZERS[self.model]

    def to_representation(self, value):
        return brief(value, self.context.get("request"))

    def to_internal_value(self, data):
        spec = self.spec
        names = {"model": self.model._meta.verbose_name, "key_name": spec.key_name}
        if not isinstance(data, str):
            self.fail("incorrect_type", type=type(data).__name__, **names)
        # PostgreSQL refuses a NUL in any string: such a key names nothing.
        found = None if "\x00" in data else self.get_queryset().filter(**{spec.key_field: data})
        record = found.first() if found is not None else None
        if record is None:
            self.fail("does_not_exist", value=data, **names)
        return record

    def get_choices(self, cutoff=None):
        # Never list every record (OPTIONS would otherwise read a million statements).
        return {}


class PartialDateField(serializers.CharField):
    """A date known to the year, the month or the day: read in ISO form ("2025", "2025-05",
    "2025-05-07"), written in ISO form or as "May 2025" / "7 May 2025"."""

    def __init__(self, **kwargs):
        # The model field's length and validators are for the stored text; the model's own
        # full_clean() checks the stored value.
        kwargs.pop("max_length", None)
        kwargs.pop("validators", None)
        kwargs.pop("allow_blank", None)
        kwargs.setdefault("help_text", FORMAT_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(f"Give the date as text. {FORMAT_HELP}")
        try:
            return PartialDate.parse(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value):
        return value.isoformat()


class PrecisionField(serializers.ChoiceField):
    """How precise a date is: "year", "month" or "day" (null when there is no date)."""

    def __init__(self, date_field: str, **kwargs):
        super().__init__(
            choices=PRECISION_CHOICES,
            source=date_field,
            read_only=True,
            allow_null=True,
            help_text=f"How precise `{date_field}` is.",
            **kwargs,
        )

    def to_representation(self, value):
        return value.precision


class PageURLField(serializers.Field):
    """The record's page on the dashboard."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return page_url(value, self.context.get("request"))


class APIURLField(serializers.Field):
    """The record's own address in the API."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return api_url(value, self.context.get("request"))


# --- JSON types, as the schema gives them --------------------------------------------------------
# DRF reads 5 as the text "5" and "5" as the number 5. The schema says which each field takes,
# and a value of another type is refused, so that what the schema calls bad input is.


class TextOnly:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(f"Give text, not {type(data).__name__}.")
        return super().to_internal_value(data)


class Text(TextOnly, serializers.CharField):
    pass


class Slug(TextOnly, serializers.SlugField):
    pass


class URL(TextOnly, serializers.URLField):
    pass


class WholeNumber(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError(f"Give a whole number, not {type(data).__name__}.")
        return super().to_internal_value(data)
