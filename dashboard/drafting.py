"""Drafting a fixture from a news article, for a person to review before anything is loaded.

Finds the direct quotations, attributes each one to the speaker the surrounding text names
("X said", "said X", "X told …", "he added" after a named speaker, "according to X"), tags the
known platforms each one mentions, and lists the money amounts, unit counts and years printed
near platform names as review notes. Where the text does not settle a question the draft says so
instead of guessing: a quotation it cannot attribute goes to a placeholder speaker, with the
reason. It reads the database to reuse existing people and to know the platforms; it never writes.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils.text import Truncator, slugify

from dashboard.models import Person, Platform, PlatformAlias, Source, Statement
from dashboard.partial_dates import PartialDate
from dashboard.passages import passage_pattern

# The speaker of a quotation the draft cannot attribute; its slug is slugify(name).
PLACEHOLDER_SLUG = "unattributed-review-needed"
PLACEHOLDER_NAME = "Unattributed (review needed)"
PLACEHOLDER_ROLE = (
    "Placeholder for quotations the draft could not attribute: replace it with the real speaker "
    "before the statements are published."
)
REVIEW_HEADING = "Review notes (from draft_fixture; delete them once dealt with):"

# --- Words the attribution rules are made of ---------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VERBS = _words(
    "said says told tells added adds noted notes stated states clarified concluded explained "
    "emphasised emphasized stressed underscored indicated remarked observed asserted insisted "
    "argued claimed warned announced declared confirmed replied responded commented "
    "acknowledged admitted affirmed reiterated recalled wrote described termed called assured "
    "highlighted urged vowed promised"
)
_VERB = r"\b(?:" + "|".join(sorted(_VERBS)) + r"|pointed\s+out)\b"
# Between a speaker and the verb: "Alipov further noted", "the IAF has termed".
_BETWEEN = r"(?:(?:has|have|had|was|is|also|further|later|then|again|earlier|[a-z]+ly)\s+){0,2}"

_TITLES = _words(
    "ambassador envoy president vice prime minister secretary deputy chief general gen lt "
    "lieutenant colonel col major maj brigadier admiral adm captain capt commander marshal air "
    "rear field mr mrs ms dr prof professor sir chairman chairperson chair director spokesperson "
    "spokesman spokeswoman foreign defence defense external affairs home finance senator governor "
    "king queen prince crown sheikh emir consul high commissioner army navy ceo head former "
    "acting junior senior official"
)
_DEMONYMS = _words(
    "russian indian chinese american pakistani french british german israeli ukrainian japanese "
    "australian iranian turkish saudi emirati italian korean canadian brazilian egyptian afghan "
    "bangladeshi nepali european soviet us u.s uk eu"
)
_INSTITUTIONS = _words(
    "ministry staff force forces army navy government office department agency council "
    "commission committee headquarters embassy company corporation limited ltd inc organisation "
    "organization bureau command kremlin pentagon parliament secretariat directorate service "
    "services"
)
_NOT_NAMES = _words(
    "sources officials experts analysts critics reports observers both it this that these those "
    "they we i you"
)
# "the envoy added" resolves to the last named speaker when the role says so.
_DESCRIPTORS = {
    "ambassador": ("ambassador", "envoy", "high commissioner"),
    "envoy": ("ambassador", "envoy", "high commissioner"),
    "diplomat": ("ambassador", "envoy", "diplomat", "consul"),
    "minister": ("minister",),
    "spokesperson": ("spokesperson", "spokesman", "spokeswoman"),
    "spokesman": ("spokesperson", "spokesman"),
    "spokeswoman": ("spokesperson", "spokeswoman"),
    "president": ("president",),
    "chief": ("chief",),
    "general": ("general", "gen"),
    "commander": ("commander",),
    "secretary": ("secretary",),
}
_LINKS = {"of", "the", "to", "and", "for", "on", "de", "da", "del", "van", "von", "bin", "al"}

_ABBREVIATED = r"(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Adm|Prof|Sen|Rep|Gov|St)\."
_WORD = rf"(?:{_ABBREVIATED}|[A-Z](?:[\w’'\-]|\.(?=[A-Za-z]))*)"
_ACRONYM = r"\([A-Z][A-Za-z&.\- ]*\)"
_LINK = r"(?:" + "|".join(sorted(_LINKS)) + r")"
_RUN = rf"(?<![\w’'\-.]){_WORD}(?:\s+(?:{_LINK}\s+)*{_WORD}|\s+{_ACRONYM})*"


def _subject(*, before_verb: bool) -> str:
    """A speaker: "he", "the envoy", or a name with the role around it, as the article gives it.

    Before the verb the role may come first ("Russian Ambassador to India, Denis Alipov, said")
    or after ("Denis Alipov, Russia's ambassador, said"); after the verb ("said Denis Alipov,
    Russia's ambassador") it can only follow, and runs to the next punctuation.
    """
    pronoun = r"(?P<pronoun>\b(?:[Hh]e|[Ss]he)\b)"
    descriptor = (
        rf"(?P<descriptor>\b[Tt]he\s+(?:[\w’'.\-]+\s+){{0,2}}?(?:{'|'.join(_DESCRIPTORS)})\b)"
    )
    the = r"(?:(?P<the>\b[Tt]he)\s+)?"
    role_after = r",\s+(?P<apposition>[^,;:“”\"\n]{2,150}?)"
    if before_verb:
        name = rf"{the}(?:(?P<lead>{_RUN}),\s+)?(?P<name>{_RUN})(?:{role_after},)?"
    else:
        name = rf"{the}(?P<name>{_RUN})(?:{role_after}(?=[,.;:“”\"]|$))?"
    return f"(?:{pronoun}|{descriptor}|{name})"


_SUBJECT_BEFORE_VERB = re.compile(rf"{_subject(before_verb=True)},?\s+{_BETWEEN}")
_VERB_THEN_SUBJECT = re.compile(rf"\s+{_subject(before_verb=False)}")
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+", re.IGNORECASE)
_CLAUSE_START = re.compile(
    r"(?:^|[,;:(\[—–”\"]|\b(?:that|which|who|and|but|while|as|when|after|before|because|so))"
    r"\s*$"
)
_VERB_RE = re.compile(_VERB)

# --- Sentences and quotations ------------------------------------------------------------------

_CURLY = re.compile(r"“([^“”\n]*)”")
_STRAIGHT = re.compile(r'"([^"\n]*)"')
_BOUNDARY = re.compile(r"[.!?]+[”\"’']*(?=\s+[“\"‘'(]?[A-Z0-9])")
_ABBREVIATION_END = re.compile(
    rf"(?:\b{_ABBREVIATED[:-2]}|\b(?:Jr|Sr|No|vs|etc|Inc|Ltd|Co|Corp)|\b[A-Z]|\b(?:[A-Z]\.)+[A-Z])"
    r"\.$"
)
_MIN_UTTERANCE_WORDS = 4
_SMALL_WORDS = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "the", "to", "with"}

# --- Figures near platform names ---------------------------------------------------------------

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_YEAR = re.compile(rf"(?:\b(?:{_MONTHS})\s+)?(?<![\w\-.$])(?:19|20)\d\d(?![\w\-])")
_MONEY = re.compile(
    r"(?:US\$|\$|€|£|₹|\bRs\.?\s?|\b(?:USD|INR|EUR|RUB)\s?)\d[\d,]*(?:\.\d+)?"
    r"(?:\s?(?:billion|million|trillion|crore|lakh|bn|mn)\b)?"
    r"|\b\d[\d,]*(?:\.\d+)?\s(?:billion|million|trillion|crore|lakh)\s"
    r"(?:dollars|rupees|euros|roubles|rubles)\b",
    re.IGNORECASE,
)
_NUMBER = (
    r"(?<![\w\-.$,])(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|hundred|a\s+dozen|dozens\s+of)"
)
_UNITS = (
    r"(?:units?|systems?|squadrons?|regiments?|batteries|battery|aircraft|jets?|fighters?|"
    r"helicopters?|tanks?|rifles?|submarines?|ships?|frigates?|vessels?|missiles?|launchers?)"
)
_COUNT_WORDS = r"(?:(?:more|additional|new|further|of\s+the|remaining)\s+)?"


@dataclass(frozen=True)
class Quotation:
    """Words between quote marks: `start` and `end` include the marks."""

    start: int
    end: int
    raw: str


@dataclass
class Speaker:
    name: str
    kind: str = Person.Kind.PERSON.value
    role: str = ""
    slug: str = ""  # the database's slug; for a new person, given when the draft is written


@dataclass
class Mention:
    """A speaker named next to a reporting verb: "Alipov said", "said Alipov", "according to"."""

    start: int
    verb_start: int
    verb_end: int
    form: str  # "before" (X said), "after" (said X) or "according"
    groups: dict[str, str | None]
    speaker: Speaker | None = None
    reason: str = ""


@dataclass(frozen=True)
class Attribution:
    speaker: Speaker | None
    reason: str = ""  # why there is no speaker


@dataclass(frozen=True)
class KnownPlatform:
    slug: str
    name: str
    pattern: str  # names and aliases, for use inside a larger expression

    def search(self, text: str) -> re.Match | None:
        return re.search(rf"(?<![\w\-]){self.pattern}s?(?![\w\-])", text, re.IGNORECASE)


@dataclass
class Reading:
    """An article taken apart: its sentences, quotations, and the speakers named in it."""

    text: str
    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    quotations: list[Quotation]
    known_people: dict[str, Speaker]  # by casefolded name, from the database
    speakers: dict[str, Speaker] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    # People named with a title anywhere ("Ambassador Denis Alipov met …"): where, and who.
    named: list[tuple[int, Speaker]] = field(default_factory=list)

    def paragraph_of(self, position: int) -> int:
        return next(i for i, (_, end) in enumerate(self.paragraphs) if position <= end)

    def sentence_of(self, position: int) -> tuple[int, int]:
        return next(span for span in self.sentences if span[0] <= position < span[1])


@dataclass
class Draft:
    objects: list[dict]
    notes: list[str]


# --- Reading the article -----------------------------------------------------------------------


def paragraphs_split(*, text: str) -> list[tuple[int, int]]:
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        stripped = line.group().strip()
        if stripped:
            start = line.start() + line.group().index(stripped)
            spans.append((start, start + len(stripped)))
    return spans


def quotations_find(*, text: str) -> list[Quotation]:
    """Words between “ and ”, or between straight double quotes, within one paragraph."""
    found = [Quotation(m.start(), m.end(), m.group(1)) for m in _CURLY.finditer(text)]
    for match in _STRAIGHT.finditer(text):
        if not any(q.start <= match.start() < q.end for q in found):
            found.append(Quotation(match.start(), match.end(), match.group(1)))
    return sorted((q for q in found if q.raw.strip()), key=lambda q: q.start)


def sentences_split(
    *, text: str, paragraphs: list[tuple[int, int]], quotations: list[Quotation]
) -> list[tuple[int, int]]:
    """Sentence spans; a full stop inside a quotation does not end the sentence around it."""
    spans = []
    for paragraph_start, paragraph_end in paragraphs:
        start = paragraph_start
        for match in _BOUNDARY.finditer(text, paragraph_start, paragraph_end):
            end = match.end()
            inside = any(q.start < end < q.end for q in quotations)
            if inside or _ABBREVIATION_END.search(text[start : match.start() + 1]):
                continue
            spans.append((start, end))
            start = end + len(text[end:paragraph_end]) - len(text[end:paragraph_end].lstrip())
        if start < paragraph_end:
            spans.append((start, paragraph_end))
    return spans


def people_known() -> dict[str, Speaker]:
    return {
        name.casefold(): Speaker(name=name, kind=kind, role=role, slug=slug)
        for slug, name, kind, role in Person.objects.values_list("slug", "name", "kind", "role")
    }


def article_read(*, text: str) -> Reading:
    paragraphs = paragraphs_split(text=text)
    quotations = quotations_find(text=text)
    reading = Reading(
        text=text,
        paragraphs=paragraphs,
        sentences=sentences_split(text=text, paragraphs=paragraphs, quotations=quotations),
        quotations=quotations,
        known_people=people_known(),
    )
    reading.named = people_named(reading=reading)
    reading.mentions = mentions_find(reading=reading)
    for mention in reading.mentions:
        mention.speaker, mention.reason = mention_resolve(reading=reading, mention=mention)
    return reading


# --- Quotations --------------------------------------------------------------------------------


def quotation_class(*, words: str) -> str:
    """Whether a quotation is an "utterance", a title-cased "name" or a scare-quoted "phrase"."""
    tokens = re.findall(r"[\w’'\-]+", words)
    significant = [token for token in tokens if token.lower() not in _SMALL_WORDS]
    if len(significant) >= 2 and all(token[0].isupper() for token in significant):
        return "name"
    return "utterance" if len(tokens) >= _MIN_UTTERANCE_WORDS else "phrase"


def quotation_words(*, text: str, quotation: Quotation, sentence_end: int) -> str:
    """The quoted words, without the comma (or stop) the article puts before an attribution."""
    words = quotation.raw.strip().rstrip(",;:").rstrip()
    attribution_follows = text[quotation.end : sentence_end].strip(" .!?\t")
    if attribution_follows and words.endswith(".") and not words.endswith(".."):
        words = words[:-1]
    return words


# --- Speakers ----------------------------------------------------------------------------------


def _is_title(token: str) -> bool:
    bare = token.lower().rstrip(".")
    return bare in _TITLES or bare in _DEMONYMS or bool(re.search(r"[’']s$", token))


def _names_a_role(phrase: str) -> bool:
    """ "Russia's ambassador to India" does; "Russia's" alone, or "adding that …", does not."""
    words = [word.lower().rstrip(".") for word in phrase.split()]
    return any(word in _TITLES for word in words)


def _personal_name(part: str) -> tuple[str, str] | None:
    """("Vladimir Putin", "Russian President") from "Russian President Vladimir Putin"."""
    if re.search(_ACRONYM, part):
        return None
    tokens = part.split()
    titles = []
    while tokens and _is_title(tokens[0]):
        titles.append(tokens.pop(0))
    tokens = [re.sub(r"[’']s$", "", token) for token in tokens]
    lowered = {token.lower() for token in tokens}
    if not tokens or lowered & (_LINKS | _INSTITUTIONS | _NOT_NAMES):
        return None
    if not all(token[0].isupper() for token in tokens) or len(tokens) > 4:
        return None
    return " ".join(tokens), " ".join(part.split()[: len(titles)])


def _full_name(*, reading: Reading, word: str) -> str | None:
    """The fullest form of a one-word name ("Alipov") the article gives ("Denis Alipov")."""
    for speaker in reading.speakers.values():
        if word in speaker.name.split() and len(speaker.name.split()) > 1:
            return speaker.name
    for run in re.finditer(_RUN, reading.text):
        for segment in re.split(rf"\s+{_LINK}\s+", run.group()):
            if word not in re.sub(r"[’']s\b", "", segment).split():
                continue
            found = _personal_name(segment)
            if found and len(found[0].split()) > 1:
                return found[0]
    return None


def role_find(*, text: str, name: str) -> str:
    """The role the article gives the person where it first names them in full."""
    named = re.escape(name)
    before = re.search(rf"({_RUN}),\s+{named}\s*,", text)
    if before and any(_is_title(token) for token in before.group(1).split()):
        return before.group(1)
    after = re.search(rf"{named},\s+([^,.;:“”\"\n]{{3,150}}?)[,.;]", text)
    if after and any(token.lower() in _TITLES for token in after.group(1).split()):
        return after.group(1).strip()
    prefix = re.search(rf"((?:{_WORD}\s+){{1,4}}){named}", text)
    if prefix:
        tokens = prefix.group(1).split()
        while tokens and not all(_is_title(token) for token in tokens):
            tokens.pop(0)
        return " ".join(tokens)
    return ""


def speaker_register(*, reading: Reading, speaker: Speaker) -> Speaker:
    """The one Speaker for this name: the database's person, or the article's new one."""
    key = speaker.name.casefold()
    if key in reading.known_people:
        return reading.speakers.setdefault(key, reading.known_people[key])
    registered = reading.speakers.setdefault(key, speaker)
    registered.role = registered.role or speaker.role
    return registered


def speaker_identify(
    *, reading: Reading, groups: dict[str, str | None]
) -> tuple[Speaker | None, str]:
    """The person or institution a name phrase stands for, or None with the reason."""
    parts = [groups[key] for key in ("name", "lead", "apposition") if groups.get(key)]
    phrase = ", ".join(groups[key] for key in ("lead", "name", "apposition") if groups.get(key))
    for index, part in enumerate(parts):
        found = _personal_name(part)
        if not found:
            continue
        name, titles = found
        others = [other for other in parts[:index] + parts[index + 1 :] if _names_a_role(other)]
        role = "; ".join(" ".join(r.split()) for r in [titles, *others] if r)
        if len(name.split()) == 1:
            full = _full_name(reading=reading, word=name)
            if full is None and name.casefold() not in reading.known_people:
                return None, f"the speaker is named only as “{name}”, with no full name to go by"
            name = full or name
        role = role or role_find(text=reading.text, name=name)
        return speaker_register(reading=reading, speaker=Speaker(name=name, role=role)), ""
    name = groups["name"]
    words = {word.lower() for word in re.sub(_ACRONYM, "", name).split()}
    institutional = re.search(_ACRONYM, name) or words & _INSTITUTIONS or groups.get("the")
    if institutional and not words & _NOT_NAMES:
        bare = " ".join(re.sub(_ACRONYM, "", name).split())
        role = name if re.search(_ACRONYM, name) else ""
        institution = Speaker(name=bare, kind=Person.Kind.INSTITUTION.value, role=role)
        return speaker_register(reading=reading, speaker=institution), ""
    return None, f"“{phrase}” does not read as the name of a person or an institution"


def people_named(*, reading: Reading) -> list[tuple[int, Speaker]]:
    """Each person the article names with a title ("Defence Minister Rajnath Singh"), where it
    names them, as the database knows them or with the title as their role."""
    named = []
    for run in re.finditer(_RUN, reading.text):
        for segment in re.split(rf"\s+{_LINK}\s+", run.group()):
            found = _personal_name(segment)
            if not found or not found[1] or len(found[0].split()) < 2:
                continue
            name, titles = found
            person = reading.known_people.get(name.casefold()) or Speaker(name=name, role=titles)
            named.append((run.start() + run.group().index(segment), person))
    return named


def _role_fits(speaker: Speaker, noun: str) -> bool:
    return any(title in speaker.role.lower() for title in _DESCRIPTORS[noun])


def _described_speaker(*, reading: Reading, mention: Mention) -> tuple[Speaker | None, str]:
    """Who "the ambassador" is: the one person named before it whose role says so, whether
    quoted or only named ("Ambassador Denis Alipov met …"); when two could be, nobody."""
    word = mention.groups["descriptor"]
    noun = word.split()[-1].lower()
    earlier = [(m.start, m.speaker) for m in reading.mentions if m.speaker is not None]
    earlier += reading.named
    fits: dict[str, Speaker] = {}
    for position, speaker in earlier:
        if position < mention.start and _role_fits(speaker, noun):
            fits.setdefault(speaker.name.casefold(), speaker)
    if len(fits) > 1:
        names = ", ".join(speaker.name for speaker in fits.values())
        return None, f"more than one person named before could be “{word}” ({names})"
    if fits:
        return speaker_register(reading=reading, speaker=next(iter(fits.values()))), ""
    return None, f"nobody named before “{word}” has a role that says so"


def _previous_speaker(*, reading: Reading, mention: Mention) -> tuple[Speaker | None, str]:
    """Who "he" or "the envoy" is: the last named speaker, in this or the previous paragraph."""
    word = mention.groups["pronoun"] or mention.groups["descriptor"]
    earlier = [m for m in reading.mentions if m.start < mention.start and m.speaker is not None]
    blocked = [
        m for m in reading.mentions if m.start < mention.start and m.reason and m.groups["name"]
    ]
    if not earlier:
        return None, f"“{word}” comes before any named speaker"
    last = earlier[-1]
    if blocked and blocked[-1].start > last.start:
        return None, f"the speaker named last before “{word}” could not be identified"
    if reading.paragraph_of(last.start) < reading.paragraph_of(mention.start) - 1:
        return None, f"no speaker is named in this or the previous paragraph before “{word}”"
    if mention.groups["pronoun"]:
        if last.speaker.kind != Person.Kind.PERSON:
            return None, f"“{word}” follows an institution, not a person"
        return last.speaker, ""
    noun = word.split()[-1].lower()
    if any(title in last.speaker.role.lower() for title in _DESCRIPTORS[noun]):
        return last.speaker, ""
    return None, f"the role of {last.speaker.name} does not say they are “{word}”"


def mention_resolve(*, reading: Reading, mention: Mention) -> tuple[Speaker | None, str]:
    if mention.groups["descriptor"]:
        return _described_speaker(reading=reading, mention=mention)
    if mention.groups["pronoun"]:
        return _previous_speaker(reading=reading, mention=mention)
    return speaker_identify(reading=reading, groups=mention.groups)


def _subject_before(sentence: str, verb_start: int) -> re.Match | None:
    """The longest speaker phrase ending just before the verb and starting a clause."""
    for word in re.finditer(r"(?<![\w’'\-.(])[\w(]", sentence[:verb_start]):
        if not _CLAUSE_START.search(sentence[: word.start()]):
            continue
        match = _SUBJECT_BEFORE_VERB.fullmatch(sentence, word.start(), verb_start)
        if match:
            return match
    return None


def mentions_find(*, reading: Reading) -> list[Mention]:
    """Every speaker named next to a reporting verb, in the order the article names them."""
    mentions = []
    for sentence_start, sentence_end in reading.sentences:
        sentence = reading.text[sentence_start:sentence_end]

        def inside_quote(position: int, offset: int = sentence_start) -> bool:
            return any(q.start <= offset + position < q.end for q in reading.quotations)

        for verb in _VERB_RE.finditer(sentence):
            if inside_quote(verb.start()):
                continue
            form, subject = "before", _subject_before(sentence, verb.start())
            if subject is None and re.search(r"[”\"]\s*,?\s*$", sentence[: verb.start()]):
                form, subject = "after", _VERB_THEN_SUBJECT.match(sentence, verb.end())
            if subject is not None:
                start = sentence_start + (subject.start() if form == "before" else verb.start())
                verb_span = (sentence_start + verb.start(), sentence_start + verb.end())
                mentions.append(Mention(start, *verb_span, form, subject.groupdict()))
        for according in _ACCORDING_TO.finditer(sentence):
            subject = _VERB_THEN_SUBJECT.match(sentence, according.end() - 1)
            if subject is not None and not inside_quote(according.start()):
                span = (sentence_start + according.start(), sentence_start + according.end())
                mentions.append(Mention(span[0], *span, "according", subject.groupdict()))
    return sorted(mentions, key=lambda m: (m.start, m.verb_start))


def _head_mention(*, reading: Reading, quotation: Quotation) -> tuple[Mention | None, str]:
    """The speaker named before the quotation in its sentence ("X said that both sides “…”")."""
    sentence_start = reading.sentence_of(quotation.start)[0]
    verbs = [
        verb
        for verb in _VERB_RE.finditer(reading.text, sentence_start, quotation.start)
        if not any(q.start <= verb.start() < q.end for q in reading.quotations)
    ]
    before = [
        m for m in reading.mentions if sentence_start <= m.start and m.verb_end <= quotation.start
    ]
    last = before[-1] if before else None
    if last and (last.form == "according" or verbs[-1].start() <= last.verb_start):
        return last, ""
    if verbs:
        return (
            None,
            f"the nearest “{verbs[-1].group()}” before it has no speaker the draft can name",
        )
    return None, ""


def _tail_mention(*, reading: Reading, quotation: Quotation) -> Mention | None:
    """The speaker named right after the quotation: "“…,” Alipov said", "“…,” said Alipov"."""
    sentence_end = reading.sentence_of(quotation.start)[1]
    tail = reading.text[quotation.end : sentence_end]
    tail_start = quotation.end + len(tail) - len(tail.lstrip(" ,"))
    tail_end = min(
        [q.start for q in reading.quotations if q.start >= quotation.end] + [sentence_end]
    )
    for mention in reading.mentions:
        if mention.start >= sentence_end:
            break
        if mention.start == tail_start and mention.form in ("before", "after"):
            return mention
        if mention.form == "according" and quotation.end <= mention.start < tail_end:
            return mention
    return None


def speaker_attribute(*, reading: Reading, quotation: Quotation) -> Attribution:
    """The speaker of a quotation, from its own sentence; None with the reason when unsure."""
    tail = _tail_mention(reading=reading, quotation=quotation)
    head, head_problem = _head_mention(reading=reading, quotation=quotation)
    found = [mention for mention in (tail, head) if mention is not None]
    if not found:
        return Attribution(
            None, head_problem or "its sentence names no speaker (“X said”, “according to X”)"
        )
    speakers = {id(m.speaker): m.speaker for m in found if m.speaker is not None}
    if len(speakers) > 1:
        names = " and ".join(speaker.name for speaker in speakers.values())
        return Attribution(None, f"its sentence names more than one speaker ({names})")
    if not speakers:
        return Attribution(None, found[0].reason)
    return Attribution(next(iter(speakers.values())))


# --- Platforms and figures ---------------------------------------------------------------------


def platforms_known() -> list[KnownPlatform]:
    """Every platform with its names and aliases, as patterns tolerant of dash and space style."""
    names: dict[str, list[str]] = {}
    for slug, name in Platform.objects.values_list("slug", "name"):
        names.setdefault(slug, [name])
    for slug, alias in PlatformAlias.objects.values_list("platform__slug", "name"):
        names[slug].append(alias)
    known = []
    for slug, (name, *aliases) in names.items():
        spellings = sorted({name, *aliases}, key=len, reverse=True)
        pattern = "|".join(passage_pattern(spelling).pattern for spelling in spellings)
        known.append(KnownPlatform(slug=slug, name=name, pattern=f"(?:{pattern})"))
    return known


def platforms_mentioned(*, text: str, platforms: list[KnownPlatform]) -> list[KnownPlatform]:
    """The known platforms named in `text`, by name or alias, in the order they first appear."""
    found = [(match.start(), p) for p in platforms if (match := p.search(text))]
    return [platform for _, platform in sorted(found, key=lambda pair: pair[0])]


def figures_find(*, sentence: str, platforms: list[KnownPlatform]) -> list[str]:
    """Money amounts, unit counts and years in a sentence that names `platforms`."""
    named = "|".join(platform.pattern for platform in platforms)
    counts = re.compile(
        rf"{_NUMBER}\s+{_COUNT_WORDS}(?:(?:{named})s?(?:\s+{_UNITS})?|{_UNITS})(?![\w\-])",
        re.IGNORECASE,
    )
    money = [m.group() for m in _MONEY.finditer(sentence)]
    units = [
        m.group() for m in counts.finditer(sentence) if not re.match(r"(?:19|20)\d\d\b", m.group())
    ]
    years = [m.group() for m in _YEAR.finditer(sentence)]
    found = [("money", money), ("units", units), ("years", years)]
    return [f"{label}: {', '.join(values)}" for label, values in found if values]


def review_notes_for_figures(
    *, reading: Reading, platforms: list[KnownPlatform], handled: set[tuple[int, int]]
) -> list[str]:
    """Figures near platform names in the sentences no deal was drafted from."""
    notes = []
    for start, end in reading.sentences:
        if (start, end) in handled:
            continue
        sentence = reading.text[start:end]
        named = platforms_mentioned(text=sentence, platforms=platforms)
        figures = figures_find(sentence=sentence, platforms=named) if named else []
        if figures:
            names = ", ".join(platform.name for platform in named)
            notes.append(f"Near {names} — {'; '.join(figures)} — in “{_shorten(sentence)}”")
    return notes


# --- The draft ---------------------------------------------------------------------------------


@dataclass
class Drafted:
    """A statement before it gets its slug."""

    kind: str
    words: str
    excerpt: str
    speaker: Speaker
    platforms: list[KnownPlatform]
    review: str = ""  # what the reviewer must do, added to the statement's date note


def _shorten(text: str, limit: int = 100) -> str:
    return Truncator(" ".join(text.split())).chars(limit)


def slug_free(*, base: str, taken: set[str], limit: int = 120) -> str:
    """`base`, or `base-2`, `base-3` …: never a slug the database (or this draft) already has."""
    base = base[:limit].rsplit("-", 1)[0] if len(base) > limit else base
    base = base.strip("-") or "draft"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base[: limit - len(str(number)) - 1]}-{number}"
    taken.add(slug)
    return slug


def statement_draft(
    *, reading: Reading, quotation: Quotation, platforms: list[KnownPlatform]
) -> tuple[Drafted | None, str]:
    """The statement for one quotation, or None; and a review note when there is one to make."""
    start, end = reading.sentence_of(quotation.start)
    words = quotation_words(text=reading.text, quotation=quotation, sentence_end=end)
    excerpt = reading.text[start:end]
    kind = quotation_class(words=words)
    if kind == "name":
        return None, f"“{words}” reads as a name, not something said; not drafted."
    attribution = speaker_attribute(reading=reading, quotation=quotation)
    mentioned = platforms_mentioned(text=excerpt, platforms=platforms)
    if kind == "phrase":
        phrase = words.rstrip(".")
        if attribution.speaker is None:
            return None, f"The quoted phrase “{phrase}” was not drafted: {attribution.reason}."
        review = (
            f"Reported speech drafted from the sentence around the quoted words “{phrase}”: "
            "rewrite the text as a plain paraphrase."
        )
        report = Statement.Kind.REPORT.value
        return Drafted(report, excerpt, excerpt, attribution.speaker, mentioned, review), ""
    quote = Statement.Kind.QUOTE.value
    if attribution.speaker is not None:
        return Drafted(quote, words, excerpt, attribution.speaker, mentioned), ""
    placeholder = Speaker(name=PLACEHOLDER_NAME, role=PLACEHOLDER_ROLE)
    speaker = speaker_register(reading=reading, speaker=placeholder)
    review = f"Speaker left for review: {attribution.reason}."
    note = f"No speaker for the quotation “{_shorten(words, 60)}”: {attribution.reason}."
    return Drafted(quote, words, excerpt, speaker, mentioned, review), note


def people_new(*, speakers: list[Speaker]) -> list[dict]:
    """Person objects for the speakers the database does not know, giving each a free slug."""
    taken = set(Person.objects.values_list("slug", flat=True))
    people = []
    for speaker in {id(speaker): speaker for speaker in speakers}.values():
        if not speaker.slug:
            speaker.slug = slug_free(base=slugify(speaker.name), taken=taken)
            fields = {"slug": speaker.slug, "name": speaker.name, "kind": speaker.kind}
            fields |= {"role": speaker.role, "party": None}
            people.append({"model": "dashboard.person", "fields": fields})
    return people


def _dates(*, published: PartialDate | None) -> tuple[str, str, str]:
    """The statements' date, their date note, and the source's date note."""
    if published is None:
        year = str(datetime.date.today().year)
        return (
            year,
            "Placeholder: no publication date was given (--published), so this is the year the "
            f"draft was made ({year}). Set the date the article supports.",
            "No publication date was given when drafting (--published). Set it from the article "
            "and say here how it was established.",
        )
    return (
        published.isoformat(),
        f"Dated to the article's publication ({published}), as given by --published when "
        "drafting; the article may say more exactly when it was said.",
        f"Given as --published {published.isoformat()} when drafting. Check it against the "
        "article, and say here whether it is printed or inferred from the text.",
    )


def _source_notes(*, text: str, slug: str, wanted: str) -> list[str]:
    notes = []
    if slug != wanted:
        notes.append(f"A source with the slug “{wanted}” exists already; this one is “{slug}”.")
    for title in Source.objects.filter(text=text).values_list("title", flat=True):
        notes.append(f"This article is in the database already, as the source “{title}”.")
    return notes


def source_object(
    *,
    slug: str,
    title: str,
    publisher: str,
    url: str,
    published: PartialDate | None,
    note: str,
    text: str,
) -> dict:
    return {
        "model": "dashboard.source",
        "fields": {
            "slug": slug,
            "title": title,
            "publisher": publisher,
            "url": url,
            "published": published.isoformat() if published else None,
            "date_note": note,
            "text": text,
        },
    }


def statement_objects(
    *, drafted: list[Drafted], source: str, published: PartialDate | None
) -> list[dict]:
    """The statements, in the article's order, with slugs made from the source's."""
    date, date_note, _ = _dates(published=published)
    taken = set(Statement.objects.values_list("slug", flat=True))
    return [
        {
            "model": "dashboard.statement",
            "fields": {
                "slug": slug_free(base=f"{source[:100]}-{number}", taken=taken),
                "speaker": [statement.speaker.slug],
                "date": date,
                "date_note": f"{statement.review} {date_note}".strip(),
                "kind": statement.kind,
                "text": statement.words,
                "source": [source],
                "excerpt": statement.excerpt,
                "platforms": [[platform.slug] for platform in statement.platforms],
                "deals": [],
            },
        }
        for number, statement in enumerate(drafted, start=1)
    ]


def article_draft(
    *,
    text: str,
    publisher: str,
    title: str = "",
    url: str = "",
    published: PartialDate | None = None,
) -> Draft:
    """The fixture objects for an article (its Source, new people, statements) and review notes.

    The review notes also go into the Source's date note, under REVIEW_HEADING, so they travel
    with the fixture file; a statement's own doubts (its speaker, its date) go into its date note.
    """
    reading = article_read(text=text)
    platforms = platforms_known()
    title = title or _shorten(text[slice(*reading.sentences[0])], limit=120)
    wanted = slug_free(base=slugify(title), taken=set(), limit=60)
    slug = slug_free(base=wanted, taken=set(Source.objects.values_list("slug", flat=True)))
    notes = _source_notes(text=text, slug=slug, wanted=wanted)
    drafted = []
    for quotation in reading.quotations:
        statement, note = statement_draft(
            reading=reading, quotation=quotation, platforms=platforms
        )
        drafted += [statement] if statement else []
        notes += [note] if note else []
    from dashboard.drafting_records import records_draft, records_objects, speakers_of

    records = records_draft(reading=reading, platforms=platforms, source=slug, published=published)
    notes += records.notes
    notes += review_notes_for_figures(
        reading=reading, platforms=platforms, handled=records.handled
    )
    if not platforms:
        notes.append("The database knows no platforms, so none were tagged and no figures listed.")
    if published is None:
        notes.append("No --published date: the statements carry this year as a placeholder.")
    source_note = _dates(published=published)[2]
    if notes:
        source_note += "\n\n" + REVIEW_HEADING + "".join(f"\n- {note}" for note in notes)
    source = source_object(
        slug=slug,
        title=title,
        publisher=publisher,
        url=url,
        published=published,
        note=source_note,
        text=text,
    )
    people = people_new(speakers=[d.speaker for d in drafted] + speakers_of(records))
    statements = statement_objects(drafted=drafted, source=slug, published=published)
    proposed = records_objects(drafting=records)
    return Draft(objects=[source, *people, *statements, *proposed], notes=notes)
