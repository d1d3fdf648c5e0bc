"""CSRF protection for the web pages: a signed double-submit token.

The token is `nonce.signature`, signed with the secret key, kept in a SameSite cookie and repeated
by every state-changing request in a form field (`csrf_token`) or an `X-CSRF-Token` header. A
page from another site can make the browser send the cookie, but it cannot read it to repeat it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from flowdesk.domain.errors import Forbidden

COOKIE = "flowdesk_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def new_token(secret: str) -> str:
    """A fresh token signed with `secret`."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def is_valid(secret: str, token: str | None) -> bool:
    """True when `token` was signed with `secret`."""
    if not token or "." not in token:
        return False
    nonce, _, signature = token.partition(".")
    return hmac.compare_digest(signature, _sign(secret, nonce))


def _secret(request: Request) -> str:
    secret: str = request.app.state.settings.secret_key
    return secret


def token_for(request: Request) -> str:
    """The browser's token, or a new one the response must set as the cookie."""
    existing = getattr(request.state, "csrf_token", None)
    if isinstance(existing, str):
        return existing
    cookie = request.cookies.get(COOKIE)
    token = cookie if cookie and is_valid(_secret(request), cookie) else new_token(
        _secret(request))
    request.state.csrf_token = token
    request.state.csrf_is_new = token != cookie
    return token


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request that does not repeat the cookie's token (403)."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(COOKIE)
    sent = request.headers.get(HEADER)
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not (cookie and sent and is_valid(_secret(request), cookie)
            and hmac.compare_digest(sent, cookie)):
        raise Forbidden(
            "this request did not come with this page's security token; reload the page and "
            "try again", field=FIELD,
        )
