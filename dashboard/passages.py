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
    Returns segments {"text", "marked", "starts", "ends"}: `marked` when a citation covers
    the segment, `starts` and `ends` the citations (with "number" added) whose passage starts
    or ends there.
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
                "starts": [c for c in found if c["start"] == start],
                "ends": [c for c in found if c["end"] == end],
            }
        )
    return segments


def passage_anchor(kind: str, slug: str) -> str:
    """The id of a record's cited passage on its source's page: a link from the record jumps
    there (`/sources/<slug>/#passage-deal-s-400-2018`)."""
    return f"passage-{kind}-{slug}"


def context_around(text: str, passage: str, width: int = 600) -> dict | None:
    """The passage with up to `width` characters of its source on either side, cut at word
    boundaries, so that the context never starts or ends inside a word."""
    span = find_passage(text, passage)
    if span is None:
        return None
    start, end = span
    before_start = _word_start_after(text, max(0, start - width), start)
    after_end = _word_end_before(text, min(len(text), end + width), end)
    return {
        "before": ("…" if before_start else "") + text[before_start:start],
        "passage": text[start:end],
        "after": text[end:after_end] + ("…" if after_end < len(text) else ""),
    }


def _word_start_after(text: str, cut: int, limit: int) -> int:
    """`cut`, or the start of the next word when `cut` falls inside one (at most `limit`)."""
    if cut == 0 or text[cut - 1].isspace():
        return cut
    space = _next_space(text, cut, limit)
    return limit if space is None else space + 1


def _word_end_before(text: str, cut: int, limit: int) -> int:
    """`cut`, or the end of the previous word when `cut` falls inside one (at least `limit`)."""
    if cut == len(text) or text[cut].isspace():
        return cut
    while cut > limit and not text[cut - 1].isspace():
        cut -= 1
    return cut if cut == limit else cut - 1


def _next_space(text: str, start: int, limit: int) -> int | None:
    for position in range(start, limit):
        if text[position].isspace():
            return position
    return None


def shortened(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut after a whole word, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return (text[:cut] if cut > 0 else text[: limit - 1]).rstrip(",;:—-") + "…"


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"\w+")


def nearest_passages(text: str, passage: str, limit: int = 3) -> list[str]:
    """The sentences of `text` sharing the most words with `passage`, best first: where an
    editor's excerpt that is not in its source probably comes from."""
    wanted = {word.lower() for word in _WORD.findall(passage or "")}
    if not wanted:
        return []
    scored = []
    for match in _SENTENCE.finditer(text or ""):
        sentence = match.group().strip()
        shared = len(wanted & {word.lower() for word in _WORD.findall(sentence)})
        if shared:
            scored.append((-shared, match.start(), sentence))
    return [sentence for _, _, sentence in sorted(scored)[:limit]]
