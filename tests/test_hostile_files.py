"""Hostile fixture files: each is refused with one line naming the file and the record, before
it can crash the process, fill its memory or hold it for minutes; nothing is written.

Memory is measured, never time: in a child process (its own peak resident size, VmHWM) for what
C code allocates, with tracemalloc for what Python does."""

import gzip
import json
import lzma
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings

from dashboard.models import Party
from tests.hostile import HOSTILE, HUGE_INTEGER, YAML_PARTY, nested
from tests.test_loader import batch, load, write


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_in_one_line_naming_file_and_record(db, tmp_path, name):
    content, expected = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content)
    out, errors, failed = load(path)
    assert failed
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path}:") or errors[0].startswith(f"{path}: ")
    assert expected in errors[0]
    assert len(errors[0]) < 300
    assert not Party.objects.exists()


READ = """
import re, sys
from pathlib import Path
import django
django.setup()
from dashboard.loading.reading import FixtureFile, Limits, ReadError, file_format
path = Path(sys.argv[1])
try:
    count = sum(1 for _ in FixtureFile(path, path.name, *file_format(path)).records(Limits()))
    print("read", count)
except ReadError as error:
    print("refused", error.message)
# The peak resident size of this process (ru_maxrss would count the parent's, from the fork).
status = Path("/proc/self/status").read_text()
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
"""


def read_in_a_child(path: Path) -> tuple[str, int]:
    """Read the file through the loader's reader in a child process: what it said, and the
    child's peak resident memory in MB (a crash fails here, not the test run)."""
    done = subprocess.run(
        [sys.executable, "-c", READ, str(path)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said, peak = done.stdout.strip().splitlines()
    return said, int(peak)


def baseline_in_a_child(tmp_path) -> int:
    path = tmp_path / "empty.json"
    path.write_bytes(b"[]")
    return read_in_a_child(path)[1]


def test_small_compressed_files_that_expand_into_trouble_are_refused_in_bounded_memory(tmp_path):
    baseline = baseline_in_a_child(tmp_path)
    deep = tmp_path / "deep.json.gz"  # 200,000 levels in about 500 bytes: it took 22 GB
    deep.write_bytes(gzip.compress(b"[" + nested(200_000) + b"]"))
    assert deep.stat().st_size < 1000
    long_string = tmp_path / "string.json.xz"  # one 256 MB string: 148 s at full CPU
    long_string.write_bytes(lzma.compress(b'[{"s": "' + b"x" * (256 * 2**20) + b'"}]'))
    assert long_string.stat().st_size < 100_000
    crash = tmp_path / "integer.json"
    crash.write_bytes(HUGE_INTEGER)

    said, peak = read_in_a_child(deep)
    assert said.startswith("refused Arrays and objects are nested more than 10 deep")
    assert peak - baseline < 50
    said, peak = read_in_a_child(long_string)
    assert said == "refused A string is longer than 16,777,216 bytes (FIXTURE_MAX_STRING_BYTES)."
    # ijson keeps what it has of the string so far: up to the limit, then it stops.
    assert peak - baseline < 100
    said, _ = read_in_a_child(crash)
    assert said == "refused A number has more than 100 digits (FIXTURE_MAX_DIGITS)."


def test_the_same_values_within_the_limits_are_read(tmp_path):
    path = tmp_path / "fine.json"
    record = {"s": "x" * 100_000 + '\\"' + "[{" * 1000, "n": int("9" * 100), "deep": [[[[1]]]]}
    path.write_text(json.dumps([record]), encoding="utf-8")
    assert read_in_a_child(path)[0] == "read 1"


def test_the_decompressed_size_is_capped(db, tmp_path, settings):
    settings.FIXTURE_MAX_DECOMPRESSED_BYTES = 2**20
    path = tmp_path / "spaces.json.gz"
    path.write_bytes(gzip.compress(b"[" + b" " * (5 * 2**20) + b"]"))
    _, errors, failed = load(path)
    assert failed
    assert errors == [
        f"{path}: The file is larger than 1,048,576 bytes once decompressed "
        "(FIXTURE_MAX_DECOMPRESSED_BYTES)."
    ]


def test_a_string_longer_than_the_limit_is_refused_naming_its_record(db, tmp_path, settings):
    settings.FIXTURE_MAX_STRING_BYTES = 2**16
    records = batch()[:2] + [{"model": "dashboard.party", "fields": {"name": "é" * 2**16}}]
    path = write(tmp_path, records)
    _, errors, failed = load(path)
    assert failed
    assert errors == [
        f"{path}:record 3 (?) -: A string is longer than 65,536 bytes (FIXTURE_MAX_STRING_BYTES)."
    ]


def many_bad_lines(tmp_path, count: int) -> Path:
    path = tmp_path / "bad.jsonl.xz"
    path.write_bytes(lzma.compress(b'{"model": "dashboard.nothing"}\n' * count))
    return path


def peak_while_loading(path: Path) -> tuple[list[str], int]:
    tracemalloc.start()
    try:
        _, errors, failed = load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert failed
    return errors, peak


def test_only_the_first_thousand_problems_are_kept_and_the_rest_counted(db, tmp_path):
    path = many_bad_lines(tmp_path, 30_000)
    errors, peak = peak_while_loading(path)
    assert len(errors) == 1000
    assert errors[0] == f"{path}:record 1 (?) -: Unknown model “dashboard.nothing”."
    assert errors[-1].startswith(f"{path}:record 1000 (?)")
    # Memory does not grow with the problems past the thousandth (each kept took about half a
    # kilobyte: 28,000 more would be 14 MB).
    _, peak_of_fewer = peak_while_loading(many_bad_lines(tmp_path / "..", 2_000))
    assert peak < peak_of_fewer + 2 * 2**20


def test_the_summary_says_how_many_more_problems_there_are(db, tmp_path):
    from dashboard.loading import fixture_load

    result = fixture_load(paths=[many_bad_lines(tmp_path, 1500)])
    assert len(result.errors) == 1000 and result.errors_more == 500
    assert result.summary() == "1,500 problems found (the first 1,000 shown); nothing was written."
    assert result.as_json()["errors_more"] == 500


def test_a_batch_of_more_records_than_the_limit_stops_there(db, tmp_path, settings):
    settings.FIXTURE_MAX_RECORDS = 3
    path = write(tmp_path, batch())
    _, errors, failed = load(path)
    assert failed
    assert errors == [
        f"{path}:record 4 (?) -: The batch holds more than 3 records (FIXTURE_MAX_RECORDS); "
        "reading stopped here. Split it."
    ]
    assert not Party.objects.exists()


# --- values that are no values ----------------------------------------------------------------


def party(**fields):
    return {"model": "dashboard.party", "fields": {"name": "France", "code": "FR", **fields}}


@pytest.mark.parametrize("name", ["bad.json", "bad.jsonl", "bad.yaml"])
def test_a_list_or_an_object_for_a_single_value_is_refused(db, tmp_path, name):
    path = write(tmp_path, [party(name=["lol"] * 3), party(code="DE", iso3={"a": 1})], name)
    _, errors, failed = load(path)
    assert failed
    assert errors == [
        f"{path}:record 1 (dashboard.party FR) name: Expected a single value, got a list.",
        f"{path}:record 2 (dashboard.party DE) iso3: Expected a single value, got an object.",
    ]


def test_an_impossible_date_in_yaml_is_the_fields_problem(db, tmp_path):
    path = tmp_path / "dates.yaml"
    path.write_text(
        "- model: dashboard.source\n  fields: {slug: s, title: T, publisher: P, "
        "published: 2024-02-31, text: T}\n",
        encoding="utf-8",
    )
    _, errors, failed = load(path)
    assert failed
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:record 1 (dashboard.source s) published: ")


@pytest.mark.parametrize("name", ["surrogate.json", "surrogate.jsonl"])
def test_a_lone_surrogate_is_refused_naming_file_record_and_field(db, tmp_path, name):
    path = tmp_path / name
    text = json.dumps(party(name="Fr\ud800nce"))  # json writes it as the escape \ud800
    path.write_text(f"[{text}]" if name.endswith(".json") else text + "\n", encoding="utf-8")
    _, errors, failed = load(path, dry_run=True)
    assert failed
    # ijson would turn it into a "?": the reader finds it first, and the field by its name.
    where = "(?) -: “name” holds" if name.endswith(".json") else "(dashboard.party FR) name: Holds"
    assert errors == [
        f"{path}:record 1 {where} a lone surrogate (\\ud800), which is not a character: write "
        "the character itself, or both halves of its pair."
    ]
    assert not Party.objects.exists()


def test_a_surrogate_pair_is_a_character(db, tmp_path):
    path = tmp_path / "pair.json"
    path.write_text(json.dumps([party(name="Fr😀nce")]), encoding="utf-8")  # "\\ud83d\\ude00"
    assert "\\ud83d\\ude00" in path.read_text(encoding="utf-8")
    _, errors, failed = load(path)
    assert not failed, errors
    assert Party.objects.get().name == "Fr😀nce"


def test_control_characters_from_a_file_reach_the_terminal_escaped(db, tmp_path):
    path = tmp_path / "escapes.json"
    title = "\x1b]0;owned\x07\x1b[2J\u202eevil"
    path.write_text(json.dumps([{"model": title, "fields": {}}, party(code="\x1b[2J")]))
    _, errors, failed = load(path)
    assert failed
    text = "\n".join(errors)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "Unknown model “\\x1b]0;owned\\x07\\x1b[2J\\u202eevil”." in errors[0]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("!!python/object:os.system x", "could not determine a constructor for the tag"),
        ("!!timestamp 2024-02-31", "day is out of range for month"),
    ],
)
def test_a_yaml_value_that_cannot_be_built_names_its_record(db, tmp_path, value, problem):
    path = tmp_path / "tagged.yaml"
    record = f"- model: dashboard.party\n  fields: {{name: {value}}}\n"
    path.write_bytes(YAML_PARTY + record.encode())
    _, errors, failed = load(path)
    assert failed
    assert len(errors) == 1 and errors[0].startswith(f"{path}:record 2 (?) -: Not valid YAML: ")
    assert problem in errors[0]
    assert not Party.objects.exists()


def test_yaml_that_is_not_utf_8_names_the_line(db, tmp_path):
    path = tmp_path / "latin-1.yaml"
    path.write_bytes(
        YAML_PARTY + "- model: dashboard.party\n  fields: {name: Réunion}\n".encode("latin-1")
    )
    _, errors, failed = load(path)
    assert failed
    assert errors == [
        f"{path}: Not valid YAML: invalid trailing UTF-8 octet, #x75 (line 4, column 20)."
    ]


# A record, then one with a value over a limit: wherever the reads fall, the same refusal.
OVER_A_LIMIT = {
    "deep": b"[" * 11 + b"]" * 11,
    "digits": b"1" * 101,
    "string": b'"' + b'x\\\\\\"[{' * 20_000 + b'"',
}


@pytest.mark.parametrize("read_size", [7, 8, 13, 64, 1000])
@pytest.mark.parametrize("kind", list(OVER_A_LIMIT))
@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_a_refusal_does_not_depend_on_where_the_reads_fall(
    tmp_path, monkeypatch, read_size, kind, form
):
    from dashboard.loading import reading

    first = b'{"model": "dashboard.party", "fields": {"name": "[\\"{", "code": "12"}}'
    value = b'{"model": ' + OVER_A_LIMIT[kind] + b"}"
    if form == "json":
        path, content = tmp_path / "over.json", b"[" + first + b",\n" + value + b"]"
    else:
        path, content = tmp_path / "over.jsonl", first + b"\n" + value + b"\n"
    path.write_bytes(content)
    limits = reading.Limits(string_bytes=100_000)
    refusals = []
    for size in (reading.READ_SIZE, read_size):
        monkeypatch.setattr(reading, "READ_SIZE", size)
        fixture = reading.FixtureFile(path, path.name, *reading.file_format(path))
        with pytest.raises(reading.ReadError) as refused:
            list(fixture.records(limits))
        refusals.append((refused.value.message, refused.value.record))
    assert refusals[0] == refusals[1]
    assert refusals[0][1] == 2 or refusals[0][0].startswith("Line 2: ")


def test_a_json_lines_line_left_in_a_string_is_its_own_problem(db, tmp_path, settings):
    settings.FIXTURE_MAX_STRING_BYTES = 2**16
    source = batch()[2]
    # A long text within the limit, across two reads, with a long run of digits in it.
    source["fields"]["text"] = "0123456789" * 20 + "x" * 64_000
    lines = [
        json.dumps(party()),
        '{"model": "dashboard.party", "fields": {"name": "Germany}}',  # the quote is not closed
        json.dumps(source),
        json.dumps(party(name="x" * 2**16 + "x", code="DE")),
    ]
    path = tmp_path / "open-quote.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, errors, failed = load(path)
    assert failed
    assert len(errors) == 2, errors  # nothing said of line 3
    # What stopped the reading goes first, as it names no record.
    assert errors[0] == (
        f"{path}: Line 4: A string is longer than 65,536 bytes (FIXTURE_MAX_STRING_BYTES)."
    )
    assert errors[1].startswith(f"{path}:record 2 (?) -: Line 2 is not valid JSON: ")


@pytest.mark.parametrize(
    ("second", "third", "expected"),
    [
        (b"9" * 101, json.dumps(party(code="DE")).encode(), "record 2 (?) -: A number has more"),
        (b"5", b'{"model": ' + nested(11) + b"}", "record 3 (?) -: Arrays and objects are nested"),
    ],
)
def test_every_item_of_a_json_array_is_a_record(db, tmp_path, second, third, expected):
    path = tmp_path / "scalar.json"
    path.write_bytes(b"[" + b", ".join([json.dumps(party()).encode(), second, third]) + b"]")
    _, errors, failed = load(path)
    assert failed
    assert len(errors) == 1 and errors[0].startswith(f"{path}:{expected}"), errors
