"""URL converters: address parts checked before a view sees them."""


def party_code(value: str) -> str:
    """The party code an address names: two letters in either case are an ISO 3166-1 code
    (in and IN name India); four capitals an ISO 3166-3 code; anything else a slug, as it is."""
    return value.upper() if len(value) == 2 else value


class PartyCodeConverter:
    """A party's code: two letters, either case (views upper-case them, see party_code()), an
    ISO 3166-3 code in capitals (SUHH), or a lower-case slug (hezbollah-lebanon). Anything else
    is not a party code, so the address does not match: a 404 without a query, and no stray
    byte (say a NUL, which PostgreSQL refuses in a string) ever reaches the database."""

    regex = "[A-Za-z]{2}|[A-Z]{4}|[a-z0-9]+(?:-[a-z0-9]+)*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
