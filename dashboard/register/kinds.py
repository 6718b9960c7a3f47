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
| nothing of these                                               | purchase (the default)|

"Second hand but modernized" is the deal's condition, not an upgrade: it is the status column.
Aid and gifts ("aid", "gift", "donated") have no kind of their own among the project's deal
kinds; such rows keep the default, and the comment, kept verbatim on the citation, says so.
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


def row_kind(*, comment: str, description: str = "") -> str:
    """The deal kind the row's comment or description states; purchase when it states none."""
    text = f"{comment} {description}"
    for kind, pattern in _PATTERNS:
        if pattern.search(text):
            return str(kind)
    return str(Deal.Kind.PURCHASE)
