"""CSRF protection for the web pages: a signed double-submit token.

The token is `nonce.signature`, signed with the secret key for the browser's session (so a token
is worthless in another session), kept in a SameSite=Lax cookie and
repeated by every state-changing request in a form field (`csrf_token`) or an `X-CSRF-Token`
header. A page from another site can make the browser send the cookie, but it cannot read it to
repeat it. Lax rather than Strict: a person who follows a link to the board from another site
(mail, chat) arrives without a Strict cookie, gets a new one, and every page they still have open
would then be refused.

Anything that is not the exact shape of a token (wrong length, another alphabet, non-ASCII) is
refused before comparing, so a mangled cookie or field is a 403, never a server error.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from fastapi import Request
from starlette.responses import Response

from flowdesk.domain.errors import Forbidden
from flowdesk.http import session_cookie

COOKIE = "flowdesk_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NONCE_BYTES = 18
# token_urlsafe(18) is 24 characters of the URL-safe base64 alphabet; the signature is SHA-256 hex.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{24}\.[0-9a-f]{64}")
REFUSED = ("this request did not come with this page's security token; reload the page and "
           "try again")
MALFORMED = ("the security token sent with this request is malformed; reload the page and "
             "try again")


def _sign(secret: str, nonce: str, session: str) -> str:
    message = f"{nonce}|{session}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_token(secret: str, session: str = "") -> str:
    """A fresh token signed with `secret`, for the browser's session (`session`: its id, or
    empty before signing in). A token made for one session is worthless in any other."""
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    return f"{nonce}.{_sign(secret, nonce, session)}"


def is_well_formed(token: object) -> bool:
    """True when `token` has the exact shape of a token (ASCII only, so safe to compare)."""
    return isinstance(token, str) and TOKEN_SHAPE.fullmatch(token) is not None


def is_valid(secret: str, token: str | None, session: str = "") -> bool:
    """True when `token` was signed with `secret` for this session."""
    if token is None or not is_well_formed(token):
        return False
    nonce, _, signature = token.partition(".")
    return hmac.compare_digest(signature.encode("ascii"),
                               _sign(secret, nonce, session).encode("ascii"))


def _secret(request: Request) -> str:
    secret: str = request.app.state.settings.secret_key
    return secret


def _session(request: Request) -> str:
    return session_cookie.read(request) or ""


def token_for(request: Request) -> str:
    """The browser's token, or a new one the response must set as the cookie."""
    existing = getattr(request.state, "csrf_token", None)
    if isinstance(existing, str):
        return existing
    cookie = request.cookies.get(COOKIE)
    secret, session = _secret(request), _session(request)
    token = cookie if cookie and is_valid(secret, cookie, session) else new_token(secret, session)
    request.state.csrf_token = token
    request.state.csrf_is_new = token != cookie
    return token


def rotate(request: Request, response: Response, session_id: str) -> None:
    """Give the browser a new token for its new session (at sign-in: a token from before is
    not carried over)."""
    token = new_token(_secret(request), session_id)
    request.state.csrf_token = token
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def matches_cookie(request: Request, sent: str) -> bool:
    """True when `sent` is this browser's valid token (the one in its cookie)."""
    cookie = request.cookies.get(COOKIE)
    return bool(cookie and is_well_formed(sent)
                and is_valid(_secret(request), cookie, _session(request))
                and hmac.compare_digest(sent.encode("ascii"), cookie.encode("ascii")))


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request that does not repeat the cookie's token (403)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(HEADER)
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if sent and not is_well_formed(sent):
        raise Forbidden(MALFORMED, field=FIELD)
    if not (sent and matches_cookie(request, sent)):
        raise Forbidden(REFUSED, field=FIELD)
