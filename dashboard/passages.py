"""Finding a quoted passage in a source's text, word for word.

Word for word means the same words in the same order; runs of white space and the typographic
form of quote marks, apostrophes and dashes may differ, since editors type them differently.
"""

import re
from functools import lru_cache

_EQUIVALENT = {
    "'": "'‘’‛′`",
    '"': '"“”„‟″',
    "-": "-‐‑‒–—―",
}
_CLASS_OF = {char: f"[{re.escape(group)}]" for group in _EQUIVALENT.values() for char in group}
# One pattern per plain mark, replaced without a Python call per match: faster than translate().
_MARKS = [
    (re.compile(f"[{re.escape(group.replace(plain, ''))}]"), plain)
    for plain, group in _EQUIVALENT.items()
]


def _token_pattern(token: str) -> str:
    return "".join(_CLASS_OF.get(char) or re.escape(char) for char in token)


def passage_pattern(passage: str) -> re.Pattern | None:
    tokens = passage.split()
    if not tokens:
        return None
    return re.compile(r"\s+".join(_token_pattern(token) for token in tokens))


def find_passage(text: str, passage: str) -> tuple[int, int] | None:
    """Where `passage` stands in `text`, as (start, end), or None when it does not."""
    pattern = passage_pattern(passage or "")
    match = pattern.search(text or "") if pattern else None
    return match.span() if match else None


# A text at least this long is searched through an index of where its words start, for
# passages that start a word (a register export's rows, 28,000 excerpts of one text): a plain
# search reads half the text for each and took 16 s for them all. Shorter texts are searched
# directly, at no cost to build.
INDEXED_FROM = 100_000
_PREFIX = 32


def appears_in(text: str, passage: str) -> bool:
    """Whether `passage` stands in `text` word for word: the answer find_passage() gives, by
    comparing both with white space collapsed and equivalent marks made one, so no pattern is
    compiled (the fixture loader asks this of every quote and excerpt it reads)."""
    wanted = normalised(passage or "")
    if not wanted:
        return False
    text = _normalised_text(text or "")
    if len(text) >= INDEXED_FROM and len(wanted) >= _PREFIX:
        starts = _word_starts(text).get(wanted[:_PREFIX], ())
        if any(text.startswith(wanted, start) for start in starts):
            return True
    return wanted in text


def normalised(text: str) -> str:
    """`text` as appears_in() compares it: plain quote marks and dashes, white space collapsed.
    Normalising is idempotent, so a normalised text gives appears_in() the same answers."""
    for marks, plain in _MARKS:
        text = marks.sub(plain, text)
    return " ".join(text.split())


@lru_cache(maxsize=64)
def _normalised_text(text: str) -> str:
    # Many passages are checked against the same source in a row.
    return normalised(text)


@lru_cache(maxsize=4)
def _word_starts(text: str) -> dict[str, list[int]]:
    """For a normalised text: the first characters of each word there -> where it starts."""
    starts: dict[str, list[int]] = {}
    position = 0
    while position >= 0:
        starts.setdefault(text[position : position + _PREFIX], []).append(position)
        position = text.find(" ", position)
        position = position + 1 if position >= 0 else -1
    return starts


def highlight(text: str, citations: list[dict]) -> list[dict]:
    """Split `text` into segments for display, marking every cited passage.

    `citations` are dicts with at least "passage"; each one found in the text gets a "number"
    (in place), so the caller can tell which passages could not be located.
    Returns segments {"text", "marked", "ends"}: `marked` when a citation covers the segment,
    `ends` the citations (with "number" added) whose passage ends there.
    """
    found = []
    for citation in citations:
        span = find_passage(text, citation["passage"])
        if span:
            citation.update(start=span[0], end=span[1])
            found.append(citation)
    found.sort(key=lambda c: (c["start"], c["end"]))
    for number, citation in enumerate(found, start=1):
        citation["number"] = number
    cuts = sorted({0, len(text)} | {c["start"] for c in found} | {c["end"] for c in found})
    segments = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [c for c in found if c["start"] <= start and end <= c["end"]]
        segments.append(
            {
                "text": text[start:end],
                "marked": bool(covering),
                "ends": [c for c in found if c["end"] == end],
            }
        )
    return segments


def context_around(text: str, passage: str, width: int = 600) -> dict | None:
    """The passage with up to `width` characters of its source on either side."""
    span = find_passage(text, passage)
    if span is None:
        return None
    start, end = span
    before_start = max(0, start - width)
    after_end = min(len(text), end + width)
    return {
        "before": ("…" if before_start else "") + text[before_start:start],
        "passage": text[start:end],
        "after": text[end:after_end] + ("…" if after_end < len(text) else ""),
    }
