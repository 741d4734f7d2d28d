"""The web desk's security rules through the real app (httpx over ASGI, the real test store):
login required, CSRF, escaping, roles, the unsubscribe token, login rate limiting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from agent.clock import SimulatedClock
from agent.contracts import InboundMessage
from agent.operations import add_contact
from agent.settings import Settings
from agent.store import Store
from agent.store.suppressions import contact_addresses
from agent.tools.unsubscribe_token import make_token
from tests.support.web import UNSUBSCRIBE_SECRET, add_user, client_for, desk_app, logged_in, login

pytestmark = pytest.mark.integration

PAGES = ["/", "/pipeline", "/contacts", "/contacts/c-any", "/review", "/review/queue", "/import", "/health",
         "/health/panel", "/settings", "/drafts/d-any/edit"]


@pytest.fixture
async def client(settings: Settings, store: Store, clock: SimulatedClock) -> AsyncIterator[httpx.AsyncClient]:
    for name, role in (("ann", "admin"), ("oleg", "operator"), ("vera", "viewer")):
        await add_user(store, clock, name, role)
    async with client_for(desk_app(settings, store, clock)) as c:
        yield c


async def lead(store: Store, settings: Settings, clock: SimulatedClock, name: str = "Ольга Смирнова",
               email: str = "olga@example.ru") -> dict:
    contact, _ = await add_contact(store, settings, clock, {"name": name, "company": "Аптеки", "email": email},
                                   start=False)
    return contact


async def test_every_page_without_a_session_redirects_to_login(client: httpx.AsyncClient) -> None:
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next="), path
    htmx = await client.get("/review/queue", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")
    assert (await client.post("/contacts/c-any/take")).status_code in (303, 403)


async def test_pages_render_for_a_logged_in_admin_with_secrets_masked(client: httpx.AsyncClient, store: Store,
                                                                       settings: Settings, clock: SimulatedClock) -> None:
    contact = await lead(store, settings, clock)
    await logged_in(client, "ann")
    for path in ["/pipeline", "/contacts", f"/contacts/{contact['_id']}", "/review", "/import", "/health",
                 "/settings", "/contacts?q=olga", "/contacts?status=new"]:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
    page = (await client.get("/settings")).text
    assert "session-test-secret" not in page and UNSUBSCRIBE_SECRET not in page and "WEB_SECRET" in page
    assert settings.mongodb_uri and settings.mongodb_uri.get_secret_value() not in page
    assert "Ольга" in (await client.get("/contacts?q=olga")).text


async def test_session_cookie_is_httponly_and_samesite(store: Store, settings: Settings,
                                                        clock: SimulatedClock) -> None:
    await add_user(store, clock, "ann", "admin")
    async with client_for(desk_app(settings, store, clock)) as c:
        response = await login(c, "ann")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "seed_session=" in cookie


async def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(client: httpx.AsyncClient, store: Store,
                                                                      settings: Settings, clock: SimulatedClock) -> None:
    contact = await lead(store, settings, clock)
    token = await logged_in(client, "oleg")
    url = f"/contacts/{contact['_id']}/take"
    assert (await client.post(url)).status_code == 403
    assert (await client.post(url, headers={"X-CSRF-Token": "wrong"})).status_code == 403
    assert (await client.post(url, data={"csrf_token": "wrong"})).status_code == 403
    assert (await store.contacts.require(contact["_id"]))["status"] == "new"  # nothing changed
    assert (await client.post(url, headers={"X-CSRF-Token": token})).status_code == 303
    taken = await store.contacts.require(contact["_id"])
    assert taken["status"] == "handoff" and taken["taken_by"] == "oleg"
    # login and logout are protected too
    assert (await client.post("/logout")).status_code == 403


async def test_client_html_and_script_are_shown_as_text(client: httpx.AsyncClient, store: Store,
                                                         settings: Settings, clock: SimulatedClock) -> None:
    contact = await lead(store, settings, clock, name="<img src=x onerror=alert(2)>")
    text = "<script>alert(1)</script> <b>bold</b> & \"quotes\""
    await store.inbox.ingest(InboundMessage(key="m-xss", channel="email", contact_id=contact["_id"], text=text,
                                            received_at=clock.now()), clock.now())
    await logged_in(client, "ann")
    for path in (f"/contacts/{contact['_id']}", "/contacts"):
        page = (await client.get(path)).text
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    page = (await client.get(f"/contacts/{contact['_id']}")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page


async def test_a_viewer_can_read_but_not_send_decide_or_opt_out(client: httpx.AsyncClient, store: Store,
                                                                 settings: Settings, clock: SimulatedClock) -> None:
    contact = await lead(store, settings, clock)
    token = await logged_in(client, "vera")
    assert (await client.get(f"/contacts/{contact['_id']}")).status_code == 200
    headers = {"X-CSRF-Token": token}
    for url, data in ((f"/contacts/{contact['_id']}/reply", {"text": "hello"}),
                      (f"/contacts/{contact['_id']}/opt-out", {}), (f"/contacts/{contact['_id']}/take", {}),
                      ("/drafts/d-1/approve", {}), ("/drafts/d-1/reject", {}), ("/import", {})):
        assert (await client.post(url, data=data, headers=headers)).status_code == 403, url
    assert (await client.get("/settings")).status_code == 403  # admins only
    fresh = await store.contacts.require(contact["_id"])
    assert fresh["status"] == "new" and await store.inbox.for_contact(contact["_id"]) == []


async def test_unsubscribe_token_opts_out_its_contact_only_and_cannot_be_forged(
        client: httpx.AsyncClient, store: Store, settings: Settings, clock: SimulatedClock) -> None:
    a = await lead(store, settings, clock, "Анна А", "a@example.ru")
    b = await lead(store, settings, clock, "Борис Б", "b@example.ru")
    token_a = make_token(a["_id"], UNSUBSCRIBE_SECRET)
    page = await client.get(f"/u/{token_a}")  # no login needed
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert (await store.contacts.require(a["_id"]))["status"] == "new"  # GET changes nothing
    id_part_b = make_token(b["_id"], "x").split(".")[0]
    forged = [f"{id_part_b}.{token_a.split('.')[1]}",  # A's signature on B's id
              make_token(b["_id"], "a guessed secret"), "garbage", token_a + "x", f"{token_a}.more"]
    for token in forged:
        assert (await client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})).status_code == 404, token
        assert (await client.get(f"/u/{token}")).status_code == 404
    response = await client.post(f"/u/{token_a}", data={"List-Unsubscribe": "One-Click"})  # RFC 8058, no CSRF
    assert response.status_code == 200 and "unsubscribed" in response.text
    assert (await store.contacts.require(a["_id"]))["status"] == "opted_out"
    assert (await store.contacts.require(b["_id"]))["status"] == "new"
    assert await store.suppressions.any_suppressed(contact_addresses(a))
    assert not await store.suppressions.any_suppressed(contact_addresses(b))
    again = await client.post(f"/u/{token_a}", data={"List-Unsubscribe": "One-Click"})  # idempotent
    assert again.status_code == 200


async def test_login_is_rate_limited_per_user_and_address(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await login(client, "oleg", "wrong password")).status_code == 401
    blocked = await login(client, "oleg")  # even the right password, for a while
    assert blocked.status_code == 429 and "Too many" in blocked.text
    assert (await login(client, "ann")).status_code == 303  # another user is not blocked
    assert (await login(client, "nobody", "x")).status_code == 401
