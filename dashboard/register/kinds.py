"""A deal's kind, from what the register states in a row's comment or weapon description.

SIPRI has no column for it; its comments say it in words. The first rule that matches wins:

| the row says                                                   | kind                  |
|----------------------------------------------------------------|-----------------------|
| "produced under licence", "licensed production", "assembled   | licensed production   |
| from kits", "licence-built"                                    |                       |
| "co-production", "co-developed", "joint development",          | co-development        |
| "jointly produced"                                             |                       |
| "leased", "lease", "on loan"                                   | lease                 |
| "for upgrade of", "modernization of", "upgrade kit", "retrofit"| upgrade or support    |
| in the comment only: "aid" ("military aid", "part of $x aid"), | aid or gift           |
| "gift", "gifted", "donated", "donation", "free of charge",     |                       |
| "for free", "at no cost", "without charge"                     |                       |
| nothing of these                                               | purchase (the default)|

"Second hand but modernized" is the deal's condition, not an upgrade: it is the status column.
Aid is read from clear words only: not from the description (a weapon is no gift), not from
"aid of" ("with the aid of" is help, not a gift), and not where the words before it in their
clause hedge or deny it ("probably aid", "possibly a gift", "not free of charge"), nor where
its sentence goes on to doubt it ("aid (probably)", "aid?").
Weaker words ("assistance", "support", "credit", "loan", "free" alone) keep the default. A row
whose comment states a kind above and aid ("leased free of charge") takes the kind above: the
table goes from what the deal is to how it is paid for.
"""

from __future__ import annotations

import re

from dashboard.models import Deal

_RULES = (
    (
        Deal.Kind.LICENSED_PRODUCTION,
        r"\blicen[cs]ed?[- ](?:produc|built|manufactur|assembl)"
        r"|\b(?:produced|built|manufactured|assembled)\s+under\s+licen[cs]e"
        r"|\bassembled\s+from\s+kits\b",
    ),
    (
        Deal.Kind.CO_DEVELOPMENT,
        r"\bco-?(?:produc|develop)|\bjoint(?:ly)?\s+(?:develop|produc)",
    ),
    (Deal.Kind.LEASE, r"\bleas(?:e|ed|ing)\b|\bon\s+loan\b"),
    (
        Deal.Kind.UPGRADE_SUPPORT,
        r"\bfor\s+(?:the\s+)?(?:upgrad\w*|moderni[sz]ation|refit\w*)\s+of\b"
        r"|\bupgrade\s+kits?\b|\bretrofit",
    ),
)
_PATTERNS = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _RULES]
_AID = re.compile(
    r"\baid\b(?!\s+of\b)|\bgift(?:s|ed)?\b|\bdonat(?:ed|ions?)\b"
    r"|\bfree\s+of\s+charge\b|\bfor\s+free\b|\bat\s+no\s+cost\b"
    r"|\bwithout\s+(?:charge|payment)\b",
    re.IGNORECASE,
)
# Words that, before the aid words in their clause, make them a guess or a denial.
_HEDGED = re.compile(
    r"\b(?:not|no|never|probably|possibly|perhaps|maybe|may|might|reportedly|allegedly"
    r"|unconfirmed|rumou?red|unclear)\b|\?",
    re.IGNORECASE,
)
# Words that, anywhere after them in their sentence ("aid (probably)"), make them a guess.
_GUESSED = re.compile(
    r"\b(?:probably|possibly|perhaps|maybe|reportedly|allegedly|unconfirmed)\b|\?",
    re.IGNORECASE,
)
# Where a clause ends: ";", ":", brackets, or a full stop or comma not inside a number; and
# a sentence: ";" or a full stop.
_CLAUSE_END = re.compile(r"[;:()]|[.,](?!\d)")
_SENTENCE_END = re.compile(r";|\.(?!\d)")


def row_kind(*, comment: str, description: str = "") -> str:
    """The deal kind the row's comment or description states; purchase when it states none."""
    text = f"{comment} {description}"
    for kind, pattern in _PATTERNS:
        if pattern.search(text):
            return str(kind)
    if _states_aid(comment):
        return str(Deal.Kind.AID)
    return str(Deal.Kind.PURCHASE)


def _states_aid(comment: str) -> bool:
    """Whether the comment says plainly that the weapons were aid or a gift."""
    for found in _AID.finditer(comment):
        before = _CLAUSE_END.split(comment[: found.start()])[-1]
        after = _SENTENCE_END.split(comment[found.end() :])[0]
        if not _HEDGED.search(before) and not _GUESSED.search(after):
            return True
    return False
