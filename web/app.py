"""The web desk's application factory: `create_app(settings, web, store)`.

One router per area, the session and CSRF checks as dependencies, templates with autoescape on,
htmx and Chart.js served from `web/static/vendor/` (vendored from npm; no CDN). Nothing global:
everything a route needs hangs off `app.state.desk`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.middleware.sessions import SessionMiddleware

from agent.clock import Clock, SystemClock
from agent.settings import Settings
from agent.store import Store, connect_store
from web.deps import Desk, LoginRequired, csrf_token, is_htmx
from web.ratelimit import LoginLimiter
from web.routes import (
    auth,
    contacts,
    conversation,
    health,
    imports,
    pipeline,
    review,
    unsubscribe,
)
from web.routes import settings as settings_page
from web.settings import WebSettings

HERE = Path(__file__).parent
SESSION_MAX_AGE_S = 12 * 3600
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def local_time(value: Any, tz: ZoneInfo | str | None = None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if not isinstance(value, datetime):
        return "—" if value is None else str(value)
    zone_ = ZoneInfo(tz) if isinstance(tz, str) else tz
    return (value.astimezone(zone_) if zone_ else value).strftime(fmt)


def make_templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["localtime"] = local_time
    return Jinja2Templates(env=env)


def create_app(settings: Settings, web: WebSettings, store: Store | None = None, clock: Clock | None = None) -> FastAPI:
    """The desk over `store`; without one, the app connects to MONGODB_URI itself (in its own loop)."""
    if not web.secret():
        raise ValueError("WEB_SECRET is not set: the session cookies need a secret (or run with --dev)")
    desk = Desk(settings=settings, web=web, clock=clock or SystemClock(), templates=make_templates(),
                limiter=LoginLimiter(web.web_login_max_failures, web.web_login_window_s), store=store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        own = None
        if desk.store is None:
            if settings.mongodb_uri is None:
                raise ValueError("create_app needs a store, or MONGODB_URI")
            own = desk.store = connect_store(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
        yield
        if own is not None:
            await own.close()

    app = FastAPI(title="Seed — web desk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.desk = desk
    app.add_middleware(SessionMiddleware, secret_key=web.secret(), session_cookie="seed_session",
                       max_age=SESSION_MAX_AGE_S, same_site="lax", https_only=web.web_secure_cookies)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        target = "/login?next=" + quote(request.url.path)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException) -> Response:
        ctx = {"request": request, "status": exc.status_code, "detail": exc.detail, "csrf": csrf_token(request),
               "layout": "fragment.html" if is_htmx(request) else "bare.html", "path": request.url.path}
        return HTMLResponse(desk.templates.get_template("error.html").render(ctx), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (auth, pipeline, contacts, conversation, review, imports, health, settings_page, unsubscribe):
        app.include_router(module.router)
    return app
