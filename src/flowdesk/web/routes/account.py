"""Signing in and out, and changing your own password."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.errors import InvalidInput, TooManyAttempts, Unauthenticated
from flowdesk.http import csrf, session_cookie
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import accounts
from flowdesk.web.deps import FormDep
from flowdesk.web.templating import render

# Open to everyone: the sign-in page and its form.
public = APIRouter(include_in_schema=False)
# For someone signed in.
router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return "/"
    return target


def login_url(next_path: str) -> str:
    return "/login" if next_path in ("", "/") else f"/login?next={quote(next_path, safe='/')}"


def _login_page(request: Request, *, username: str = "", error: str = "", status: int = 200,
                headers: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "login.html", {
        "username": username, "error": error,
        "next": safe_next(request.query_params.get("next")),
    }, status=status, headers=headers)


@public.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@public.post("/login", dependencies=[Depends(require_csrf)])
def login(request: Request, form: FormDep, uow: UowDep, clock: ClockDep) -> Response:
    """Check the username and password; on success a new session (its id never seen before,
    so one planted in the browser beforehand is worthless) and a fresh CSRF token."""
    username = form.text("username").strip()
    address = request.client.host if request.client else "unknown"
    try:
        signed_in = accounts.sign_in(uow, clock, username, form.text("password"),
                                     address=address, salt=request.app.state.settings.secret_key)
    except TooManyAttempts as exc:
        return _login_page(request, username=username, error=exc.message, status=429,
                           headers={"Retry-After": str(exc.retry_after)})
    except Unauthenticated as exc:
        return _login_page(request, username=username, error=exc.message, status=401)
    old = session_cookie.read(request)
    if old:
        accounts.sign_out(uow, old)
    response = RedirectResponse(safe_next(form.text("next")), status_code=303)
    session_cookie.write(request, response, signed_in.session_id)
    csrf.rotate(request, response, signed_in.session_id)
    return response


@actions.post("/logout")
def logout(request: Request, uow: UowDep) -> Response:
    session_id = session_cookie.read(request)
    if session_id:
        accounts.sign_out(uow, session_id)
    response = RedirectResponse("/login", status_code=303)
    session_cookie.clear(request, response)
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, actor: ActorDep) -> HTMLResponse:
    return render(request, "password.html", {"actor": actor, "errors": {}, "done": False})


@actions.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                    actor: ActorDep) -> HTMLResponse:
    """Every other session of yours ends; this browser stays signed in with a new one."""
    new = form.text("new_password")
    try:
        if new != form.text("confirm_password"):
            raise InvalidInput("the two new passwords differ", "confirm_password")
        session_id = accounts.change_own_password(uow, clock, actor,
                                                  form.text("current_password"), new)
    except InvalidInput as exc:
        return render(request, "password.html",
                      {"actor": actor, "errors": {exc.field: exc.message}, "done": False},
                      status=422)
    response = render(request, "password.html", {"actor": actor, "errors": {}, "done": True})
    session_cookie.write(request, response, session_id)
    csrf.rotate(request, response, session_id)
    return response
