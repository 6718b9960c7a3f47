"""Finding a quoted passage in a source's text, word for word.

Word for word means the same words in the same order; runs of white space and the typographic
form of quote marks, apostrophes and dashes may differ, since editors type them differently.
"""

import re

_EQUIVALENT = {
    "'": "'‘’‛′`",
    '"': '"“”„‟″',
    "-": "-‐‑‒–—―",
}
_CLASS_OF = {char: f"[{re.escape(group)}]" for group in _EQUIVALENT.values() for char in group}


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


def appears_in(text: str, passage: str) -> bool:
    return find_passage(text, passage) is not None
