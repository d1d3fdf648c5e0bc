"""Password hashing (Argon2id) and the secrets that sign people in: session ids and tokens.

A password is hashed once and never stored, logged or returned. Session ids and API tokens are
random; only their SHA-256 is stored, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # Argon2id, argon2-cffi's recommended cost (RFC 9106 low-memory)
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
TOKEN_PREFIX = "fd_"  # noqa: S105 - marks a Flowdesk token (for secret scanners), not a secret


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches the stored hash. With no stored hash (an unknown user, or
    an account that cannot sign in) it spends the same time and answers False."""
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    """What is stored of a session id or a token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_password() -> str:
    """A random password for a first run or a reset: 20 characters, about 119 bits."""
    return secrets.token_urlsafe(15)


def salted_key(salt: str, kind: str, value: str) -> str:
    """A throttling key that names no login or address: HMAC-SHA-256 of `kind:value`."""
    return hmac.new(salt.encode(), f"{kind}:{value}".encode("utf-8", "surrogatepass"),
                    hashlib.sha256).hexdigest()
