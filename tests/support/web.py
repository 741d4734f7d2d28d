"""Helpers for the web desk tests: the app over the test store, users, logging in, CSRF tokens."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from agent.clock import Clock
from agent.settings import Settings
from agent.store import Store
from web.app import create_app
from web.passwords import hash_password
from web.settings import WebSettings

PASSWORD = "correct horse battery"
UNSUBSCRIBE_SECRET = "unsubscribe-test-secret"
CSRF_FIELD = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')


def web_settings(**overrides: object) -> WebSettings:
    return WebSettings(_env_file=None, web_secret="session-test-secret",  # type: ignore[call-arg]
                       unsubscribe_secret=UNSUBSCRIBE_SECRET, **overrides)


def desk_app(settings: Settings, store: Store, clock: Clock) -> FastAPI:
    return create_app(settings, web_settings(), store, clock)


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.7", 5000)),
                             base_url="http://testserver", follow_redirects=False)


async def add_user(store: Store, clock: Clock, name: str, role: str) -> None:
    await store.users.create(name, role, hash_password(PASSWORD), clock.now())


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


async def login(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"username": name, "password": password, "csrf_token": csrf_of(page.text),
                                             "next": "/pipeline"})


async def logged_in(client: httpx.AsyncClient, name: str) -> str:
    """Log in and return the session's CSRF token (from the page's meta tag)."""
    response = await login(client, name)
    assert response.status_code == 303, response.text
    return csrf_of((await client.get("/pipeline")).text)
