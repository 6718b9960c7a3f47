"""The API against its own schema: schemathesis generates requests for every operation from
/api/schema/, valid ones and invalid ones, and sends them to the application. There is never a
server error, every answer is one the schema documents and conforms to it, and bad input gets
a 4xx with a message. The schema documents every filter of every table, with its type and
choices.

The run is bounded (FUZZ_EXAMPLES per operation and mode), so that it takes a minute or two.
"""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from dashboard.api.urls import router

FUZZ_EXAMPLES = 12
WRITES = {"PUT", "PATCH", "DELETE"}

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            # Schema-valid data may still break the data model's own rules (a quote not in its
            # source, a slug taken): those answers are 400s, which the other checks cover.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)


@pytest.fixture
def in_process(settings):
    """The application answering in this test's own database transaction, as Django's test
    client does: no request may close the test's connection as it starts or ends."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def superuser_token(django_user_model):
    user = django_user_model.objects.create_superuser("fuzzer", "fuzzer@example.org", "pw")
    return Token.objects.create(user=user).key


def generated_schema() -> dict:
    """The schema /api/schema/ serves (test_the_fuzzed_schema_is_the_served_one), made here as
    the tests are collected: pytest-django allows no request to the database then."""
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(generated_schema(), config=CONFIG)
schema.app = WSGIHandler()  # requests go to the application itself, in this process


@schema.parametrize()
# The data and the token are the same for every example: what one request writes stays for the
# next, as on a server.
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_every_operation_keeps_to_the_schema(case, in_process, register, superuser_token):
    # As a superuser, so that every write gets past the permissions to the validation. On the
    # articles' data and a register's rows, so that TIVs, uncertain figures, years of delivery
    # and parties of every kind are in the answers checked against the schema.
    authorization = {"Authorization": f"Token {superuser_token}"}
    if_match_current(case, authorization)
    case.call_and_validate(headers=authorization)


def if_match_current(case, authorization: dict) -> None:
    """A change or a delete that names a version in If-Match names the record's current one,
    as a client's would after reading it, so that its body gets past the precondition to the
    validation fuzzed here. (Without If-Match the answer is 428, and from an older version
    412: tests/test_lost_edits.py.)"""
    if case.method.upper() not in WRITES or "If-Match" not in (case.headers or {}):
        return
    # Read through the application, as the case is sent (a test Client would connect again
    # the signal that closes the test's database connection, which in_process disconnects).
    read = schema[case.path]["GET"].Case(path_parameters=case.path_parameters)
    answer = read.call(headers=authorization)
    if answer.status_code == 200:
        case.headers["If-Match"] = answer.headers["etag"][0]  # names lowercased, values listed


def test_the_fuzzed_schema_is_the_served_one(client, db):
    served = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(generated_schema()))


def test_the_fuzzing_reaches_every_operation():
    operations = {
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    }
    for prefix, viewset, _basename in router.registry:
        list_path, detail_path = (
            f"/api/{prefix}/",
            f"/api/{prefix}/{{{viewset.lookup_url_kwarg}}}/",
        )
        assert {("GET", list_path), ("POST", list_path)} <= operations, prefix
        for method in ["GET", "PUT", "PATCH", "DELETE"]:
            assert (method, detail_path) in operations, (method, detail_path)
    assert {("GET", "/api/overview/"), ("GET", "/api/ties/")} <= operations


def test_the_schema_documents_every_filter_with_its_type_and_choices(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for prefix, viewset, _basename in router.registry:
        if viewset.filterset_class is None:
            continue  # aliases and citations: no page, no filters
        documented = {
            parameter["name"]: parameter["schema"]
            for parameter in schema["paths"][f"/api/{prefix}/"]["get"]["parameters"]
        }
        for name, declared in viewset.filterset_class.base_filters.items():
            assert name in documented, (prefix, name)
            # A list's items, or the first of "a number or nothing"; a switch (fold) is a boolean.
            shape = documented[name].get("items", documented[name])
            shape = shape.get("anyOf", [shape])[0]
            assert shape.get("type") in {"string", "number", "integer", "boolean"}, (prefix, name)
            choices = declared.extra.get("choices")
            if choices is not None and not callable(choices):
                assert set(shape["enum"]) - {""} == {value for value, _ in choices}, (prefix, name)
        assert "sort" in documented and "per_page" in documented and "cursor" in documented


def test_the_schema_says_every_change_and_delete_needs_if_match(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for prefix, viewset, _basename in router.registry:
        detail = schema["paths"][f"/api/{prefix}/{{{viewset.lookup_url_kwarg}}}/"]
        for method in ["put", "patch", "delete"]:
            operation = detail[method]
            headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
            assert headers["If-Match"]["required"] is True, (prefix, method)
            assert "ETag" in headers["If-Match"]["description"]
            assert {"412", "428"} <= set(operation["responses"]), (prefix, method)
        create = schema["paths"][f"/api/{prefix}/"]["post"]
        assert "If-Match" not in {p["name"] for p in create.get("parameters", [])}, prefix
        assert not {"412", "428"} & set(create["responses"]), prefix
