"""Log in and out. Failures are rate-limited per (user name, client address)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import CSRF, DeskDep, StoreDep, Viewer, render
from web.passwords import verify_password

router = APIRouter(tags=["auth"])


def _safe_next(target: str | None) -> str:
    """Only paths on this site (no `//host` or scheme): no open redirect after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/pipeline"


@router.get("/")
async def home(_user: Viewer) -> Response:
    return RedirectResponse("/pipeline", status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str = "/pipeline") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None}, partial=False)


@router.post("/login", dependencies=[CSRF])
async def login(request: Request, desk: DeskDep, store: StoreDep, username: Annotated[str, Form()],
                password: Annotated[str, Form()], next: Annotated[str, Form()] = "/pipeline") -> Response:
    ip = request.client.host if request.client else "?"
    name = username.strip()
    if desk.limiter.blocked(name, ip):
        return render(request, "login.html", {"next": _safe_next(next),
                      "error": "Too many failed attempts. Wait a few minutes and try again."},
                      status=429, partial=False)
    user = await store.users.get(name)
    if user is None or not user.get("active", True) or not verify_password(user.get("password_hash"), password):
        desk.limiter.failed(name, ip)
        return render(request, "login.html", {"next": _safe_next(next), "error": "Wrong user name or password."},
                      status=401, partial=False)
    desk.limiter.succeeded(name, ip)
    await store.users.record_login(name, desk.clock.now())
    request.session.clear()  # a new session (and CSRF token) after login: no session fixation
    request.session.update(user=name, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CSRF])
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
