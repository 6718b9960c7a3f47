"""URL converters: address parts checked before a view sees them."""


class PartyCodeConverter:
    """Two letters, either case (views upper-case them). Anything else is not a party code,
    so the address does not match: a 404 without a query, and no stray byte (say a NUL, which
    PostgreSQL refuses in a string) ever reaches the database."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
