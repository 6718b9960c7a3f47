"""Finding fixture files and reading their records one at a time; or records given directly.

JSON arrays are streamed with ijson and JSON Lines line by line, so memory does not grow with
the file; YAML is parsed whole (PyYAML has no streaming reader for a list), so keep large data
in JSON or JSON Lines. Files may be compressed with gzip, bzip2 or xz, as for loaddata.

Every file is read within `Limits` (settings FIXTURE_MAX_*): its size once decompressed, and,
before any parser sees them, the nesting of arrays and objects, the digits of a number and the
length of one string. ijson's C backend crashes the process on an integer of more than 4,300
digits, and its memory grows with the square of the nesting and its time with the square of a
string's length, so a small file could otherwise take the server down. YAML is checked on
its parser's events before it is built, and may not use aliases (a "billion laughs").
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial
from itertools import accumulate, compress
from pathlib import Path
from typing import IO, Any

import ijson
import yaml
from django.conf import settings

FORMATS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml", ".yml": "yaml"}
COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
SUFFIX_HELP = ".json, .jsonl, .yaml or .yml, optionally compressed (.gz, .bz2, .xz)"
_YAML_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Python's own limit on the digits of an integer read from text (sys.int_max_str_digits).
DIGITS_CEILING = 4300
# The guard reads at most this much at a time, so one string within a read is never longer.
READ_SIZE = 64 * 1024


class _YamlLoader(_YAML_BASE):
    """The safe loader, with dates left as text: the field's own to_python() reads them, and
    says which field holds an impossible one (2024-02-31) rather than failing the file."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if not tag.endswith(":timestamp")]
    for first, resolvers in _YAML_BASE.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Limits:
    """What one load may hold. `bytes`: each file once decompressed; `records`: the batch;
    `depth`: arrays and objects inside one another, from the file's top (a fixture needs 5);
    `digits`: of one number; `string_bytes`: one string as written (at least READ_SIZE, which
    the guard relies on); `errors`: the problems kept and shown (the rest are counted)."""

    bytes: int = 8 * 2**30
    records: int = 5_000_000
    depth: int = 10
    digits: int = 100
    string_bytes: int = 16 * 2**20
    errors: int = 1000

    @classmethod
    def from_settings(cls, *, upload: bool = False) -> Limits:
        """The limits the settings give, for the command or (`upload`) the admin's page."""
        default = cls()
        prefix = "FIXTURE_UPLOAD_MAX_" if upload else "FIXTURE_MAX_"
        return cls(
            bytes=getattr(settings, prefix + "DECOMPRESSED_BYTES", default.bytes),
            records=getattr(settings, prefix + "RECORDS", default.records),
            depth=getattr(settings, "FIXTURE_MAX_DEPTH", default.depth),
            digits=min(getattr(settings, "FIXTURE_MAX_DIGITS", default.digits), DIGITS_CEILING),
            string_bytes=max(
                getattr(settings, "FIXTURE_MAX_STRING_BYTES", default.string_bytes), READ_SIZE
            ),
            errors=getattr(settings, "FIXTURE_MAX_ERRORS", default.errors),
        )


@dataclass(frozen=True)
class FixtureFile:
    path: Path
    name: str  # as the user gave it, for messages
    format: str
    compression: str | None
    by_line = False  # records are numbered in order, not by line

    def records(self, limits: Limits | None = None) -> Iterator[Any]:
        return file_records(self, limits or Limits())

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

    def records(self, limits: Limits | None = None) -> Iterator[Any]:
        # Records given directly were built by code, not read from text: no limit to apply.
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


def file_records(file: FixtureFile, limits: Limits) -> Iterator[Any]:
    """The file's raw records in order. Raises ReadError when the file cannot be read on, and
    yields a RecordUnreadable in place of a JSON Lines line that is not valid JSON."""
    try:
        with file.open() as stream:
            if file.format == "jsonl":
                yield from _lines_read(_Guard(stream, limits=limits, by_line=True))
            elif file.format == "json":
                yield from _array_read(stream, limits)
            else:
                yield from _yaml_read(_Guard(stream, limits=limits, structure=False), limits)
    except (OSError, EOFError, lzma.LZMAError) as error:
        raise ReadError(f"Cannot read the file: {error}.") from None


def _lines_read(guard: _Guard) -> Iterator[Any]:
    stream = io.BufferedReader(guard, READ_SIZE)
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield _line_parse(line)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
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


def _array_read(stream: IO[bytes], limits: Limits) -> Iterator[Any]:
    first = _first_character(stream)
    if first is None:
        return
    if first != b"[":
        raise ReadError("A JSON fixture file holds a list of records: it must start with “[”.")
    count = 0
    guard = _Guard(stream, limits=limits)
    try:
        # Decimals, not floats, so amounts keep their digits as DecimalField expects.
        items = ijson.items(guard, "item", use_float=False, buf_size=READ_SIZE)
        for count, item in enumerate(items, start=1):  # noqa: B007
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


def _yaml_read(stream: _Guard, limits: Limits) -> Iterator[Any]:
    text = stream.read()  # parsed whole anyway; its size is capped by the guard
    _yaml_events_check(text, limits)
    loader = _YamlLoader(text)
    try:
        root = _yaml_built(loader.get_single_node, limits, text, record=None)
        if root is None or root.tag == _YAML_NULL:
            return
        if not isinstance(root, yaml.SequenceNode):
            raise ReadError("A YAML fixture file holds a list of records.")
        # Each record is built on its own (there are no aliases between them), so that a
        # value that cannot be built (an explicit !!timestamp 2024-02-31) names its record.
        for number, node in enumerate(root.value, start=1):
            build = partial(loader.construct_document, node)
            yield _yaml_built(build, limits, text, record=number)
    finally:
        loader.dispose()


_YAML_NULL = "tag:yaml.org,2002:null"


def _yaml_built(
    build: Callable[[], Any], limits: Limits, text: bytes, *, record: int | None
) -> Any:
    try:
        return build()
    except yaml.YAMLError as error:
        raise ReadError(_yaml_problem(error, limits, text), record=record) from None
    except (ValueError, RecursionError) as error:
        raise ReadError(f"Not valid YAML: {str(error).rstrip('.')}.", record=record) from None


def _yaml_problem(error: yaml.YAMLError, limits: Limits, text: bytes) -> str:
    """One line from the parser's error, with its line and column: its own text spans lines and
    names the path read (a temporary file, for an upload). Nesting deeper than libyaml's own
    limit (1,000) is said as every other nesting over the limit is."""
    if isinstance(error, yaml.reader.ReaderError):  # not UTF-8, or a control character
        line_start = text.rfind(b"\n", 0, error.position) + 1
        line, column = text.count(b"\n", 0, error.position) + 1, error.position - line_start + 1
        character = f"#x{error.character:02x}" if isinstance(error.character, int) else "?"
        return f"Not valid YAML: {error.reason}, {character} (line {line}, column {column})."
    problem = getattr(error, "problem", None) or "cannot be parsed"
    if problem.startswith("but ") and getattr(error, "context", None):
        problem = f"{error.context}, {problem}"  # "expected a single document ..., but found"
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    if "nesting depth" in problem:
        return _too_deep(limits, where)
    return f"Not valid YAML: {problem}{where}."


_YAML_NUMBER = re.compile(r"[-+]?[0-9_]+")


def _yaml_events_check(text: bytes, limits: Limits) -> None:
    """Refuse, before anything is built, an alias, nesting deeper than `limits.depth`, a
    longer string or a longer number, or text that cannot be parsed: one ReadError naming the
    record (which a parse error falls in, or comes just after)."""
    depth = record = 0
    try:
        for event in yaml.parse(text, Loader=_YAML_BASE):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                record += depth == 2
                if depth > limits.depth:
                    raise ReadError(_too_deep(limits), record=record)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                record += depth == 1
                raise ReadError(
                    f"YAML aliases (*{event.anchor}) are not accepted: write the value out.",
                    record=record or None,
                )
            elif isinstance(event, yaml.ScalarEvent):
                record += depth == 1
                if len(event.value) > limits.string_bytes:
                    raise ReadError(_too_long(limits), record=record)
                value, plain = event.value, event.implicit[0]
                if len(value) > limits.digits and plain and _YAML_NUMBER.fullmatch(value):
                    raise ReadError(_too_many_digits(limits), record=record)
    except yaml.YAMLError as error:
        # Inside a record (depth 2 or more), that record; between two, the next one. (libyaml
        # reads ahead of the events it has given, so a record may not have begun yet; it
        # decodes the text further ahead still, so an encoding error names its line alone.)
        where = None if depth == 0 else record if depth > 1 else record + 1
        if isinstance(error, yaml.reader.ReaderError):
            where = None
        raise ReadError(_yaml_problem(error, limits, text), record=where) from None


def _too_deep(limits: Limits, where: str = "") -> str:
    return (
        f"Arrays and objects are nested more than {limits.depth} deep{where}; a fixture "
        "needs 5 (FIXTURE_MAX_DEPTH)."
    )


def _too_long(limits: Limits) -> str:
    return f"A string is longer than {limits.string_bytes:,} bytes (FIXTURE_MAX_STRING_BYTES)."


def _too_many_digits(limits: Limits) -> str:
    return f"A number has more than {limits.digits:,} digits (FIXTURE_MAX_DIGITS)."


# A surrogate escape, with the second half of its pair if it has one (and a second half alone);
# whether its backslash is itself escaped is checked by hand, so the search has a literal start.
_SURROGATE_ESCAPE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_FIELD_NAME = re.compile(rb'"([A-Za-z_][A-Za-z0-9_]*)"\s*:')


def _escaped(text: bytes, at: int) -> bool:
    """Whether the backslash at `at` is itself escaped (an odd run of backslashes before it)."""
    before = at
    while before > 0 and text[before - 1] == 0x5C:
        before -= 1
    return (at - before) % 2 == 1


@cache
def _digits_run(limit: int) -> re.Pattern[bytes]:
    return re.compile(rb"[0-9]{%d}" % (limit + 1))


def _not_kept(kept: bytes) -> bytes:
    return bytes(byte for byte in range(256) if byte not in kept)


# What the nesting is read from: quotes (to tell strings from the rest), brackets, and what
# separates the records: for JSON the commas (between the items of the array), for JSON Lines
# the newlines.
_NOT_SKELETON = _not_kept(b'"[]{},')
_NOT_SKELETON_NOR_NEWLINES = _not_kept(b'"[]{}\n')
_NOT_QUOTES_NOR_NEWLINES = _not_kept(b'"\n')
# A JSON Lines line that ends in a string, escapes aside (an odd number of quotes): no string
# goes on past a newline, so the quote that closes it is put before the newline. Possessive, so
# that a line of many quotes is matched in one pass.
_LINE_LEFT_IN_STRING = re.compile(
    rb'^(?:[^"\n]*+"[^"\n]*+")*+[^"\n]*+"[^"\n]*+(?=\n)', re.MULTILINE
)
_JSON_WHITESPACE = b" \t\r\n"
# Every digit as "0", everything else as a space: a run of digits is then a run of "0"s, which
# `in` finds as fast as any substring.
_DIGITS_AS_ZEROS = bytes(0x30 if byte in b"0123456789" else 0x20 for byte in range(256))
# An escaped backslash or quote, blanked to "__" (its length kept for the string's).
_ESCAPE = re.compile(rb'\\[\\"]')
_SQUARE = bytes.maketrans(b"{}", b"[]")
_STEP = [0] * 256
_STEP[ord("[")], _STEP[ord("]")] = 1, -1
_COMMAS = bytes(byte == ord(",") for byte in range(256))  # a comma as 1, the rest as 0


class _Guard(io.RawIOBase):
    """A file read through limits: its size, and (`structure`, for JSON and JSON Lines) the
    nesting, the digits of a number and the length of a string, scanned as they are read, a
    chunk at a time with bytes operations (in C), before a parser sees them. Raises ReadError,
    naming the record (JSON) or the line (JSON Lines), at the first one over its limit."""

    def __init__(self, stream: IO[bytes], *, limits: Limits, by_line=False, structure=True):
        self.stream = stream
        self.limits = limits
        self.by_line = by_line
        self.structure = structure
        self.size = 0
        self.depth = 0
        self.record = 0  # JSON: items of the array begun; JSON Lines: newlines passed
        self.in_string = False
        self.string_size = 0
        self.held = b""  # an escape cut in two by the end of a read
        self.digits_held = b""  # digits at the end of the last read, outside strings
        self.escapes_held = b""  # the end of the last read, which may hold half an escape
        self.previous = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), READ_SIZE))
        self.size += len(data)
        if self.size > self.limits.bytes:
            self._refuse(
                f"The file is larger than {self.limits.bytes:,} bytes once decompressed "
                "(FIXTURE_MAX_DECOMPRESSED_BYTES)."
            )
        if self.structure and not self.by_line:  # json.loads() keeps them, for schema.py
            self._surrogates_check(data)
        if self.structure and data:
            self._scan(data)
        buffer[: len(data)] = data
        return len(data)

    def _refuse(self, message: str):
        if self.by_line:
            raise ReadError(f"Line {self.record + 1}: {message}")
        raise ReadError(message, record=self.record or None)

    def _surrogates_check(self, data: bytes) -> None:
        """Refuse a \\ud800 escape without its pair (yajl would store a "?" for it), or a
        second half alone, naming the field whose value holds it where this read shows it."""
        text = self.escapes_held + data
        resume = max(0, len(text) - 5)  # the last bytes may be half an escape
        for found in _SURROGATE_ESCAPE.finditer(text, 1 if self.escapes_held else 0):
            if found.group(1) or _escaped(text, found.start()):
                continue  # a pair, or the text "\\ud800" (after an escaped backslash)
            high = text[found.start() + 3] in b"89abAB"
            if high and found.end() > len(text) - 6 and data:
                resume = found.start()  # its pair may be in the next read
                break
            before = max(0, found.start() - len(self.escapes_held))
            self._scan(data[:before])
            names = _FIELD_NAME.findall(self.previous + text[: found.start()])
            field = f"“{names[-1].decode('utf-8', 'replace')}”" if names else "A value"
            escape = found.group().decode("ascii")
            self._refuse(
                f"{field} holds a lone surrogate ({escape}), which is not a character: "
                "write the character itself, or both halves of its pair."
            )
        self.escapes_held = text[max(0, resume - 1) :]
        self.previous = data  # for the name of a field that came before

    def _scan(self, data: bytes) -> None:
        # Escapes go first (pairs of backslashes and escaped quotes, left to right, as JSON
        # reads them), so that every quote left opens or closes a string. Then everything is
        # done with bytes operations over the whole read (in C), and only the brackets outside
        # strings, a few in a hundred bytes, are followed one by one.
        data, self.held = self.held + data, b""
        if data.endswith(b"\\") and (len(data) - len(data.rstrip(b"\\"))) % 2:
            data, self.held = data[:-1], b"\\"  # its pair is in the next read
        if b"\\" in data:
            data = _ESCAPE.sub(b"__", data)
        if self.by_line:
            data = self._lines_closed(data)
        elif not self.record:
            self._first_record_find(data)
        starts_inside = self.in_string
        self._strings_follow(data)
        self._numbers_check(data, starts_inside)
        self._nesting_follow(self._outside(data, starts_inside))

    def _lines_closed(self, data: bytes) -> bytes:
        """JSON Lines: each line on its own. A line that ends in a string (it is not valid JSON,
        and its parser says so) has the string closed at its end, so that the lines after it
        are judged as if it were not there."""
        opened = b'"' if self.in_string else b""  # a string goes on from the last read
        quotes = (opened + data.translate(None, _NOT_QUOTES_NOR_NEWLINES)).replace(b'""', b"")
        if b'"' not in quotes[: quotes.rfind(b"\n") + 1]:
            return data  # every line ends outside strings (the last may go on in the next read)
        return _LINE_LEFT_IN_STRING.sub(rb'\g<0>"', opened + data)[len(opened) :]

    def _first_record_find(self, data: bytes) -> None:
        """JSON: the first record begins at the first byte after the array's "[" that is neither
        white space nor the "]" of an empty array. (Each record after it, at a comma.)"""
        if not self.depth:  # the "[" is in this read, after a byte-order mark or white space
            start = data.find(b"[")
            if start == -1:
                return
            data = data[start + 1 :]
        first = data.lstrip(_JSON_WHITESPACE)[:1]
        if first and first != b"]":
            self.record = 1

    def _outside(self, data: bytes, inside: bool) -> bytes:
        """The brackets (and, for JSON Lines, newlines) of `data` that are not in a string, when
        it starts in one (`inside`) or not."""
        dropped = _NOT_SKELETON_NOR_NEWLINES if self.by_line else _NOT_SKELETON
        # Two quotes side by side hold nothing kept between them, in a string or out of one:
        # dropped, they leave the rest as it was. Most strings then leave no trace.
        skeleton = data.translate(None, dropped).replace(b'""', b"")
        if b'"' not in skeleton:
            return b"" if inside else skeleton
        parts = skeleton.split(b'"')
        return b"".join(parts[1::2] if inside else parts[0::2])

    def _strings_follow(self, data: bytes) -> None:
        """A string within one read is never longer than the limit (at least READ_SIZE): only
        the one that goes on from the last read, or into the next, is measured."""
        inside = self.in_string
        if inside:
            end = data.find(b'"')
            self.string_size += len(data) if end == -1 else end
            if self.string_size > self.limits.string_bytes:
                self._refuse(_too_long(self.limits))
            if end == -1:
                return  # the whole read is in the string
        self.in_string = inside != (data.count(b'"') % 2 == 1)
        self.string_size = len(data) - data.rfind(b'"') - 1 if self.in_string else 0

    def _numbers_check(self, data: bytes, inside: bool) -> None:
        """Refuse a run of digits longer than the limit outside strings. A run of that length
        anywhere is rare (a long number in a text, say): only then is each one looked at."""
        limit = self.limits.digits
        text = self.digits_held + data
        zeros = text.translate(_DIGITS_AS_ZEROS)
        if b"0" * (limit + 1) in zeros:
            quotes = at = 0  # the quotes before each run, counted once
            for found in _digits_run(limit).finditer(text):
                quotes, at = quotes + text.count(b'"', at, found.start()), found.start()
                if inside == (quotes % 2 == 0):
                    continue  # in a string
                before = max(0, found.start() - len(self.digits_held))
                self._nesting_follow(self._outside(data[:before], inside))
                self._refuse(_too_many_digits(self.limits))
        tail = min(len(zeros) - len(zeros.rstrip(b"0")), limit)
        self.digits_held = text[len(text) - tail :] if tail else b""

    def _nesting_follow(self, outside: bytes) -> None:
        """Follow the depth over the brackets outside strings, and count the records begun (JSON:
        the items of the array, whatever they are; JSON Lines: lines)."""
        brackets = outside.translate(_SQUARE)
        if not self.by_line:
            self._depth_follow(brackets)
            return
        for number, line in enumerate(brackets.split(b"\n")):
            if number:
                self.record, self.depth = self.record + 1, 0
            self._depth_follow(line)

    def _depth_follow(self, brackets: bytes) -> None:
        opening = brackets.count(b"[")
        if self.by_line and self.depth + opening <= self.limits.depth:
            self.depth += 2 * opening - len(brackets)  # cannot go deeper than the limit
            return
        depths = list(accumulate(map(_STEP.__getitem__, brackets), initial=self.depth))
        limit = self.limits.depth
        if max(depths) > limit:
            at = next(i for i, depth in enumerate(depths) if depth > limit)
            depths = depths[: at + 1]
        if not self.by_line:
            # The depth after each comma, picked out by its mark: at 1, it begins a record.
            marks = brackets[: len(depths) - 1].translate(_COMMAS)
            self.record += list(compress(depths[1:], marks)).count(1)
        self.depth = depths[-1]
        if self.depth > limit:
            self._refuse(_too_deep(self.limits))
