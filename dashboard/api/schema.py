"""How the API's own fields read in the OpenAPI schema (drf-spectacular extensions), and the
error answers every operation can give, so that a client (and the schema fuzzing in
tests/test_api_schema.py) knows each status it may meet."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from dashboard.partial_dates import FORMAT_HELP

URI = {"type": "string", "format": "uri"}


class RecordRefExtension(OpenApiSerializerFieldExtension):
    target_class = "dashboard.api.fields.RecordRef"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        spec = field.spec
        key = {"type": "integer"} if spec.key_field == "id" else {"type": "string"}
        name = field.model._meta.verbose_name
        if direction == "request":
            return {**key, "description": f"The {name}'s {spec.key_name}."}
        return {
            "type": "object",
            "description": f"The {name}: its {spec.key_name}, {spec.label_field} and address.",
            "properties": {
                spec.key_name: key,
                spec.label_field: {"type": "string"},
                "api_url": URI,
            },
            "required": [spec.key_name, spec.label_field, "api_url"],
        }


class PartialDateExtension(OpenApiSerializerFieldExtension):
    target_class = "dashboard.api.fields.PartialDateField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "description": f'{FORMAT_HELP} Also "May 2025".'}
        return {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}


class PageURLExtension(OpenApiSerializerFieldExtension):
    target_class = "dashboard.api.fields.PageURLField"

    def map_serializer_field(self, auto_schema, direction):
        return URI


class APIURLExtension(PageURLExtension):
    target_class = "dashboard.api.fields.APIURLField"


class DecimalExtension(OpenApiSerializerFieldExtension):
    """A decimal reads as text (exact); it may be written as text or as a number."""

    target_class = "rest_framework.fields.DecimalField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            return {"oneOf": [schema, {"type": "number"}]}
        return schema


DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each field (or `non_field_errors`, or `detail`) with what is wrong.",
    "minProperties": 1,
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
}
CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "protected": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Records that rest on this one.",
        },
    },
    "required": ["detail"],
}
ERRORS = {
    "400": ("The request's parameters or body are wrong.", "FieldErrors", FIELD_ERRORS),
    "401": ("No valid credentials.", "Error", DETAIL),
    "403": ("The user may not do this.", "Error", DETAIL),
    "404": ("No such record.", "Error", DETAIL),
    "406": ("The Accept header asks for something other than JSON.", "Error", DETAIL),
    "429": ("Too many requests: wait as Retry-After says.", "Error", DETAIL),
}
WRITE_ERRORS = {
    "409": ("The database refused the change.", "Conflict", CONFLICT),
    "415": ("The body is not JSON.", "Error", DETAIL),
}
CHANGED = {
    "type": "object",
    "description": "What changed since the version If-Match names.",
    "properties": {
        "detail": {"type": "string"},
        "version": {"type": "integer", "description": "The record's version now."},
        "by": {"type": "string", "description": "Who changed it since."},
        "when": {"type": "string", "description": "When it was last changed."},
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "then": {"type": "string"},
                    "now": {"type": "string"},
                },
                "required": ["field", "then", "now"],
            },
        },
    },
    "required": ["detail", "version", "by", "when", "changes"],
}
# A change or a delete of a record names the version it started from (views.py).
RECORD_WRITE_ERRORS = {
    "412": ("The record changed since the read whose ETag If-Match names.", "Changed", CHANGED),
    "428": ("No If-Match: send the ETag a read of the record gave.", "Error", DETAIL),
}
RECORD_WRITES = {"put", "patch", "delete"}
SAFE = {"get", "head"}
# Paging's own parameters, which an empty value does not leave out (paging.py).
NOT_EMPTY = {"cursor", "per_page"}


def allow_empty(parameter: dict) -> None:
    """As on the pages, an empty filter (`kind=`, `year_min=`: what a form sends for a field
    left alone) means no filter: the empty value is one of a filter's choices, and a number
    filter takes a number or nothing."""
    if parameter["in"] != "query" or parameter["name"] in NOT_EMPTY:
        return
    shape = parameter["schema"].get("items", parameter["schema"])
    if "enum" in shape and "" not in shape["enum"]:
        shape["enum"] = [*shape["enum"], ""]
    elif shape.get("type") in {"number", "integer"}:
        parameter["schema"] = {"anyOf": [shape, {"type": "string", "maxLength": 0}]}


def document_errors(result, generator, request, public):
    """A drf-spectacular postprocessing hook: every operation documents the errors it may
    answer, and reads say they need no credentials when the site needs no login."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for operations in result["paths"].values():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                allow_empty(parameter)
            responses = operation.setdefault("responses", {})
            errors = ERRORS if method in SAFE else {**ERRORS, **WRITE_ERRORS}
            if method in RECORD_WRITES:
                errors = {**errors, **RECORD_WRITE_ERRORS}
            for status, (description, name, schema) in errors.items():
                components.setdefault(name, schema)
                reference = {"$ref": f"#/components/schemas/{name}"}
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
            if method in SAFE:
                responses.setdefault("304", {"description": "Not modified since the ETag."})
                if not settings.DASHBOARD_LOGIN_REQUIRED and {} not in operation.get(
                    "security", [{}]
                ):
                    operation["security"].append({})
    return result
