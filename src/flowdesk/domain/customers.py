"""The customer registry: organisations a service works for, each with a key, a name and
the people who make requests for it; and the keys of named business calendars.

A key is short, lowercase and stable ("acme-corp"): an agreement names its customer by it,
and an item's free-text customer finds its registry entry by key or by name, compared
trimmed and case-folded (:func:`match_text`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.items import check_text

KEY_MAX = 40
NAME_MAX = 120
EMAIL_MAX = 254
CONTACTS_MAX = 50
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Contact:
    """Someone who makes requests for a customer."""

    name: str
    email: str


@dataclass(frozen=True)
class Customer:
    id: int
    key: str
    name: str
    contacts: tuple[Contact, ...] = ()


def match_text(text: str) -> str:
    """Return a customer text as it is compared: trimmed and case-folded."""
    return text.strip().casefold()


def key_from_name(name: str) -> str:
    """Return a key made from a name: "Bäckerei Müller & Co" is "backerei-muller-co"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    key = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:KEY_MAX].strip("-")
    return key or "customer"


def unique_key(key: str, taken: set[str]) -> str:
    """Return `key`, or `key-2`, `key-3`... (within KEY_MAX) when it is taken."""
    if key not in taken:
        return key
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = key[:KEY_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def check_key(value: str, field: str = "key") -> str:
    """Return a key, lowercased: 1-40 letters, digits or dashes, starting with a letter or
    digit; else raise InvalidInput naming `field`."""
    key = value.strip().lower()
    if not KEY.fullmatch(key):
        raise InvalidInput(f"{field}: a key is 1 to {KEY_MAX} lowercase letters, digits or "
                           "'-', starting with a letter or digit, e.g. 'acme-corp'", field)
    return key


def check_name(value: str, field: str = "name") -> str:
    return check_text(value, field, NAME_MAX, required=True)


def check_contact(name: str, email: str, field: str = "contacts") -> Contact:
    """Return a contact: a name and an email address that looks like one."""
    clean_name = check_text(name, f"{field}.name", NAME_MAX, required=True)
    address = check_text(email, f"{field}.email", EMAIL_MAX, required=True)
    if not _EMAIL.fullmatch(address):
        raise InvalidInput(f"{field}.email: {address!r} is not an email address",
                           f"{field}.email")
    return Contact(clean_name, address)


def check_contacts(contacts: list[tuple[str, str]], field: str = "contacts"
                   ) -> tuple[Contact, ...]:
    if len(contacts) > CONTACTS_MAX:
        raise InvalidInput(f"{field}: at most {CONTACTS_MAX} contacts", field)
    return tuple(check_contact(n, e, field) for n, e in contacts)
