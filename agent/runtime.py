"""Assembles a running agent: storage (embedded or real MongoDB), checkpointer, graph, model."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pymongo import MongoClient

from agent.checkpoints import TurnSaver
from agent.clock import Clock, SystemClock
from agent.context import AgentContext
from agent.database import open_store
from agent.graph import ConversationGraph, build_graph
from agent.llm import Provider, StructuredLlm, resolve_provider
from agent.llm_mongo import build_relay_model, resolve_relay_provider
from agent.prompts import PromptLibrary
from agent.settings import Settings
from agent.store import Store
from agent.store.db import client_options
from agent.tools.deep_links import DeepLinkConfig
from agent.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class AgentRuntime:
    settings: Settings
    store: Store
    graph: ConversationGraph
    clock: Clock
    prompts: PromptLibrary
    provider: Provider
    llm: StructuredLlm | None
    notice: str | None = None
    mongo_uri: str = ""
    embedded: bool = False
    deep_links: DeepLinkConfig | None = None
    workers: list[Worker] = field(default_factory=list)

    def context(self, final_attempt: bool = False) -> AgentContext:
        return AgentContext(store=self.store, settings=self.settings, clock=self.clock, prompts=self.prompts,
                            llm=self.llm, final_attempt=final_attempt, deep_links=self.deep_links)

    def prune_checkpoints(self, keep: int) -> int:
        """Old checkpoints beyond the latest `keep` per conversation (retention; sync, run in a thread)."""
        saver = self.graph.checkpointer
        return saver.prune_old(keep) if isinstance(saver, TurnSaver) else 0

    def worker(self, name: str | None = None, exclusive: bool | None = None) -> Worker:
        """A graph worker. By default exclusive (no contact lock, no claim) when this process started
        the embedded server, unless WORKER_LOCK=always, or with WORKER_LOCK=never; pass
        `exclusive=False` when it runs several."""
        if exclusive is None:
            lock = self.settings.worker_lock
            exclusive = lock == "never" or (self.store.owns_server and lock == "auto")
        worker = Worker(self.store, self.graph, self.context, name, exclusive=exclusive)
        saver = self.graph.checkpointer
        if isinstance(saver, TurnSaver):  # the only worker reads its own checkpoints from memory
            saver.remember_own(exclusive and not self.workers, self.settings.worker_checkpoint_memory)
        self.workers.append(worker)
        return worker


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    clock: Clock | None = None,
    provider: Provider | None = None,
    llm: StructuredLlm | None = None,
    deep_links: DeepLinkConfig | None = None,
    listeners: Sequence[Any] | None = None,
) -> AsyncIterator[AgentRuntime]:
    """Everything a command needs. `provider`/`llm` override the configured model (tests, evals);
    `deep_links` comes from the composition root when a Telegram bot is configured."""
    notice = None
    if llm is not None:
        provider = "ollama"
    elif provider is None and settings.llm_transport == "http":
        provider, notice = await resolve_provider(settings)
    if provider == "ollama" and llm is None and settings.llm_transport == "http":
        llm = StructuredLlm.from_settings(settings)
    async with open_store(settings, listeners) as (store, uri, embedded):
        if llm is None and settings.llm_transport == "mongo":
            if provider is None:
                provider, notice = await resolve_relay_provider(settings, store.llm_requests)
            if provider == "ollama":
                llm = StructuredLlm.from_settings(settings, model=build_relay_model(settings, store.llm_requests))
        provider = provider or "rules"
        sync_client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=int(settings.mongodb_timeout_s * 1000),
                                                **client_options(embedded=embedded, listeners=listeners))
        try:
            saver = TurnSaver(sync_client, db_name=settings.mongodb_db)
            yield AgentRuntime(
                settings=settings,
                store=store,
                graph=build_graph(saver),
                clock=clock or SystemClock(),
                prompts=PromptLibrary(settings.prompts_dir, settings.product_facts_path),
                provider=provider,
                llm=llm if provider == "ollama" else None,
                notice=notice,
                mongo_uri=uri,
                embedded=embedded,
                deep_links=deep_links,
            )
        finally:
            sync_client.close()
