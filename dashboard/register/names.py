"""SIPRI's names for the parties to a transfer, placed as the dashboard's parties.

A state is found by its plain English name in pycountry (ISO 3166-1), or, where SIPRI spells it
its own way (Turkiye, UAE, DR Congo, Saint Vincent), in SPELLINGS. Former states have their ISO
3166-3 code where there is one (Soviet Union: SUHH) and a slug where there is none (North Yemen),
and a successor. Entities with limited recognition get slugs. SIPRI marks a non-state armed
group with "*" and an international organisation with "**"; their slugs come from the name.
A name none of this places is not guessed: `party_place` returns None and the import says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry
from django.utils.text import slugify

STATE = "state"
FORMER_STATE = "former_state"
UNRECOGNISED = "unrecognised"
ARMED_GROUP = "armed_group"
ORGANISATION = "organisation"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class PartyPlace:
    code: str
    name: str
    kind: str = STATE
    iso3: str | None = None
    successor: str | None = None  # the code of the state that continues a former state


# SIPRI's spelling -> (ISO 3166-1 alpha-2, the name the dashboard gives a new party).
SPELLINGS: dict[str, tuple[str, str]] = {
    "Turkiye": ("TR", "Türkiye"),
    "Turkey": ("TR", "Türkiye"),
    "eSwatini": ("SZ", "Eswatini"),
    "Eswatini": ("SZ", "Eswatini"),
    "Swaziland": ("SZ", "Eswatini"),
    "UAE": ("AE", "United Arab Emirates"),
    "United Arab Emirates": ("AE", "United Arab Emirates"),
    "UK": ("GB", "United Kingdom"),
    "United Kingdom": ("GB", "United Kingdom"),
    "United States": ("US", "United States"),
    "USA": ("US", "United States"),
    "DR Congo": ("CD", "DR Congo"),
    "Zaire": ("CD", "DR Congo"),
    "Congo": ("CG", "Congo"),
    "Bosnia-Herzegovina": ("BA", "Bosnia and Herzegovina"),
    "Bosnia and Herzegovina": ("BA", "Bosnia and Herzegovina"),
    "Cote d'Ivoire": ("CI", "Côte d'Ivoire"),
    "Côte d'Ivoire": ("CI", "Côte d'Ivoire"),
    "Ivory Coast": ("CI", "Côte d'Ivoire"),
    "Saint Vincent": ("VC", "Saint Vincent and the Grenadines"),
    "Saint Vincent and the Grenadines": ("VC", "Saint Vincent and the Grenadines"),
    "Saint Kitts and Nevis": ("KN", "Saint Kitts and Nevis"),
    "Saint Lucia": ("LC", "Saint Lucia"),
    "Antigua and Barbuda": ("AG", "Antigua and Barbuda"),
    "Trinidad and Tobago": ("TT", "Trinidad and Tobago"),
    "Russia": ("RU", "Russia"),
    "Iran": ("IR", "Iran"),
    "Syria": ("SY", "Syria"),
    "Laos": ("LA", "Laos"),
    "Viet Nam": ("VN", "Viet Nam"),
    "Vietnam": ("VN", "Viet Nam"),
    "North Korea": ("KP", "North Korea"),
    "South Korea": ("KR", "South Korea"),
    "Korea, North": ("KP", "North Korea"),
    "Korea, South": ("KR", "South Korea"),
    "Taiwan": ("TW", "Taiwan"),
    "Taiwan (ROC)": ("TW", "Taiwan"),
    "China": ("CN", "China"),
    "Moldova": ("MD", "Moldova"),
    "Tanzania": ("TZ", "Tanzania"),
    "Bolivia": ("BO", "Bolivia"),
    "Venezuela": ("VE", "Venezuela"),
    "Brunei": ("BN", "Brunei"),
    "Cape Verde": ("CV", "Cape Verde"),
    "Cabo Verde": ("CV", "Cape Verde"),
    "Czechia": ("CZ", "Czechia"),
    "Czech Republic": ("CZ", "Czechia"),
    "Slovakia": ("SK", "Slovakia"),
    "North Macedonia": ("MK", "North Macedonia"),
    "Macedonia": ("MK", "North Macedonia"),
    "Macedonia (FYROM)": ("MK", "North Macedonia"),
    "FYROM": ("MK", "North Macedonia"),
    "Myanmar": ("MM", "Myanmar"),
    "Burma": ("MM", "Myanmar"),
    "Timor-Leste": ("TL", "Timor-Leste"),
    "East Timor": ("TL", "Timor-Leste"),
    "Gambia": ("GM", "Gambia"),
    "The Gambia": ("GM", "Gambia"),
    "Bahamas": ("BS", "Bahamas"),
    "Micronesia": ("FM", "Micronesia"),
    "Palestine": ("PS", "Palestine"),
    "Palestinian Territories": ("PS", "Palestine"),
    "Vatican": ("VA", "Holy See"),
    "Holy See": ("VA", "Holy See"),
    "Kyrgyzstan": ("KG", "Kyrgyzstan"),
    "Guinea-Bissau": ("GW", "Guinea-Bissau"),
    "Central African Republic": ("CF", "Central African Republic"),
    "CAR": ("CF", "Central African Republic"),
    "Equatorial Guinea": ("GQ", "Equatorial Guinea"),
    "Papua New Guinea": ("PG", "Papua New Guinea"),
    "Dominican Republic": ("DO", "Dominican Republic"),
    "Netherlands": ("NL", "Netherlands"),
    # SIPRI's Germany includes West Germany (FRG) before 1990.
    "Germany": ("DE", "Germany"),
    "Germany (FRG)": ("DE", "Germany"),
    "West Germany (FRG)": ("DE", "Germany"),
    "West Germany": ("DE", "Germany"),
    "FRG": ("DE", "Germany"),
    "Serbia": ("RS", "Serbia"),
    "Montenegro": ("ME", "Montenegro"),
    "Sao Tome and Principe": ("ST", "Sao Tome and Principe"),
    "São Tomé and Príncipe": ("ST", "Sao Tome and Principe"),
    "Curacao": ("CW", "Curaçao"),
    "Bermuda": ("BM", "Bermuda"),
    "Hong Kong": ("HK", "Hong Kong"),
    "Macao": ("MO", "Macao"),
    "New Caledonia": ("NC", "New Caledonia"),
    "French Polynesia": ("PF", "French Polynesia"),
    "Greenland": ("GL", "Greenland"),
    "Cayman Islands": ("KY", "Cayman Islands"),
    "Aruba": ("AW", "Aruba"),
    "Solomon Islands": ("SB", "Solomon Islands"),
    "Marshall Islands": ("MH", "Marshall Islands"),
}

# Former states: SIPRI's name -> their place. ISO 3166-3 codes where there is one.
FORMER_STATES: dict[str, PartyPlace] = {
    "Soviet Union": PartyPlace("SUHH", "Soviet Union", FORMER_STATE, successor="RU"),
    "USSR": PartyPlace("SUHH", "Soviet Union", FORMER_STATE, successor="RU"),
    "East Germany (GDR)": PartyPlace("DDDE", "East Germany (GDR)", FORMER_STATE, successor="DE"),
    "East Germany": PartyPlace("DDDE", "East Germany (GDR)", FORMER_STATE, successor="DE"),
    "GDR": PartyPlace("DDDE", "East Germany (GDR)", FORMER_STATE, successor="DE"),
    "Czechoslovakia": PartyPlace("CSHH", "Czechoslovakia", FORMER_STATE, successor="CZ"),
    "Yugoslavia": PartyPlace("YUCS", "Yugoslavia", FORMER_STATE, successor="RS"),
    "Serbia and Montenegro": PartyPlace(
        "CSXX", "Serbia and Montenegro", FORMER_STATE, successor="RS"
    ),
    "South Yemen": PartyPlace("YDYE", "South Yemen", FORMER_STATE, successor="YE"),
    "Yemen Arab Republic (North Yemen)": PartyPlace(
        "north-yemen", "North Yemen", FORMER_STATE, successor="YE"
    ),
    "North Yemen": PartyPlace("north-yemen", "North Yemen", FORMER_STATE, successor="YE"),
    "South Vietnam": PartyPlace("south-vietnam", "South Vietnam", FORMER_STATE, successor="VN"),
    "North Vietnam": PartyPlace("VDVN", "North Vietnam", FORMER_STATE, successor="VN"),
    "Rhodesia": PartyPlace("RHZW", "Rhodesia", FORMER_STATE, successor="ZW"),
    "Southern Rhodesia": PartyPlace("RHZW", "Rhodesia", FORMER_STATE, successor="ZW"),
    "Dahomey": PartyPlace("DYBJ", "Dahomey", FORMER_STATE, successor="BJ"),
    "Upper Volta": PartyPlace("HVBF", "Upper Volta", FORMER_STATE, successor="BF"),
    "Zanzibar": PartyPlace("zanzibar", "Zanzibar", FORMER_STATE, successor="TZ"),
    "Netherlands Antilles": PartyPlace("ANHH", "Netherlands Antilles", FORMER_STATE),
    "Sikkim": PartyPlace("SKIN", "Sikkim", FORMER_STATE, successor="IN"),
}

# Entities with no or limited recognition.
UNRECOGNISED_NAMES: dict[str, PartyPlace] = {
    name: PartyPlace(slugify(shown), shown, UNRECOGNISED)
    for name, shown in {
        "Biafra": "Biafra",
        "Katanga": "Katanga",
        "Northern Cyprus": "Northern Cyprus",
        "Kosovo": "Kosovo",
        "Libya GNC": "Libya GNC",
        "Libya HoR": "Libya HoR",
        "Libya GNA": "Libya GNA",
        "Western Sahara": "Western Sahara",
        "Somaliland": "Somaliland",
        "Abkhazia": "Abkhazia",
        "South Ossetia": "South Ossetia",
        "Transnistria": "Transnistria",
        "Nagorno-Karabakh": "Nagorno-Karabakh",
        "Donetsk People's Republic": "Donetsk People's Republic",
        "Luhansk People's Republic": "Luhansk People's Republic",
        "Republika Srpska": "Republika Srpska",
        "Bophuthatswana": "Bophuthatswana",
        "Transkei": "Transkei",
        "Ciskei": "Ciskei",
        "Venda": "Venda",
        "Palestinian Authority": "Palestinian Authority",
    }.items()
}

# SIPRI's unknown parties. "unknown rebel group*" carries the armed-group mark but is no group.
UNKNOWN_NAMES: dict[str, PartyPlace] = {
    "unknown supplier(s)": PartyPlace("unknown-suppliers", "Unknown supplier(s)", UNKNOWN),
    "unknown recipient(s)": PartyPlace("unknown-recipients", "Unknown recipient(s)", UNKNOWN),
    "unknown rebel group*": PartyPlace("unknown-rebel-group", "Unknown rebel group", UNKNOWN),
    "unknown rebel groups*": PartyPlace("unknown-rebel-group", "Unknown rebel group", UNKNOWN),
    "unknown country": PartyPlace("unknown-country", "Unknown country", UNKNOWN),
}


@cache
def party_place(name: str) -> PartyPlace | None:
    """Where SIPRI's `name` belongs among the parties, or None when nothing places it."""
    name = " ".join(name.split())
    if not name:
        return None
    if (place := UNKNOWN_NAMES.get(name.lower())) is not None:
        return place
    if name.endswith("**"):
        shown = name[:-2].strip()
        return _slugged(shown, ORGANISATION)
    if name.endswith("*"):
        shown = name[:-1].strip()
        return _slugged(shown, ARMED_GROUP)
    for table in (FORMER_STATES, UNRECOGNISED_NAMES):
        if name in table:
            return table[name]
    if name in SPELLINGS:
        code, shown = SPELLINGS[name]
        return _state(code, shown)
    country = _country_named(name)
    if country is not None:
        return _state(country.alpha_2, name)
    return None


def _slugged(shown: str, kind: str) -> PartyPlace | None:
    code = slugify(shown)
    if not code:
        return None
    if pycountry.countries.get(alpha_2=code.upper()) or (
        len(code) == 4 and pycountry.historic_countries.get(alpha_4=code.upper())
    ):
        code = f"{code}-{kind.replace('_', '-')}"  # a slug must not read as an ISO code
    return PartyPlace(code, shown, kind)


def _state(code: str, shown: str) -> PartyPlace:
    country = pycountry.countries.get(alpha_2=code)
    return PartyPlace(code, shown, STATE, iso3=country.alpha_3 if country else None)


@cache
def _names_of_countries() -> dict[str, object]:
    names = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                names.setdefault(value.lower(), country)
    return names


def _country_named(name: str):
    """The country whose ISO name, common or official name is exactly `name` (no fuzzy match:
    a near miss is not a match)."""
    return _names_of_countries().get(name.lower())
