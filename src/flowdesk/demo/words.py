"""Names and words that make the demo's cards read like real work."""

from __future__ import annotations

import random
from datetime import date

AGENCIES = (
    "Northwind Travel",
    "Blue Horizon Agency",
    "Atlas Voyages",
    "Meridian Brokers",
    "Kestrel & Co",
    "Harbourline Travel",
    "Summit Agency Group",
    "Polaris Voyages",
    "Vega Partners",
    "Lindqvist Reizen",
    "Orchard Street Brokers",
    "Cobalt Travel",
)

# A few large agencies send most of the work, as in most service centres.
AGENCY_WEIGHTS = tuple(1.0 / (rank + 1) ** 0.8 for rank in range(len(AGENCIES)))

PLACES = (
    "Lisbon", "Madrid", "Barcelona", "Paris", "Nice", "Rome", "Milan", "Athens", "Vienna",
    "Prague", "Krakow", "Dubrovnik", "Istanbul", "Marrakesh", "New York", "Bangkok", "Bali",
    "Cape Town", "Reykjavik", "Tenerife",
)

PARTNERS = (
    "Hospital da Luz", "Clínica Quirón", "Hôpital Américain", "Policlinico Gemelli",
    "Bangkok Hospital", "Mount Sinai", "Netcare", "Acibadem", "Hygeia", "Medicover",
    "Europ Assistance", "Allianz Partners", "AXA Assistance", "Mapfre Asistencia",
)

CURRENCIES = ("EUR", "EUR", "EUR", "USD", "USD", "GBP", "CHF", "SEK", "TRY", "THB", "ZAR", "MAD")

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)


def pick_agency(rng: random.Random) -> str:
    return rng.choices(AGENCIES, weights=AGENCY_WEIGHTS)[0]


def fill(template: str, rng: random.Random, *, agency: str, on: date, amount: float,
         currency: str) -> str:
    """A template with its {placeholders} filled in plausibly."""
    previous_month = MONTHS[(on.month - 2) % 12]
    return template.format(
        ref=f"{on:%y}-{rng.randrange(10_000, 99_999)}",
        place=rng.choice(PLACES),
        partner=rng.choice(PARTNERS),
        currency=currency,
        amount=f"{amount:,.0f}",
        agency=agency,
        month=previous_month,
    )
