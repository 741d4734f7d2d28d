"""Review: drafts waiting for approval (approve, edit inline, reject) and the hand-off queue.
The queue refreshes itself (htmx polling) unless a draft is being edited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from agent import operations
from agent.store import Store
from agent.store.errors import StoreError
from agent.tools import review as decisions
from web.deps import CSRF, DeskDep, Operator, StoreDep, Viewer, render

router = APIRouter(tags=["review"])


async def _queue(store: Store, default_tz: str) -> dict[str, object]:
    drafts = await store.drafts.list("pending", limit=100)
    names = {d["contact_id"]: (await store.contacts.get(d["contact_id"]) or {}) for d in drafts}
    return {"drafts": drafts, "contacts": names, "handoffs": await store.contacts.list("handoff", limit=100),
            "default_tz": default_tz}


@router.get("/review")
async def review_page(request: Request, user: Viewer, store: StoreDep) -> Response:
    return render(request, "review.html", {"user": user, **await _queue(store, request.app.state.desk.settings.default_timezone)})


@router.get("/review/queue")
async def review_queue(request: Request, user: Viewer, store: StoreDep) -> Response:
    return render(request, "review_queue.html", {"user": user, **await _queue(store, request.app.state.desk.settings.default_timezone)}, partial=True)


@router.get("/drafts/{draft_id}/edit")
async def edit_form(request: Request, draft_id: str, user: Operator, store: StoreDep) -> Response:
    draft = await store.drafts.get(draft_id)
    if draft is None:
        raise HTTPException(404, f"no draft {draft_id}")
    return render(request, "draft_edit.html", {"user": user, "d": draft}, partial=True)


@router.post("/drafts/{draft_id}/{decision}", dependencies=[CSRF])
async def decide(request: Request, draft_id: str, decision: str, user: Operator, desk: DeskDep, store: StoreDep,
                 text: Annotated[str, Form(max_length=20_000)] = "",
                 reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    if decision == "approve":
        response = decisions.accept()
    elif decision == "edit":
        if not text.strip():
            raise HTTPException(422, "the edited text is empty")
        response = decisions.edit(text.strip())
    elif decision == "reject":
        response = decisions.reject(reason.strip() or "rejected")
    else:
        raise HTTPException(404, "no such decision")
    try:
        status = await operations.decide_draft(store, desk.clock, draft_id, dict(response), user.name)
        note, error = f"Draft {status}; the worker carries it out.", None
    except StoreError as exc:
        note, error = None, str(exc)
    return render(request, "review_queue.html", {"user": user, "note": note, "error": error, **await _queue(store, request.app.state.desk.settings.default_timezone)},
                  status=200 if error is None else 409, partial=True)
