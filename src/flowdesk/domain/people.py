"""Who is acting. Accounts and roles come later; authorisation will hang off this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    username: str
    display_name: str = ""


LOCAL_USER = Actor("local", "Local user")
