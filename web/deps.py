"""What every route shares: the desk (settings, store, clock, templates), the session user and
role checks, the CSRF check, and rendering a page or an htmx fragment from the same template."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from agent.clock import Clock
from agent.settings import Settings
from agent.store import Store
from web.cache import TtlCache
from web.ratelimit import LoginLimiter
from web.settings import WebSettings

ROLE_RANK = {"viewer": 0, "operator": 1, "admin": 2}
CSRF_HEADER, CSRF_FIELD = "X-CSRF-Token", "csrf_token"


@dataclass
class Desk:
    settings: Settings
    web: WebSettings
    clock: Clock
    templates: Jinja2Templates
    limiter: LoginLimiter
    menus: TtlCache = field(default_factory=lambda: TtlCache(300.0))  # filter menus (stages, tags, batches)
    store: Store | None = None  # set by the app's lifespan when not given


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


class LoginRequired(Exception):
    """No valid session: pages redirect to /login, htmx requests get HX-Redirect."""


def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def get_store(desk: Annotated[Desk, Depends(get_desk)]) -> Store:
    if desk.store is None:
        raise HTTPException(503, "the store is not connected yet")
    return desk.store


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (also for the login page, before a user)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def current_user(request: Request, store: Annotated[Store, Depends(get_store)]) -> User:
    name = request.session.get("user")
    if not name:
        raise LoginRequired
    doc = await store.users.get(str(name))
    if doc is None or not doc.get("active", True):
        request.session.clear()
        raise LoginRequired
    return User(name=doc["_id"], role=doc["role"])


def require(role: str) -> Any:
    """A dependency: the session user, who must have at least `role` (else 403)."""

    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.can(role):
            raise HTTPException(403, f"{user.role} may not do this (needs {role})")
        return user

    return check


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's token: header (htmx) or form field."""
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = str((await request.form()).get(CSRF_FIELD) or "")
    if not expected or not given or not hmac.compare_digest(str(expected), given):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page")


CSRF = Depends(check_csrf)
DeskDep = Annotated[Desk, Depends(get_desk)]
StoreDep = Annotated[Store, Depends(get_store)]
Viewer = Annotated[User, Depends(require("viewer"))]
Operator = Annotated[User, Depends(require("operator"))]
Admin = Annotated[User, Depends(require("admin"))]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, template: str, context: dict[str, Any], status: int = 200,
           partial: bool | None = None) -> HTMLResponse:
    """The page, or (for htmx, or when `partial`) only its content block, from the same template."""
    desk = get_desk(request)
    fragment = is_htmx(request) if partial is None else partial
    ctx = {"layout": "fragment.html" if fragment else "base.html", "csrf": csrf_token(request),
           "path": request.url.path, **context}
    return desk.templates.TemplateResponse(request, template, ctx, status_code=status)
