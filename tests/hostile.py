"""Hostile fixture files, each with the words its refusal says: for the tests and for
bench/loadtest.py's hostile mix (no Django import, so the benchmark can read it)."""

HUGE_INTEGER = b'[{"model":"dashboard.party","fields":{"name":' + b"9" * 4301 + b"}}]"


YAML_PARTY = b"- model: dashboard.party\n  fields: {name: A, code: FR}\n"


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HOSTILE = {
    # ijson's C backend segfaulted on an integer of more than 4,300 digits.
    "huge-integer.json": (HUGE_INTEGER, "record 1 (?) -: A number has more than 100 digits"),
    "huge-integer.jsonl": (
        b'{"model":"dashboard.party","fields":{"name":' + b"9" * 5000 + b"}}\n",
        "Line 1: A number has more than 100 digits",
    ),
    "huge-integer.yaml": (
        b"- model: dashboard.party\n  fields: {name: " + b"9" * 5000 + b"}\n",
        "record 1 (?) -: A number has more than 100 digits",
    ),
    # ijson's memory grew with the square of the nesting: 20,000 levels took 1 GB.
    "deep.json": (
        b'[{"model":"dashboard.party","fields":{"name":"A"}},' + nested(20_000) + b"]",
        "record 2 (?) -: Arrays and objects are nested more than 10 deep",
    ),
    "deep.jsonl": (b'{"model":"dashboard.party"}\n' + nested(20_000), "Line 2: Arrays and"),
    # Past libyaml's own limit (1,000), its parser stops before the record's first event.
    "deep.yaml": (
        YAML_PARTY + b"- " + nested(1_001) + b"\n",
        "record 2 (?) -: Arrays and objects are nested more than 10 deep (line 3, column 1002)",
    ),
    "deeper.yaml": (
        YAML_PARTY + b"- " + nested(100_000) + b"\n",
        "record 2 (?) -: Arrays and objects are nested more than 10 deep (line 3, column 1002)",
    ),
    "syntax-error.yaml": (
        YAML_PARTY * 2
        + b'- model: dashboard.party\n  fields: {name: "C, code: IT}\n'  # no closing quote
        + YAML_PARTY,
        "record 3 (?) -: Not valid YAML: found unexpected end of stream (line 9, column 1)",
    ),
    "deep-in-order.yaml": (b"- " + nested(20) + b"\n", "record 1 (?) -: Arrays and objects"),
    # A billion laughs: each alias doubles what the last one names.
    "laughs.yaml": (
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n",
        "YAML aliases (*a) are not accepted: write the value out.",
    ),
    "alias-as-name.yaml": (
        b"- model: dashboard.party\n  fields: {name: &n [lol, lol], code: FR}\n"
        b"- model: dashboard.party\n  fields: {name: *n, code: DE}\n",
        "record 2 (?) -: YAML aliases (*n) are not accepted",
    ),
}
