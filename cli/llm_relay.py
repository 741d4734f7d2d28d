"""`sales-agent llm-relay`: serve model requests from MongoDB with the local Ollama (GPU host)."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from agent.database import open_store
from cli.common import console, fail, run, settings_or_exit, stop_on_signals


def llm_relay(
    concurrency: Annotated[int | None, typer.Option(min=1, max=64, help="Requests served at once "
                                                    "(default RELAY_CONCURRENCY)")] = None,
    name: Annotated[str | None, typer.Option(help="Host name in heartbeats (default RELAY_NAME or the host name)")] = None,
) -> None:
    """On a GPU host with no inbound port: connect out to MONGODB_URI, claim model requests
    (LLM_TRANSPORT=mongo on the agent side), call the local Ollama (OLLAMA_BASE_URL) and write
    the answers. Heartbeats with the host's models; Ctrl+C or SIGTERM stops it cleanly."""
    from agent.relay import Relay, RelayConfig

    settings = settings_or_exit()
    if not settings.ollama_base_url:
        raise fail("OLLAMA_BASE_URL is not set: the relay needs the local Ollama, e.g. http://127.0.0.1:11434")
    config = RelayConfig(
        ollama_url=settings.ollama_base_url, name=name or settings.relay_name or socket.gethostname(),
        lease_s=settings.relay_lease_s, heartbeat_s=settings.relay_heartbeat_s, poll_s=settings.relay_poll_s,
        concurrency=concurrency or settings.relay_concurrency, timeout_s=settings.ollama_timeout_s,
    )

    async def go() -> None:
        stop = stop_on_signals()
        async with open_store(settings) as (store, _uri, embedded):
            relay = Relay(store.llm_requests, config)
            models = await relay.refresh_models()
            where = "embedded store" if embedded else "MONGODB_URI"
            console.print(f"llm-relay {config.name}: {where}, Ollama {config.ollama_url}, "
                          f"models: {', '.join(models) or 'none'}", highlight=False)
            await relay.run(stop)
        c = relay.counters
        console.print(f"llm-relay stopped: {c.answered} answered, {c.failed} failed, {c.lost} lost", highlight=False)

    run(go)
