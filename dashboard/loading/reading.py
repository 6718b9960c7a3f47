"""Finding fixture files and reading their records one at a time; or records given directly.

JSON arrays are streamed with ijson and JSON Lines line by line, so memory does not grow with
the file; YAML is parsed whole (PyYAML has no streaming reader for a list), so keep large data
in JSON or JSON Lines. Files may be compressed with gzip, bzip2 or xz, as for loaddata.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson
import yaml

FORMATS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml", ".yml": "yaml"}
COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
SUFFIX_HELP = ".json, .jsonl, .yaml or .yml, optionally compressed (.gz, .bz2, .xz)"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class FixtureFile:
    path: Path
    name: str  # as the user gave it, for messages
    format: str
    compression: str | None
    by_line = False  # records are numbered in order, not by line

    def records(self) -> Iterator[Any]:
        return file_records(self)

    def open(self) -> IO[bytes]:
        if self.compression:
            return COMPRESSIONS[self.compression](self.path, "rb")
        return open(self.path, "rb")  # noqa: SIM115 - the caller closes it


@dataclass(eq=False)
class RecordStream:
    """Records given directly (an importer's), each a fixture-format dict, or a pair (line,
    dict) when messages should name the line it came from: then every item is such a pair."""

    items: Iterable[Any]
    name: str  # for messages
    by_line: bool = field(init=False, default=False)

    def __post_init__(self):
        iterator = iter(self.items)
        first = next(iterator, None)
        self.by_line = isinstance(first, tuple)
        self._items = iterator if first is None else _chained(first, iterator)

    def records(self) -> Iterator[Any]:
        if not self.by_line:
            yield from self._items
            return
        for item in self._items:
            if not (isinstance(item, tuple) and len(item) == 2 and type(item[0]) is int):
                raise ReadError(
                    "Records come with their lines, or none does: expected a pair "
                    f"(line number, record), got a {type(item).__name__}."
                )
            yield item


def _chained(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


class ReadError(Exception):
    """The file cannot be read on from here; `record` is the record number it stopped at."""

    def __init__(self, message: str, *, record: int | None = None):
        super().__init__(message)
        self.message = message
        self.record = record


class RecordUnreadable(Exception):
    """One record (a JSON Lines line) is not valid; the rest of the file can still be read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def file_format(path: Path) -> tuple[str, str | None] | None:
    suffixes = [suffix.lower() for suffix in path.suffixes]
    compression = suffixes.pop() if suffixes and suffixes[-1] in COMPRESSIONS else None
    if not suffixes or suffixes[-1] not in FORMATS:
        return None
    return FORMATS[suffixes[-1]], compression


def fixture_files(
    *, paths: Sequence[str | Path], names: Mapping[str, str] | None = None
) -> tuple[list[FixtureFile], list[tuple[str, str]]]:
    """The files to load, folders expanded in name order; and (path, problem) for bad paths."""
    files: list[FixtureFile] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        name = (names or {}).get(str(given), str(given))
        if path.is_dir():
            found = [
                (member, file_format(member))
                for member in sorted(path.rglob("*"))
                if member.is_file() and not member.name.startswith(".")
            ]
            found = [(member, kind) for member, kind in found if kind]
            if not found:
                problems.append((name, f"No fixture files ({SUFFIX_HELP}) in this folder."))
            for member, (kind, compression) in found:
                member_name = str(Path(name) / member.relative_to(path))
                if member.resolve() not in seen:
                    seen.add(member.resolve())
                    files.append(FixtureFile(member, member_name, kind, compression))
        elif path.is_file():
            kind = file_format(path)
            if kind is None:
                problems.append((name, f"Not a fixture file: the name must end in {SUFFIX_HELP}."))
            elif path.resolve() not in seen:
                seen.add(path.resolve())
                files.append(FixtureFile(path, name, *kind))
        else:
            problems.append((name, "No such file or folder."))
    return files, problems


def file_records(file: FixtureFile) -> Iterator[Any]:
    """The file's raw records in order. Raises ReadError when the file cannot be read on, and
    yields a RecordUnreadable in place of a JSON Lines line that is not valid JSON."""
    try:
        with file.open() as stream:
            if file.format == "jsonl":
                yield from _lines_read(stream)
            elif file.format == "json":
                yield from _array_read(stream)
            else:
                yield from _yaml_read(stream)
    except (OSError, EOFError, lzma.LZMAError) as error:
        raise ReadError(f"Cannot read the file: {error}.") from None


def _lines_read(stream: IO[bytes]) -> Iterator[Any]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield _line_parse(line)
        except (ValueError, UnicodeDecodeError) as error:
            yield RecordUnreadable(f"Line {number} is not valid JSON: {error}.")


# Decimals, not floats, so amounts keep their digits as DecimalField expects. One decoder for
# every line: json.loads() with an option builds a new one each time.
_DECODER = json.JSONDecoder(parse_float=Decimal)


def _line_parse(line: bytes) -> Any:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or text.startswith("\ufeff"):
        # Another encoding, or a byte-order mark: json.loads() finds out which, or says why not.
        return json.loads(line, parse_float=Decimal)
    return _DECODER.decode(text)


def _array_read(stream: IO[bytes]) -> Iterator[Any]:
    first = _first_character(stream)
    if first is None:
        return
    if first != b"[":
        raise ReadError("A JSON fixture file holds a list of records: it must start with “[”.")
    count = 0
    try:
        # Decimals, not floats, so amounts keep their digits as DecimalField expects.
        for count, item in enumerate(ijson.items(stream, "item", use_float=False), start=1):  # noqa: B007
            yield item
    except (ijson.JSONError, UnicodeDecodeError) as error:
        # yajl's message goes on to draw the place on further lines: keep its first line.
        reason = str(error).strip().splitlines()[0].rstrip(".") if str(error).strip() else "?"
        raise ReadError(f"Not valid JSON: {reason}.", record=count + 1) from None


def _first_character(stream: IO[bytes]) -> bytes | None:
    """The first character that is not white space; the stream is left at its start."""
    start = 3 if stream.read(3) == b"\xef\xbb\xbf" else 0  # a byte-order mark may lead
    stream.seek(start)
    while chunk := stream.read(1):
        if not chunk.isspace():
            stream.seek(start)
            return chunk
    return None


def _yaml_read(stream: IO[bytes]) -> Iterator[Any]:
    try:
        data = yaml.load(stream, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        # Its own text spans lines and names the path read (a temporary file for an upload).
        problem = getattr(error, "problem", None) or "cannot be parsed"
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ReadError(f"Not valid YAML: {problem}{where}.") from None
    if data is None:
        return
    if not isinstance(data, list):
        raise ReadError("A YAML fixture file holds a list of records.")
    yield from data
