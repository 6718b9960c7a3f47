"""The records a draft proposes from an article's sentences: deals, engagements, agreements.

drafting.py reads the article (sentences, speakers, platforms); this module looks in each
sentence for a deal ("India bought five S-400 units in 2018 for about $5.4 billion"), an
engagement ("the 5th Meeting of …", "visit to …", "held talks with …", "… exercise",
"co-chaired by …") or an agreement ("signed an agreement on …"), and proposes the record with
that sentence as its excerpt. A value it cannot settle (a buyer not named, two dates, two
amounts) is left out and said in a review note rather than guessed. Records the database holds
already (the same deal, the same session of a body, the same visit) are cited, not repeated.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.text import capfirst, slugify

from dashboard.drafting import (
    _ACRONYM,
    _RUN,
    Reading,
    Speaker,
    _personal_name,
    platforms_mentioned,
    slug_free,
    speaker_register,
)
from dashboard.models import (
    Agreement,
    Deal,
    Engagement,
    Party,
    Platform,
    StandingBody,
)
from dashboard.partial_dates import PartialDate

_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH = "|".join(_MONTH_NAMES)
_YEAR = r"(?:19|20)\d\d"
_DATES = [
    ("day", re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\s+({_YEAR})\b")),
    ("day-us", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}),\s+({_YEAR})\b")),
    ("month", re.compile(rf"\b({_MONTH})\s+({_YEAR})\b")),
    ("year", re.compile(rf"(?<![\w\-.$,]){_YEAR}(?![\w\-])")),
    ("bare-month", re.compile(rf"\b(?:in|by|from|next|this|last)\s+({_MONTH})\b(?!\s+\d)")),
]
_NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
} | {"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100}
_NUMBER = r"(?:\d[\d,]*|" + "|".join(_NUMBER_WORDS) + r")"
_ORDINAL_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_ORDINAL = r"(?:\d{1,3}(?:st|nd|rd|th)|" + "|".join(_ORDINAL_WORDS) + r")"

_CURRENCIES = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP"}
_CURRENCIES |= {"₹": "INR", "rs": "INR", "rs.": "INR", "inr": "INR", "rub": "RUB"}
_CURRENCY_WORDS = {"dollars": "USD", "rupees": "INR", "euros": "EUR", "roubles": "RUB"}
_CURRENCY_WORDS["rubles"] = "RUB"
_SCALES = {"trillion": 10**12, "billion": 10**9, "bn": 10**9, "million": 10**6, "mn": 10**6}
_SCALES |= {"crore": 10**7, "lakh": 10**5}
_AMOUNT = re.compile(
    r"(?P<symbol>US\$|\$|€|£|₹|\bRs\.?\s?|\b(?:USD|INR|EUR|RUB)\s?)(?P<number>\d[\d,]*(?:\.\d+)?)"
    r"(?:\s?(?P<scale>trillion|billion|million|crore|lakh|bn|mn)\b)?"
    r"|\b(?P<number2>\d[\d,]*(?:\.\d+)?)\s(?P<scale2>billion|million|trillion|crore|lakh)\s"
    r"(?P<word>dollars|rupees|euros|roubles|rubles)\b",
    re.IGNORECASE,
)

# Stage words, the first that fits wins: a cancelled order is cancelled whatever else it says.
_STAGES = [
    (Deal.Stage.CANCELLED, r"\b(?:cancel+ed|scrapped|terminated)\b"),
    (Deal.Stage.SIGNED, r"\b(?:signed|ordered|bought|purchased|contracted|contract|deal worth)\b"),
    (Deal.Stage.NEGOTIATING, r"\bnegotiat\w*"),
    (Deal.Stage.TALKS, r"\b(?:in talks|talks|discussions|discussing)\b"),
    (Deal.Stage.UNDER_CONSIDERATION, r"\b(?:considering|considers|weighing|evaluating)\b"),
]
_PLANNED = re.compile(
    r"\b(?:forthcoming|upcoming|planned|proposed|will|is to|are to|is due|expected to)\b"
    rf"|\bnext\s+(?:week|month|year|{_MONTH})\b",
    re.IGNORECASE,
)
_BODY_KINDS = [
    (StandingBody.Kind.WORKING_GROUP, r"\bworking group\b"),
    (StandingBody.Kind.COMMISSION, r"\bcommission\b"),
    (StandingBody.Kind.DIALOGUE, r"\b(?:dialogue|consultations?|talks)\b"),
]
_AGREEMENT_KINDS = [
    (Agreement.Kind.MOU, r"\b(?:memorandum|MoU)\b"),
    (Agreement.Kind.LOGISTICS, r"\blogistics?\b"),
    (Agreement.Kind.TECHNOLOGY, r"\b(?:technolog\w*|industrial|military-technical)\b"),
    (Agreement.Kind.FRAMEWORK, r"\bframework\b"),
    (Agreement.Kind.TREATY, r"\btreaty\b"),
]


@dataclass
class Proposal:
    """A record the draft proposes, with the sentences it rests on."""

    model: str
    fields: dict
    span: tuple[int, int]  # the sentences it rests on, in the article's text
    key: tuple = ()  # what makes two proposals the same record
    cites: str = ""  # the slug of a record in the database this sentence is about
    # Fields that name another proposal, filled with its slug once slugs are given.
    refers: dict[str, Proposal] = field(default_factory=dict)
    slug_base: str = ""  # what its slug is made from, when not its name
    participants: list[tuple[Speaker, str]] = field(default_factory=list)  # with their role
    citation: dict = field(default_factory=dict)  # what the source states, for a deal's citation


@dataclass
class Known:
    """What the database holds that proposals refer to."""

    parties: dict[str, str]  # name, casefolded, to code
    makers: dict[str, list[str]]  # platform slug to its makers' codes
    bodies: dict[str, str]  # name or abbreviation, casefolded, to slug
    body_parties: dict[str, list[str]]  # a standing body's slug to its parties' codes


def known_read() -> Known:
    parties = {name.casefold(): code for code, name in Party.objects.values_list("code", "name")}
    makers: dict[str, list[str]] = {}
    for slug, code in Platform.makers.through.objects.values_list("platform__slug", "party__code"):
        makers.setdefault(slug, []).append(code)
    bodies = {}
    for slug, name, abbreviation in StandingBody.objects.values_list(
        "slug", "name", "abbreviation"
    ):
        bodies[name.casefold()] = slug
        if abbreviation:
            bodies[abbreviation.casefold()] = slug
    body_parties: dict[str, list[str]] = {}
    for slug, code in StandingBody.parties.through.objects.values_list(
        "standingbody__slug", "party__code"
    ):
        body_parties.setdefault(slug, []).append(code)
    return Known(parties=parties, makers=makers, bodies=bodies, body_parties=body_parties)


# --- Dates, numbers, money ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dated:
    date: PartialDate | None
    note: str = ""


def date_in(*, sentence: str, published: PartialDate | None, planned: bool = False) -> Dated:
    """The one date a sentence states, at its precision; a bare month ("in December") gets
    its year from the publication, with a note; several dates, or none, give no date."""
    found, taken = [], []
    for kind, pattern in _DATES:
        for match in pattern.finditer(sentence):
            if any(start <= match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            found.append((kind, match))
    if not found:
        return Dated(None)
    precise = [item for item in found if item[0] != "year"] or found
    if len({match.group() for _, match in precise}) > 1:
        listed = ", ".join(f"“{match.group()}”" for _, match in precise)
        return Dated(None, f"it names more than one date ({listed})")
    kind, match = precise[0]
    if kind == "day":
        return Dated(PartialDate.parse(f"{match[1]} {match[2]} {match[3]}"))
    if kind == "day-us":
        return Dated(PartialDate.parse(f"{match[2]} {match[1]} {match[3]}"))
    if kind == "month":
        return Dated(PartialDate.parse(f"{match[1]} {match[2]}"))
    if kind == "year":
        return Dated(PartialDate(int(match.group())))
    if published is None:
        return Dated(None, f"it says “{match.group()}” and the article has no --published date")
    month = _MONTH_NAMES.index(match[1]) + 1
    year = published.year
    if planned and published.month and month < published.month:
        year += 1
    elif not planned and published.month and month > published.month:
        year -= 1
    note = (
        f"The article says “{match.group()}”; the year {year} is inferred from its publication "
        f"({published})."
    )
    return Dated(PartialDate(year, month), note)


def number_read(text: str) -> int:
    text = text.lower().replace(",", "")
    return _NUMBER_WORDS[text] if text in _NUMBER_WORDS else int(text)


def amounts_in(sentence: str) -> list[tuple[Decimal, str, str]]:
    """(value, ISO 4217 code, as printed) for each amount of money in the sentence."""
    found = []
    for match in _AMOUNT.finditer(sentence):
        if match["symbol"]:
            currency = _CURRENCIES[match["symbol"].strip().lower()]
            number, scale = match["number"], match["scale"]
        else:
            currency = _CURRENCY_WORDS[match["word"].lower()]
            number, scale = match["number2"], match["scale2"]
        value = Decimal(number.replace(",", "")) * _SCALES.get((scale or "").lower(), 1)
        found.append((value.quantize(Decimal("0.01")), currency, match.group().strip()))
    return found


def parties_in(*, text: str, known: Known) -> list[tuple[int, str]]:
    """(position, code) of each party named in `text`, by its name, in order."""
    found = []
    for name, code in known.parties.items():
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I):
            found.append((match.start(), code))
    return sorted(found)


# --- Deals -------------------------------------------------------------------------------------


def deal_propose(
    *, drafting: Drafting, span: tuple[int, int], platform
) -> tuple[Proposal | None, list[str]]:
    """The deal a sentence about one platform states, or None; and what it could not place."""
    sentence, known = drafting.reading.text[slice(*span)], drafting.known
    published = drafting.published
    stage = next(
        (stage for stage, words in _STAGES if re.search(words, sentence, re.IGNORECASE)), None
    )
    if stage is None:
        return None, []
    problems: list[str] = []
    parties = parties_in(text=sentence, known=known)
    seller = _party_after(sentence, parties, words=r"from|with|by")
    makers = known.makers.get(platform.slug, [])
    # The buyer is named before the platform, as the subject of the sentence.
    named_at = platform.search(sentence).start()
    buyers = [code for position, code in parties if code != seller and position < named_at]
    if seller is None and len(makers) == 1 and makers[0] not in buyers[:1]:
        seller = makers[0]
        buyers = [code for code in buyers if code != seller]
    buyer = buyers[0] if buyers else None
    if buyer is None or seller is None:
        missing = " and ".join(
            word for word, code in (("buyer", buyer), ("seller", seller)) if code is None
        )
        return None, [f"no deal drafted: the sentence does not name the {missing}"]
    named = platform.pattern
    quantity = _count(rf"(?P<n>{_NUMBER})\s+(?:(?:more|additional|new)\s+)?{named}", sentence)
    delivered = _count(
        rf"(?P<n>{_NUMBER})\s+(?:\w+\s+){{0,3}}?(?:have|has|had|were|was)\s+"
        r"(?:already\s+)?(?:been\s+)?delivered",
        sentence,
    )
    if quantity is not None and delivered is not None and delivered > quantity:
        problems.append(f"{delivered} delivered of {quantity} ordered does not add up")
        delivered = None
    if delivered is not None and stage == Deal.Stage.SIGNED:
        stage = Deal.Stage.COMPLETED if delivered == quantity else Deal.Stage.IN_DELIVERY
    amounts = amounts_in(sentence)
    value, currency = (amounts[0][0], amounts[0][1]) if len(amounts) == 1 else (None, "")
    if len(amounts) > 1:
        problems.append("more than one amount: " + ", ".join(a[2] for a in amounts))
    signed_stage = stage in Deal.Stage.signed_stages() or stage == Deal.Stage.CANCELLED
    dated = date_in(sentence=sentence, published=published) if signed_stage else Dated(None)
    if dated.note and dated.date is None:
        problems.append(f"no signing date: {dated.note}")
    notes = [f"Drafted from the sentence: stage “{Deal.Stage(stage).label}” from its words."]
    hedge = r"\b(?:about|around|nearly|some|approximately|over|more than)\s+"
    if len(amounts) == 1 and re.search(hedge + re.escape(amounts[0][2]), sentence):
        notes.append(f"The value is approximate: the article says it is about {amounts[0][2]}.")
    if dated.note and dated.date:
        notes.append(dated.note)
    notes.append("“Purchase” is the default kind, not read from the article.")
    year = dated.date.year if dated.date else None
    fields = {
        "title": f"{platform.name} {'order' if signed_stage else 'talks'}"
        + (f" ({year})" if year else ""),
        "buyer": [buyer],
        "seller": [seller],
        "platform": [platform.slug],
        "kind": Deal.Kind.PURCHASE.value,
        "stage": str(stage),
        "quantity": quantity,
        "quantity_delivered": delivered,
        "value_amount": str(value) if value is not None else None,
        "value_currency": currency,
        "signed": dated.date.isoformat() if dated.date else None,
        "notes": " ".join(notes),
    }
    citation = {
        "quantity": quantity,
        "quantity_delivered": delivered,
        "ordered": year,
        "value_amount": fields["value_amount"],
        "value_currency": currency,
    }
    proposal = Proposal(
        model="dashboard.deal",
        fields=fields,
        span=span,
        key=(buyer, seller, platform.slug, signed_stage, year),
        citation=citation,
    )
    proposal.cites = deal_existing(fields=fields, signed_stage=signed_stage, year=year)
    return proposal, problems


def _party_after(sentence: str, parties: list[tuple[int, str]], *, words: str) -> str | None:
    for position, code in parties:
        if re.search(rf"\b(?:{words})\s+(?:the\s+)?$", sentence[:position]):
            return code
    return None


def _count(pattern: str, sentence: str) -> int | None:
    counts = {
        number_read(m["n"])
        for m in re.finditer(pattern, sentence, re.IGNORECASE)
        if not re.fullmatch(_YEAR, m["n"])
    }
    return counts.pop() if len(counts) == 1 else None


def deal_existing(*, fields: dict, signed_stage: bool, year: int | None) -> str:
    """The slug of the one deal in the database this is: same buyer, seller and platform, at
    a stage on the same side of signature and, where both give one, ordered the same year."""
    stages = Deal.Stage.signed_stages() if signed_stage else Deal.Stage.pre_signature_stages()
    candidates = Deal.objects.filter(
        buyer__code=fields["buyer"][0],
        seller__code=fields["seller"][0],
        platform__slug=fields["platform"][0],
        stage__in=[*stages, Deal.Stage.CANCELLED] if signed_stage else stages,
    )
    if year is not None:
        candidates = candidates.filter(Q(signed__isnull=True) | Q(signed__startswith=str(year)))
    slugs = list(candidates.values_list("slug", flat=True)[:2])
    return slugs[0] if len(slugs) == 1 else ""


# --- Engagements and agreements ----------------------------------------------------------------

_VISIT = re.compile(
    rf"(?P<who>{_RUN})[’']s\s+(?:(?:[a-z\-]+|{_YEAR})\s+){{0,3}}?visit\s+to\s+(?P<place>{_RUN})"
    rf"|(?P<who2>{_RUN})\s+(?:paid\s+a\s+(?:\w+\s+)?visit\s+to|visited|will\s+visit|"
    rf"is\s+(?:due\s+)?to\s+visit|arrived\s+in)\s+(?P<place2>{_RUN})"
)
_SESSION = re.compile(
    rf"(?P<title>(?:(?P<ordinal>(?i:{_ORDINAL}))\s+)?(?:[Mm]eeting|[Ss]ession|[Rr]ound)\s+of\s+the\s+"
    rf"(?P<body>{_RUN}))(?:\s+under\s+the\s+(?P<parent>{_RUN}))?"
)
_TALKS = re.compile(rf"(?P<a>{_RUN})\s+(?:held\s+talks\s+with|met(?:\s+with)?)\s+(?P<b>{_RUN})")
_EXERCISE = re.compile(
    rf"\b[Ee]xercise\s+(?P<name>{_RUN})"
    rf"|(?P<name2>{_RUN})\s+(?:joint\s+)?(?:(?:naval|military|air|army|bilateral)\s+)?"
    r"exercises?\b"
)
_CO_CHAIRED = re.compile(r"\bco-chaired\s+by\s+(?P<people>[^;]+?)\s*(?:[.;]|$)")
_PERSON = re.compile(
    rf"^(?P<name>{_RUN}?)(?:\s+(?:from|of)\s+(?P<party>{_RUN}))?(?:,\s+(?P<role>.+?))?,?$"
)
_AGREEMENT = re.compile(
    r"\bsigned\s+(?:an?|the)\s+(?P<what>(?:[\w\-]+\s+){0,6}?"
    r"(?:agreement|memorandum of understanding|MoU|treaty|pact|protocol|accord)\b"
    r"(?:\s+(?:on|for|to)\s+[^,;]+?)?)(?=\s+(?:on|in|at|during)\s+\d|[,;.]|$)"
)
_PLACE = re.compile(rf"\b(?:held\s+in|in|at|off)\s+(?!(?:{_MONTH})\b)(?P<place>{_RUN})")


@dataclass
class Drafting:
    """What records_draft keeps as it goes through the article."""

    reading: Reading
    known: Known
    published: PartialDate | None
    source: str
    proposals: list[Proposal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    handled: set[tuple[int, int]] = field(default_factory=set)  # sentences a deal came from

    def note(self, span: tuple[int, int], problem: str) -> None:
        sentence = " ".join(self.reading.text[slice(*span)].split())
        shown = sentence if len(sentence) <= 100 else sentence[:99] + "…"
        self.notes.append(f"In “{shown}”: {problem}.")

    def article_parties(self) -> list[str]:
        """The two parties the article names most, for records whose sentence names none."""
        counts: dict[str, int] = {}
        for _, code in parties_in(text=self.reading.text, known=self.known):
            counts[code] = counts.get(code, 0) + 1
        return sorted(counts, key=lambda code: -counts[code])[:2]


def _person(drafting: Drafting, phrase: str, role: str = "") -> Speaker | None:
    found = _personal_name(re.sub(r"[’']s$", "", phrase.strip()))
    if not found:
        return None
    name, titles = found
    role = "; ".join(part for part in (titles, role) if part)[:300]
    return speaker_register(reading=drafting.reading, speaker=Speaker(name=name, role=role))


def _dated(drafting: Drafting, span, *, planned: bool) -> tuple[str, str]:
    """An engagement's start and its date note: stated, or the publication's year, said so."""
    sentence = drafting.reading.text[slice(*span)]
    dated = date_in(sentence=sentence, published=drafting.published, planned=planned)
    if dated.date:
        return dated.date.isoformat(), dated.note or "As the article states it."
    if dated.note:
        drafting.note(span, f"no date for the engagement: {dated.note}")
    if drafting.published:
        year, which = drafting.published.year, "it was published"
    else:
        year, which = datetime.date.today().year, "of the draft (no --published date)"
    return str(year), (
        f"Placeholder: the article gives no date, so this is the year {which}, {year}. Set the "
        "date the article supports."
    )


def _engagement(drafting: Drafting, span, *, kind: str, title: str, **fields) -> Proposal | None:
    sentence = drafting.reading.text[slice(*span)]
    planned = bool(_PLANNED.search(sentence))
    start, date_note = _dated(drafting, span, planned=planned)
    place = fields.pop("place", "")
    if not place and (found := _PLACE.search(sentence)):
        place = found["place"]
    place = re.sub(rf"\s*{_ACRONYM}$", "", place)
    country = drafting.known.parties.get(place.casefold())
    parties = [code for _, code in parties_in(text=sentence, known=drafting.known)]
    parties += fields.pop("parties", [])
    notes = fields.pop("notes", [])
    if not parties:
        parties = drafting.article_parties()
        notes.append("The sentence names no party: these are the parties the article names most.")
    parties = list(dict.fromkeys(parties + ([country] if country else [])))
    if not parties:
        drafting.note(span, f"no engagement drafted for “{title}”: the article names no party")
        return None
    status = Engagement.Status.PLANNED if planned else Engagement.Status.HELD
    values = {
        "title": title[:280],
        "kind": kind,
        "status": status.value,
        "start": start,
        "end": None,
        "date_note": date_note,
        "country": [country] if country else None,
        "place": place[:200],
        "parties": [[code] for code in parties],
        "body": None,
        "session_number": None,
        "notes": " ".join(["Drafted from the article: check every field.", *notes]),
        **fields,
    }
    return Proposal(model="dashboard.engagement", fields=values, span=span, key=(kind, title))


def engagements_find(drafting: Drafting, span: tuple[int, int]) -> list[Proposal]:
    text = drafting.reading.text
    sentence = text[slice(*span)]
    found = []
    for match in _SESSION.finditer(sentence):
        if proposal := session_propose(drafting, span, match):
            found.append(proposal)
    for match in _VISIT.finditer(sentence):
        who, place = match["who"] or match["who2"], match["place"] or match["place2"]
        visitor = _person(drafting, who)
        if visitor is None:
            continue
        proposal = _engagement(
            drafting, span, kind="visit", title=f"{visitor.name}'s visit to {place}", place=place
        )
        if proposal is None:
            continue
        year = proposal.fields["start"][:4]
        proposal.fields["title"] += f" ({year})"
        proposal.participants.append((visitor, "visitor"))
        proposal.cites = _visit_existing(visitor, year)
        found.append(proposal)
    for match in _TALKS.finditer(sentence):
        first, second = _person(drafting, match["a"]), _person(drafting, match["b"])
        if first is None or second is None:
            continue
        ministers = all("minister" in person.role.lower() for person in (first, second))
        kind = Engagement.Kind.MINISTERIAL if ministers else Engagement.Kind.TALKS
        title = f"Talks between {first.name} and {second.name}"
        proposal = _engagement(drafting, span, kind=kind.value, title=title)
        if proposal is None:
            continue
        proposal.fields["title"] += f" ({proposal.fields['start'][:4]})"
        proposal.participants += [(first, ""), (second, "")]
        found.append(proposal)
    for match in _EXERCISE.finditer(sentence):
        name = match["name"] or match["name2"]
        if name.split()[0].lower() in ("the", "a", "an", "this", "that"):
            name = " ".join(name.split()[1:])
        if not name:
            continue
        proposal = _engagement(drafting, span, kind="exercise", title=f"Exercise {name}")
        if proposal is None:
            continue
        proposal.fields["title"] += f" ({proposal.fields['start'][:4]})"
        found.append(proposal)
    return found


def session_propose(drafting: Drafting, span, match: re.Match) -> Proposal | None:
    ordinal = (match["ordinal"] or "").lower()
    number = (
        _ORDINAL_WORDS.index(ordinal) + 1
        if ordinal in _ORDINAL_WORDS
        else int(ordinal[:-2])
        if ordinal
        else None
    )
    sentence = drafting.reading.text[slice(*span)]
    body = body_find(drafting, span, match["body"], sentence[match.end("body") :])
    if body is None:
        return None
    parent = match["parent"] and body_find(
        drafting, span, match["parent"], sentence[match.end("parent") :], create=False
    )
    if isinstance(body, Proposal):
        if isinstance(parent, Proposal):
            body.refers["parent"] = parent
        elif parent:
            body.fields["parent"] = [parent]
        slug = body.fields["name"]  # stands for it until it has its slug
    else:
        slug = body
    parties = drafting.known.body_parties.get(slug, [])
    if isinstance(body, Proposal):
        parties = [code for (code,) in body.fields["parties"]]
    title = " ".join(match["title"].split())
    proposal = _engagement(
        drafting,
        span,
        kind="session",
        title=capfirst(title),
        body=[slug],
        session_number=number,
        parties=parties,
    )
    if proposal is None:
        return None
    if isinstance(body, Proposal):
        proposal.refers["body"] = body
    if number is None:
        return proposal  # a meeting with no number: nothing to match it by
    proposal.slug_base = f"{slugify(slug)}-{number}"
    proposal.key = ("session", slug, number)  # one session of each number per body
    existing = Engagement.objects.filter(body__slug=slug, session_number=number)
    proposal.cites = existing.values_list("slug", flat=True).first() or ""
    return proposal


def body_find(drafting: Drafting, span, name: str, rest: str, *, create: bool = True):
    """The slug of the standing body named, or a proposal for a new one, or None."""
    acronym = re.match(rf"\s*{_ACRONYM}", rest)
    bare = re.sub(rf"\s*{_ACRONYM}", "", name).strip()
    abbreviation = acronym.group().strip(" ()") if acronym else ""
    inner = re.search(_ACRONYM, name)
    abbreviation = abbreviation or (inner.group().strip("()") if inner else "")
    later = re.search(_ACRONYM, rest)
    for key in (bare, abbreviation, later.group().strip("()") if later else ""):
        if key and key.casefold() in drafting.known.bodies:
            return drafting.known.bodies[key.casefold()]
    for proposal in drafting.proposals:
        if proposal.model == "dashboard.standingbody" and proposal.fields["name"] == bare:
            return proposal
    if not create:
        return None
    kind = next(
        (kind for kind, words in _BODY_KINDS if re.search(words, bare, re.IGNORECASE)),
        StandingBody.Kind.OTHER,
    )
    sentence = drafting.reading.text[slice(*span)]
    parties = [code for _, code in parties_in(text=sentence, known=drafting.known)]
    parties = list(dict.fromkeys(parties)) or drafting.article_parties()
    if not parties:
        drafting.note(span, f"no standing body drafted for “{bare}”: no party is named")
        return None
    proposal = Proposal(
        model="dashboard.standingbody",
        fields={
            "slug": "",
            "name": bare[:300],
            "abbreviation": abbreviation[:60],
            "kind": str(kind),
            "parties": [[code] for code in parties],
            "parent": None,
            "chair": "",
            "notes": "Drafted from the article: check its name, kind, parties and parent.",
        },
        span=span,
        key=("body", bare),
    )
    drafting.proposals.append(proposal)
    return proposal


def _visit_existing(visitor: Speaker, year: str) -> str:
    if not visitor.slug:
        return ""
    visits = Engagement.objects.filter(
        kind=Engagement.Kind.VISIT, participations__person__slug=visitor.slug
    ).filter(start__startswith=year)
    slugs = list(visits.values_list("slug", flat=True)[:2])
    return slugs[0] if len(slugs) == 1 else ""


def co_chairs_add(drafting: Drafting, span, engagement: Proposal | None) -> None:
    sentence = drafting.reading.text[slice(*span)]
    match = _CO_CHAIRED.search(sentence)
    if match is None:
        return
    if engagement is None:
        drafting.note(span, "“co-chaired by” follows no engagement the draft found")
        return
    if engagement.cites:
        return  # the database has it, with its participants
    for part in re.split(r",?\s+and\s+(?=[A-Z])", match["people"], maxsplit=1):
        person = _PERSON.match(part.strip())
        speaker = person and _person(drafting, person["name"], (person["role"] or "").strip())
        if not speaker:
            drafting.note(span, f"“{part.strip()}” does not read as a person's name")
            continue
        if any(speaker is other for other, _ in engagement.participants):
            continue
        engagement.participants.append((speaker, "co-chair"))
        code = drafting.known.parties.get((person["party"] or "").casefold())
        if code and [code] not in engagement.fields["parties"]:
            engagement.fields["parties"].append([code])
    engagement.span = (engagement.span[0], span[1])  # its excerpt runs to this sentence


def agreement_find(drafting: Drafting, span, engagement: Proposal | None) -> Proposal | None:
    sentence = drafting.reading.text[slice(*span)]
    match = _AGREEMENT.search(sentence)
    if match is None:
        return None
    name = capfirst(" ".join(match["what"].split()))
    kind = next(
        (kind for kind, words in _AGREEMENT_KINDS if re.search(words, name, re.IGNORECASE)),
        Agreement.Kind.OTHER,
    )
    dated = date_in(sentence=sentence, published=drafting.published)
    signed = dated.date.isoformat() if dated.date else None
    date_note = "As the article states it." if signed else ""
    if signed is None and engagement is not None:
        signed = engagement.fields["start"]
        title = engagement.fields["title"]
        date_note = f"Dated to “{title}”, which the article tells just before."
    elif dated.note and signed is None:
        drafting.note(span, f"no signing date for the agreement: {dated.note}")
    parties = [code for _, code in parties_in(text=sentence, known=drafting.known)]
    if not parties and engagement is not None:
        parties = [code for (code,) in engagement.fields["parties"]]
    notes = ["Drafted from the article: check its name, kind and parties."]
    if not parties:
        parties = drafting.article_parties()
        notes.append("The sentence names no party: these are the parties the article names most.")
    if not parties:
        drafting.note(span, f"no agreement drafted for “{name}”: no party is named")
        return None
    fields = {
        "slug": "",
        "name": name[:300],
        "kind": str(kind),
        "status": Agreement.Status.SIGNED.value,
        "parties": [[code] for code in dict.fromkeys(parties)],
        "signed": signed,
        "in_force": None,
        "date_note": date_note,
        "engagement": None,
        "notes": " ".join(notes),
    }
    if engagement is not None:
        notes.append(f"Taken to be signed at “{engagement.fields['title']}”, told just before.")
    proposal = Proposal(
        model="dashboard.agreement",
        fields=fields,
        span=span,
        key=("agreement", fields["name"]),
    )
    if engagement is not None:
        proposal.refers["engagement"] = engagement
    existing = Agreement.objects.filter(name__iexact=fields["name"])
    proposal.cites = existing.values_list("slug", flat=True).first() or ""
    return proposal


# --- The whole article -------------------------------------------------------------------------


def records_draft(
    *, reading: Reading, platforms: list, source: str, published: PartialDate | None
) -> Drafting:
    """Every record the article's sentences propose, before their slugs are given."""
    drafting = Drafting(reading=reading, known=known_read(), published=published, source=source)
    if not drafting.known.parties:
        drafting.notes.append(
            "The database knows no parties, so no deals, engagements or agreements were drafted."
        )
        return drafting
    last, last_paragraph = None, -2
    for span in reading.sentences:
        paragraph = reading.paragraph_of(span[0])
        if paragraph > last_paragraph + 1:
            last = None
        sentence = reading.text[slice(*span)]
        named = platforms_mentioned(text=sentence, platforms=platforms)
        if len(named) == 1:
            deal, problems = deal_propose(drafting=drafting, span=span, platform=named[0])
            for problem in problems:
                drafting.note(span, problem)
            if deal is not None:
                drafting.handled.add(span)
                _add(drafting, deal)
        engagements = [e for e in engagements_find(drafting, span) if _add(drafting, e)]
        if engagements:
            last, last_paragraph = engagements[-1], paragraph
        co_chairs_add(drafting, span, last)
        agreement = agreement_find(drafting, span, last)
        if agreement is not None:
            _add(drafting, agreement)
    return drafting


def _add(drafting: Drafting, proposal: Proposal) -> bool:
    """Add the proposal unless the article proposed the same record already."""
    for other in drafting.proposals:
        if other.model == proposal.model and other.key == proposal.key:
            drafting.note(proposal.span, f"the same record as the {_label(other)} drafted before")
            return False
    drafting.proposals.append(proposal)
    return True


def _name(proposal: Proposal) -> str:
    return proposal.fields.get("title", proposal.fields.get("name"))


def _label(proposal: Proposal) -> str:
    return f"{proposal.model.split('.')[1]} “{_name(proposal)}”"


def speakers_of(drafting: Drafting) -> list[Speaker]:
    """The participants of the engagements proposed, to become people where they are new."""
    return [
        speaker
        for proposal in drafting.proposals
        if not proposal.cites
        for speaker, _ in proposal.participants
    ]


_SLUG_MODELS = {
    "dashboard.deal": Deal,
    "dashboard.engagement": Engagement,
    "dashboard.standingbody": StandingBody,
    "dashboard.agreement": Agreement,
}
_CITATIONS = {
    "dashboard.deal": ("dashboard.dealcitation", "deal"),
    "dashboard.engagement": ("dashboard.engagementcitation", "engagement"),
    "dashboard.standingbody": ("dashboard.standingbodycitation", "body"),
    "dashboard.agreement": ("dashboard.agreementcitation", "agreement"),
}


def records_objects(*, drafting: Drafting) -> list[dict]:
    """The fixture objects: each record, or for one the database holds only its new citation,
    with the sentences it rests on as the excerpt. Participants' people have slugs by now."""
    taken = {
        label: set(model.objects.values_list("slug", flat=True))
        for label, model in _SLUG_MODELS.items()
    }
    for proposal in drafting.proposals:
        if not proposal.cites:
            base = proposal.slug_base or proposal.fields.get("abbreviation") or _name(proposal)
            base = slugify(base)[:80].strip("-")
            proposal.fields["slug"] = slug_free(base=base, taken=taken[proposal.model])
    order = [
        "dashboard.standingbody",
        "dashboard.deal",
        "dashboard.engagement",
        "dashboard.agreement",
    ]
    objects, cited = [], set()
    for model in order:
        for proposal in (p for p in drafting.proposals if p.model == model):
            objects += _record_objects(drafting, proposal, cited)
    return objects


def _record_objects(drafting: Drafting, proposal: Proposal, cited: set) -> list[dict]:
    citation_model, owner = _CITATIONS[proposal.model]
    slug = proposal.cites or proposal.fields["slug"]
    objects = []
    if not proposal.cites:
        fields = dict(proposal.fields)
        for name, other in proposal.refers.items():
            fields[name] = [other.cites or other.fields["slug"]]
        objects.append({"model": proposal.model, "fields": {"slug": slug, **fields}})
        for speaker, role in proposal.participants:
            participant = {"engagement": [slug], "person": [speaker.slug], "role": role}
            objects.append({"model": "dashboard.engagementparticipant", "fields": participant})
    if (proposal.model, slug) in cited:
        return objects  # one citation of a record per source: the first sentence's
    cited.add((proposal.model, slug))
    citation = {
        owner: [slug],
        "source": [drafting.source],
        "excerpt": drafting.reading.text[slice(*proposal.span)],
    }
    if proposal.model == "dashboard.deal":
        citation |= proposal.citation
    objects.append({"model": citation_model, "fields": citation})
    return objects
