"""URL converters: address parts checked before a view sees them."""


class PartyCodeConverter:
    """A party's code: an ISO code (IN, SUHH) or a slug (hezbollah-lebanon), letters in either
    case (views find the party whatever the case). Anything else is not a party code, so the
    address does not match: a 404 without a query, and no stray byte (say a NUL, which
    PostgreSQL refuses in a string) ever reaches the database."""

    regex = "[A-Za-z0-9]{1,60}(?:-[A-Za-z0-9]{1,60}){0,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
