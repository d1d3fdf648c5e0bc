"""The session cookie: the session id, signed with the installation's secret key.

The id is random and only its SHA-256 is stored (`services.accounts`). The signature lets a
forged or mangled cookie be refused before any query. The cookie is HttpOnly (no script reads
it), SameSite=Lax (a cross-site POST does not carry it) and Secure over HTTPS.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from fastapi import Request, Response

NAME = "flowdesk_session"
MAX_AGE = 14 * 24 * 3600  # services.accounts.SESSION_LIFETIME
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}\.[0-9a-f]{64}")


def _sign(secret: str, session_id: str) -> str:
    return hmac.new(secret.encode(), f"session:{session_id}".encode(),
                    hashlib.sha256).hexdigest()


def _secret(request: Request) -> str:
    secret: str = request.app.state.settings.secret_key
    return secret


def read(request: Request) -> str | None:
    """The session id the browser sent, when its signature is good; else None."""
    value = request.cookies.get(NAME)
    if not value or not _SHAPE.fullmatch(value):
        return None
    session_id, _, signature = value.partition(".")
    if not hmac.compare_digest(signature, _sign(_secret(request), session_id)):
        return None
    return session_id


def write(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(NAME, f"{session_id}.{_sign(_secret(request), session_id)}",
                        max_age=MAX_AGE, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def clear(request: Request, response: Response) -> None:
    response.delete_cookie(NAME, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
