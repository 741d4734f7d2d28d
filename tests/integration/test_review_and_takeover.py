"""Human in the loop through the real pipeline: review mode (drafts wait in a LangGraph interrupt,
decisions come back as inbox events), take-over, a person's reply, and give-back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.clock import SimulatedClock
from agent.operations import add_contact, decide_draft, give_back, opt_out, send_as_person, take_over
from agent.pump import pump
from agent.runtime import AgentRuntime
from agent.settings import Settings
from agent.store import Store
from agent.store.errors import StoreError
from agent.tools import review
from channels.console import say
from tests.integration.test_conversation_flows import Recorder

pytestmark = pytest.mark.integration


def client_messages(channel: Recorder) -> list[str]:
    return [m.text for m in channel.sent if m.kind != "team"]


def team_notes(channel: Recorder) -> list[str]:
    return [m.text for m in channel.sent if m.kind == "team"]


async def lead(rt: AgentRuntime, name: str = "Ольга Смирнова") -> tuple[dict[str, Any], Recorder]:
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock,
                                   {"name": name, "company": "Сеть аптек «Здоровье»", "channel": "console"})
    channel = Recorder()
    await pump(rt, [channel])
    return contact, channel


async def client(rt: AgentRuntime, contact: dict[str, Any], text: str, channel: Recorder) -> None:
    assert isinstance(rt.clock, SimulatedClock)
    rt.clock.advance(timedelta(hours=1))
    await say(rt.store, contact["_id"], text, rt.clock.now())
    await pump(rt, [channel])


async def history(rt: AgentRuntime, contact_id: str) -> list[dict[str, Any]]:
    state = await rt.graph.aget_state({"configurable": {"thread_id": contact_id}})
    return state.values.get("history", [])


async def test_review_mode_holds_the_outreach_until_approved_and_sends_it_once(runtime: AgentRuntime) -> None:
    runtime.settings.approval = "outreach"
    contact, channel = await lead(runtime)
    assert client_messages(channel) == []  # nothing went out
    [draft] = await runtime.store.drafts.list()
    assert draft["contact_id"] == contact["_id"] and draft["status"] == "pending"
    assert "Ольга" in draft["text"] and draft["channel"] == "console"
    payload = draft["interrupt"]  # LangGraph's human-interrupt shape
    assert payload["action_request"]["action"] == "send_reply"
    assert payload["config"] == {"allow_accept": True, "allow_edit": True, "allow_respond": False,
                                 "allow_ignore": True}
    assert "first messages" in payload["description"]
    assert any(draft["_id"] in note for note in team_notes(channel))  # the team is told

    await decide_draft(runtime.store, runtime.clock, draft["_id"], dict(review.accept()), "Мария")
    await pump(runtime, [channel])
    assert client_messages(channel) == [draft["text"]]
    with pytest.raises(StoreError, match="already approved"):  # a second decision is refused
        await decide_draft(runtime.store, runtime.clock, draft["_id"], dict(review.accept()), "Мария")
    # even a decision event that reaches the inbox twice resumes nothing a second time
    from agent.contracts import InboundMessage

    await runtime.store.inbox.ingest(InboundMessage(
        key="decision:again", kind="decision", channel="system", contact_id=contact["_id"],
        received_at=runtime.clock.now(), meta={"draft": draft["_id"], "decision": dict(review.accept())}),
        runtime.clock.now())
    await pump(runtime, [channel])
    assert client_messages(channel) == [draft["text"]]
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["stage"] == "outreach_sent" and stored["next_timer"]["kind"] == "follow_up"


async def test_edit_sends_the_persons_text_and_reject_sends_nothing(runtime: AgentRuntime) -> None:
    runtime.settings.approval = "all"
    first, channel = await lead(runtime, "Анна Белова")
    [draft] = await runtime.store.drafts.list()
    await decide_draft(runtime.store, runtime.clock, draft["_id"],
                       dict(review.edit("Анна, добрый день! Пишу коротко: можно расскажу про отзывы?")), "Мария")
    await pump(runtime, [channel])
    assert client_messages(channel) == ["Анна, добрый день! Пишу коротко: можно расскажу про отзывы?"]
    assert (await history(runtime, first["_id"]))[-1]["text"].startswith("Анна, добрый день! Пишу коротко")

    await client(runtime, first, "А сколько стоит?", channel)
    [waiting] = await runtime.store.drafts.list()
    await decide_draft(runtime.store, runtime.clock, waiting["_id"], dict(review.reject("цену скажем на звонке")),
                       "Мария")
    await pump(runtime, [channel])
    assert len(client_messages(channel)) == 1  # nothing more was sent
    contact = await runtime.store.contacts.require(first["_id"])
    assert contact["status"] == "handoff" and "цену скажем" in contact["handoff_reason"]
    events = {e["type"] for e in await runtime.store.events.for_contact(first["_id"])}
    assert "draft_rejected" in events


async def test_a_new_message_supersedes_the_waiting_draft(runtime: AgentRuntime) -> None:
    runtime.settings.approval = "all"
    contact, channel = await lead(runtime)
    [outreach] = await runtime.store.drafts.list()
    await decide_draft(runtime.store, runtime.clock, outreach["_id"], dict(review.accept()), "Мария")
    await pump(runtime, [channel])
    await client(runtime, contact, "Какие площадки вы поддерживаете?", channel)
    [first] = await runtime.store.drafts.list()
    await client(runtime, contact, "И ещё: сколько это стоит для 15 аптек?", channel)
    [second] = await runtime.store.drafts.list()
    assert second["_id"] != first["_id"]
    assert (await runtime.store.drafts.get(first["_id"]))["status"] == "superseded"
    texts = [t["text"] for t in await history(runtime, contact["_id"]) if t["role"] == "client"]
    assert texts[-2:] == ["Какие площадки вы поддерживаете?", "И ещё: сколько это стоит для 15 аптек?"]
    # the superseded draft cannot be sent any more
    with pytest.raises(StoreError, match="already superseded"):
        await decide_draft(runtime.store, runtime.clock, first["_id"], dict(review.accept()), "Мария")
    assert len(client_messages(channel)) == 1  # only the approved outreach


async def test_opt_out_while_a_draft_waits_sends_nothing_ever(runtime: AgentRuntime) -> None:
    runtime.settings.approval = "outreach"
    contact, channel = await lead(runtime)
    [draft] = await runtime.store.drafts.list()
    await client(runtime, contact, "Не пишите мне больше, пожалуйста", channel)
    assert (await runtime.store.drafts.get(draft["_id"]))["status"] == "superseded"
    with pytest.raises(StoreError):
        await decide_draft(runtime.store, runtime.clock, draft["_id"], dict(review.accept()), "Мария")
    await pump(runtime, [channel])
    assert client_messages(channel) == []
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "opted_out"


async def test_timers_wait_while_a_draft_waits(runtime: AgentRuntime) -> None:
    runtime.settings.approval = "model"  # templates go out; nothing is reviewed …
    contact, channel = await lead(runtime)
    assert len(client_messages(channel)) == 1
    runtime.settings.approval = "all"  # … until the team switches review on for everything
    await client(runtime, contact, "Пришлите презентацию", channel)
    [draft] = await runtime.store.drafts.list()
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.advance(timedelta(days=10))  # far past the follow-up
    await pump(runtime, [channel])
    assert len(client_messages(channel)) == 1  # no follow-up while the draft waits
    assert (await runtime.store.drafts.get(draft["_id"]))["status"] == "pending"
    await decide_draft(runtime.store, runtime.clock, draft["_id"], dict(review.accept()), "Мария")
    await pump(runtime, [channel])
    sent = client_messages(channel)
    assert len(sent) == 2 and sent[1] == draft["text"]


async def test_take_over_reply_and_give_back(runtime: AgentRuntime) -> None:
    contact, channel = await lead(runtime)
    await take_over(runtime.store, runtime.clock, contact["_id"], "Мария")
    await client(runtime, contact, "А можно подробнее про интеграции?", channel)
    assert len(client_messages(channel)) == 1  # taken over: the agent answers nothing
    text = "Ольга, здравствуйте! Это Мария из Napoleon IT. Интеграции есть — 500 ₽ за точку в месяц, обсудим?"
    await send_as_person(runtime.store, runtime.clock, contact["_id"], text, "Мария")
    await pump(runtime, [channel])
    assert client_messages(channel)[-1] == text  # as written: the price rule binds the model, not people
    turns = await history(runtime, contact["_id"])
    assert turns[-1]["role"] == "person" and turns[-1]["by"] == "Мария" and turns[-1]["text"] == text

    await give_back(runtime.store, runtime.clock, contact["_id"], "Мария")
    await client(runtime, contact, "Пришлите презентацию, пожалуйста", channel)
    assert len(client_messages(channel)) == 3  # the agent answers again
    roles = [t["role"] for t in await history(runtime, contact["_id"])]
    assert "person" in roles and roles[-1] == "agent"


async def test_nobody_writes_to_an_opted_out_contact(runtime: AgentRuntime) -> None:
    contact, channel = await lead(runtime)
    await opt_out(runtime.store, runtime.clock, contact["_id"])
    with pytest.raises(StoreError, match="opted out"):
        await send_as_person(runtime.store, runtime.clock, contact["_id"], "Последний шанс!", "Мария")
    with pytest.raises(StoreError, match="opted out"):
        await take_over(runtime.store, runtime.clock, contact["_id"], "Мария")
    await pump(runtime, [channel])
    assert len(client_messages(channel)) == 1


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MONGODB_URI": settings.mongodb_uri.get_secret_value(),  # type: ignore[union-attr]
           "MONGODB_DB": settings.mongodb_db, "LLM_PROVIDER": "rules", "APPROVAL": "outreach",
           "WORKER_LEASE_S": "1", "WORKER_POLL_S": "0.05", "RETRY_BACKOFF_S": "0"}
    cli = [sys.executable, "-c", "from cli.app import main; main()", "worker"]
    return subprocess.Popen(cli, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=Path.cwd())


async def wait_for(check: Any, seconds: float = 90.0) -> Any:  # a worker process starts slowly on a busy machine
    for _ in range(int(seconds / 0.1)):
        if value := await check():
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.crash
async def test_kill_9_while_a_draft_waits_then_approved_once_sent_once(store: Store, settings: Settings,
                                                                       tmp_path: Path) -> None:
    from agent.clock import SystemClock

    clock = SystemClock()
    contact, _ = await add_contact(store, settings, clock, {"name": "Пётр Орлов", "channel": "console"},
                                   start=False)
    from agent.operations import schedule_outreach

    await schedule_outreach(store, settings, contact, clock.now(), immediately=True)
    from agent.scheduler import fire_due_timers

    await fire_due_timers(store, clock)
    log = tmp_path / "worker.log"
    worker = start_worker(settings, log)
    try:
        draft = await wait_for(lambda: store.drafts.pending_for(contact["_id"]))
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    # the draft survived the kill: in the checkpoint and in `drafts`
    assert (await store.drafts.get(draft["_id"]))["status"] == "pending"
    assert await store.outbox.col.count_documents({"contact_id": contact["_id"], "kind": {"$ne": "team"}}) == 0
    await decide_draft(store, clock, draft["_id"], dict(review.accept()), "Мария")
    with pytest.raises(StoreError):
        await decide_draft(store, clock, draft["_id"], dict(review.accept()), "Мария")
    worker = start_worker(settings, log)
    try:
        await wait_for(lambda: store.outbox.col.count_documents({"contact_id": contact["_id"], "kind": "outreach"}))
        await asyncio.sleep(1.0)  # time for any duplicate to appear
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    outreach = [d async for d in store.outbox.col.find({"contact_id": contact["_id"], "kind": "outreach"})]
    assert len(outreach) == 1 and outreach[0]["text"] == draft["text"]
