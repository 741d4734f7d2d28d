"""What a person does at the desk reaches the core through `agent.operations`, once, with who
and when recorded: draft decisions, a quarantined event retried, an import."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from agent.clock import SimulatedClock
from agent.contracts import InboundMessage
from agent.operations import add_contact
from agent.settings import Settings
from agent.store import Store
from agent.tools.review import draft_interrupt
from tests.support.web import add_user, client_for, desk_app, logged_in

pytestmark = pytest.mark.integration


@pytest.fixture
async def operator(settings: Settings, store: Store, clock: SimulatedClock) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    await add_user(store, clock, "oleg", "operator")
    async with client_for(desk_app(settings, store, clock)) as c:
        yield c, await logged_in(c, "oleg")


async def draft(store: Store, settings: Settings, clock: SimulatedClock, key: str) -> dict:
    contact, _ = await add_contact(store, settings, clock, {"name": f"Лид {key}", "channel": "console"}, start=False)
    payload = draft_interrupt(key, contact, "console", "Добрый день! <b>Черновик</b>", None, [], "review mode")
    await store.drafts.open(key, contact["_id"], dict(payload), clock.now())
    return contact


async def test_edit_and_reject_are_recorded_once_with_who(operator: tuple[httpx.AsyncClient, str], store: Store,
                                                          settings: Settings, clock: SimulatedClock) -> None:
    client, token = operator
    a = await draft(store, settings, clock, "d-a")
    b = await draft(store, settings, clock, "d-b")
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    queue = await client.get("/review/queue", headers=headers)
    assert "&lt;b&gt;Черновик&lt;/b&gt;" in queue.text and "<b>Черновик</b>" not in queue.text
    form = await client.get("/drafts/d-a/edit", headers=headers)
    assert 'class="draft editing"' in form.text
    edited = await client.post("/drafts/d-a/edit", data={"text": "Исправленный текст"}, headers=headers)
    assert edited.status_code == 200 and "Draft edited" in edited.text
    rejected = await client.post("/drafts/d-b/reject", data={"reason": "не тот тон"}, headers=headers)
    assert "Draft rejected" in rejected.text
    twice = await client.post("/drafts/d-a/approve", headers=headers)
    assert twice.status_code == 409 and "already" in twice.text  # decided once
    assert (await store.drafts.get("d-a"))["final_text"] == "Исправленный текст"
    assert (await store.drafts.get("d-b"))["note"] == "не тот тон"
    for contact, fact in ((a, "draft_edited"), (b, "draft_rejected")):
        [event] = [e for e in await store.events.for_contact(contact["_id"]) if e["type"] == fact]
        assert event["data"]["by"] == "oleg" and event["at"] == clock.now()
    decisions = [d async for d in store.inbox.col.find({"kind": "decision"})]
    assert sorted(d["_id"] for d in decisions) == ["decision:d-a", "decision:d-b"]


async def test_a_quarantined_event_is_retried_once(operator: tuple[httpx.AsyncClient, str], store: Store,
                                                   clock: SimulatedClock) -> None:
    client, token = operator
    await store.inbox.ingest(InboundMessage(key="m-bad", contact_id="c-1", text="?", received_at=clock.now()),
                             clock.now())
    await store.inbox.quarantine("m-bad", clock.now(), "RuntimeError: the model host is down")
    panel = (await client.get("/health")).text
    assert "m-bad" in panel and "the model host is down" in panel
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    assert (await client.post("/health/retry/m-bad", headers=headers)).status_code == 200
    doc = await store.inbox.get("m-bad")
    assert doc["status"] == "pending" and doc["attempts"] == 0
    assert (await client.post("/health/retry/m-bad", headers=headers)).status_code == 409  # not quarantined now
    [event] = [e for e in await store.events.for_contact("c-1") if e["type"] == "event_retried"]
    assert event["data"]["by"] == "oleg" and "model host" in event["data"]["error"]


async def test_import_names_a_batch_and_records_who(operator: tuple[httpx.AsyncClient, str], store: Store) -> None:
    client, token = operator
    csv = "name,email\nИван,ivan@ex.ru\n,nobody@ex.ru\nЛена,lena@ex.ru\nИван 2,ivan@ex.ru\n"
    response = await client.post("/import", files={"file": ("q4.csv", csv.encode(), "text/csv")},
                                 data={"csrf_token": token, "batch": "Q4 <leads>"})
    assert response.status_code == 200
    assert "row 3: name is empty" in response.text and "row 5: a contact with this email already exists" in response.text
    assert "Q4 &lt;leads&gt;" in response.text
    ivan = await store.contacts.find_by_address("email", "ivan@ex.ru")
    assert ivan["import_batch"] == "Q4 <leads>" and ivan["status"] == "new"
    [event] = [e for e in await store.events.for_contact(ivan["_id"]) if e["type"] == "imported"]
    assert event["data"] == {"by": "oleg", "batch": "Q4 <leads>"}
    bad = await client.post("/import", files={"file": ("x.csv", b"just,words\n1,2\n", "text/csv")},
                            data={"csrf_token": token})
    assert bad.status_code == 422 and "header needs a name column" in bad.text


async def test_a_held_contact_is_moved_to_its_new_email_at_the_desk(operator: tuple[httpx.AsyncClient, str],
                                                                  store: Store, settings: Settings,
                                                                  clock: SimulatedClock) -> None:
    client, token = operator
    contact, _ = await add_contact(store, settings, clock, {"name": "Анна", "email": "anna@old.ru"}, start=False)
    await add_contact(store, settings, clock, {"name": "Пётр", "email": "petr@new.ru"}, start=False)
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    page = await client.get(f"/contacts/{contact['_id']}", headers=headers)
    assert f'action="/contacts/{contact["_id"]}/move-email"' in page.text

    taken = await client.post(f"/contacts/{contact['_id']}/move-email", data={"email": "petr@new.ru"}, headers=headers)
    assert taken.status_code == 409 and "belongs to another contact" in taken.text
    moved = await client.post(f"/contacts/{contact['_id']}/move-email",
                              data={"email": "anna@new.ru", "stop_old": "true"}, headers=headers)
    assert moved.status_code == 200 and "Later messages go to anna@new.ru" in moved.text
    assert "former email" in moved.text and "anna@old.ru" in moved.text
    stored = await store.contacts.require(contact["_id"])
    assert (stored["email"], stored["former_emails"]) == ("anna@new.ru", ["anna@old.ru"])
    assert await store.suppressions.any_suppressed(["email:anna@old.ru"])
    [event] = [e for e in await store.events.for_contact(contact["_id"]) if e["type"] == "address_moved"]
    assert event["data"]["by"] == "oleg"
    no_token = await client.post(f"/contacts/{contact['_id']}/move-email", data={"email": "x@y.ru"},
                                 headers={"HX-Request": "true"})
    assert no_token.status_code == 403  # the CSRF check holds for this form too


async def test_opt_out_at_the_desk_drops_a_booked_demo_and_says_when(operator: tuple[httpx.AsyncClient, str],
                                                                     store: Store, settings: Settings,
                                                                     clock: SimulatedClock) -> None:
    from datetime import timedelta

    client, token = operator
    contact, _ = await add_contact(store, settings, clock, {"name": "Лид", "channel": "console",
                                                            "timezone": "Asia/Yekaterinburg"}, start=False)
    demo_at = (clock.now() + timedelta(days=2)).replace(hour=6, minute=0, second=0, microsecond=0)
    await store.contacts.update(contact["_id"], clock.now(), stage="demo_booked", demo_at=demo_at)
    done = await client.post(f"/contacts/{contact['_id']}/opt-out",
                             headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert done.status_code == 200
    assert f"{demo_at:%d.%m.%Y} 11:00" in done.text and "is dropped" in done.text  # in the contact's zone
    stored = await store.contacts.require(contact["_id"])
    assert stored["status"] == "opted_out" and stored["demo_at"] is None
    assert [e["data"]["by"] for e in await store.events.for_contact(contact["_id"]) if e["type"] == "demo_cancelled"] == [
        "oleg"]
