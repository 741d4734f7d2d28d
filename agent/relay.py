"""The model relay on a GPU host with no inbound port (`sales-agent llm-relay`).

It connects out to MongoDB, heartbeats with the models its local Ollama has (`GET /api/tags`),
claims requests for those models with a lease, renews the lease while Ollama works, calls
`POST /api/chat` (not streamed) and writes the answer once. Several relays share the queue; a
relay killed mid-request leaves the claim to run out and be taken again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from agent.store.llm_requests import LlmRequestRepo

log = logging.getLogger(__name__)


@dataclass
class RelayConfig:
    ollama_url: str
    name: str = field(default_factory=socket.gethostname)
    lease_s: float = 30.0
    heartbeat_s: float = 5.0
    poll_s: float = 0.05
    concurrency: int = 1
    timeout_s: float = 120.0  # one Ollama call


@dataclass
class RelayCounters:
    answered: int = 0
    failed: int = 0
    lost: int = 0  # answers not written: the claim had passed to another relay or expired
    in_flight: int = 0


class Relay:
    def __init__(self, repo: LlmRequestRepo, config: RelayConfig, http: httpx.AsyncClient | None = None) -> None:
        self.repo = repo
        self.config = config
        self.claimer = f"{config.name}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.models: list[str] = []
        self.ollama_error: str | None = None
        self.counters = RelayCounters()
        self._http = http or httpx.AsyncClient(
            base_url=config.ollama_url.rstrip("/"), timeout=httpx.Timeout(config.timeout_s, connect=5.0))

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    async def refresh_models(self) -> list[str]:
        try:
            response = await self._http.get("/api/tags", timeout=5.0)
            response.raise_for_status()
            self.models = sorted({m.get("name") or m.get("model") for m in response.json().get("models", [])} - {None})
            self.ollama_error = None
        except (httpx.HTTPError, ValueError) as exc:
            self.models = []
            self.ollama_error = f"local Ollama at {self.config.ollama_url}: {type(exc).__name__}: {exc}"[:300]
            log.warning("%s", self.ollama_error)
        return self.models

    async def heartbeat(self, stopped: bool = False) -> None:
        await self.repo.heartbeat(self.config.name, self.models, self.now(), in_flight=self.counters.in_flight,
                                  answered=self.counters.answered, error=self.ollama_error, stopped=stopped)

    async def run(self, stop: asyncio.Event) -> None:
        await self.refresh_models()
        await self.heartbeat()
        tasks = [asyncio.create_task(self._heartbeats(stop))]
        tasks += [asyncio.create_task(self._claims(stop)) for _ in range(max(1, self.config.concurrency))]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self.heartbeat(stopped=True)
            await self._http.aclose()

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.heartbeat_s)
            if stop.is_set():
                return
            try:
                await self.refresh_models()
                await self.heartbeat()
                await self.repo.expire_overdue(self.now())
            except Exception:
                log.exception("relay heartbeat failed")

    async def _claims(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                doc = await self.repo.claim(self.claimer, self.models, self.now(), self.config.lease_s)
            except Exception:
                log.exception("relay claim failed")
                doc = None
            if doc is None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.config.poll_s)
                continue
            try:
                await self.serve(doc)
            except Exception:  # one bad request must never stop the relay; its lease runs out
                log.exception("relay failed on request %s", doc.get("_id"))

    async def serve(self, doc: dict[str, Any]) -> bool:
        """Call the local Ollama for one claimed request and write the answer (or the error) once."""
        self.counters.in_flight += 1
        renewer = asyncio.create_task(self._renew(doc["_id"]))
        try:
            ok, payload, status = await self._call(doc)
        finally:
            renewer.cancel()
            self.counters.in_flight -= 1
        now = self.now()
        if ok:
            written = await self.repo.answer(doc["_id"], self.claimer, self.config.name, payload, now)
        else:
            written = await self.repo.fail(doc["_id"], self.claimer, self.config.name, payload["error"], status, now)
        if not written:
            self.counters.lost += 1
            log.info("request %s: claim lost before the answer (taken over or expired)", doc["_id"])
        elif ok:
            self.counters.answered += 1
        else:
            self.counters.failed += 1
        return written

    async def _renew(self, request_id: str) -> None:
        while True:
            await asyncio.sleep(self.config.lease_s / 3)
            if not await self.repo.renew(request_id, self.claimer, self.now(), self.config.lease_s):
                return

    async def _call(self, doc: dict[str, Any]) -> tuple[bool, dict[str, Any], int]:
        body = {"model": doc["model"], "messages": doc["messages"], "stream": False,
                "options": doc.get("options") or {}}
        for key in ("format", "keep_alive"):
            if doc.get(key) is not None:
                body[key] = doc[key]
        try:
            response = await self._http.post("/api/chat", json=body)
        except httpx.TimeoutException:
            return False, {"error": f"the relay host's Ollama did not answer within {self.config.timeout_s:g} s"}, 504
        except httpx.HTTPError as exc:
            return False, {"error": f"the relay host cannot reach its Ollama: {type(exc).__name__}: {exc}"}, 503
        try:
            data = response.json()
        except ValueError:
            data = {"error": response.text[:300]}
        if response.status_code != 200:
            return False, {"error": str(data.get("error") or response.reason_phrase)}, response.status_code
        message = data.get("message") or {}
        answer = {"content": message.get("content") or "", "model": data.get("model"),
                  "done_reason": data.get("done_reason"), "prompt_eval_count": data.get("prompt_eval_count"),
                  "eval_count": data.get("eval_count"), "total_duration": data.get("total_duration")}
        return True, answer, 200
