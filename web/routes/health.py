"""Health: queue depths by status, quarantined events with their reasons (and a retry button),
each channel's last delivery, the model's configuration. Refreshes itself (htmx polling)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agent import operations
from agent.store import Store
from agent.store.errors import StoreError
from web.deps import CSRF, Desk, DeskDep, Operator, StoreDep, Viewer, render

router = APIRouter(tags=["health"])
CHANNELS = ("email", "telegram", "console")


async def _health(store: Store, desk: Desk) -> dict[str, object]:
    s = desk.settings
    return {
        "queues": {"inbox": await store.inbox.count_by_status(), "outbox": await store.outbox.count_by_status()},
        "contacts": await store.contacts.count_by_status(),
        "quarantined": await store.inbox.quarantined(limit=50),
        "channels": {c: await store.outbox.last_sent(c) for c in CHANNELS},
        "pending_drafts": len(await store.drafts.list("pending", limit=1000)),
        "model": {"provider": s.llm_provider, "host": s.ollama_base_url or "— (not configured)",
                  "model": s.ollama_model if s.ollama_base_url else "rules mode"},
        "tz": s.default_timezone, "now": desk.clock.now(),
    }


@router.get("/health")
async def health_page(request: Request, user: Viewer, desk: DeskDep, store: StoreDep) -> Response:
    return render(request, "health.html", {"user": user, **await _health(store, desk)})


@router.get("/health/panel")
async def health_panel(request: Request, user: Viewer, desk: DeskDep, store: StoreDep) -> Response:
    return render(request, "health_panel.html", {"user": user, **await _health(store, desk)}, partial=True)


@router.post("/health/retry/{key:path}", dependencies=[CSRF])
async def retry(request: Request, key: str, user: Operator, desk: DeskDep, store: StoreDep) -> Response:
    try:
        await operations.retry_quarantined(store, desk.clock, key, user.name)
        note, error = f"Event {key} is back in the queue.", None
    except StoreError as exc:
        note, error = None, str(exc)
    return render(request, "health_panel.html", {"user": user, "note": note, "error": error,
                                                 **await _health(store, desk)}, partial=True,
                  status=200 if error is None else 409)
