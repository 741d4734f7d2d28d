"""One conversation: the timeline, drafts, timers; reply, take over, give back, restart, move to a
new email, opt out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from agent import operations
from agent.store import Store
from agent.store.errors import StoreError
from agent.tools.calendar import zone
from web.deps import CSRF, Desk, DeskDep, Operator, StoreDep, User, Viewer, render
from web.timeline import timeline

router = APIRouter(tags=["conversation"])


async def _page(request: Request, contact_id: str, user: User, desk: Desk, store: Store,
                message: str | None = None, error: str | None = None, status: int = 200) -> Response:
    contact = await store.contacts.get(contact_id)
    if contact is None:
        raise HTTPException(404, f"no contact {contact_id}")
    return render(request, "conversation.html", {
        "user": user, "contact": contact, "tz": zone(contact.get("timezone"), desk.settings),
        "items": await timeline(store, contact_id), "drafts": await store.drafts.for_contact(contact_id),
        "timer": await store.timers.scheduled_for(contact_id), "message": message, "error": error}, status=status)


@router.get("/contacts/{contact_id}")
async def conversation(request: Request, contact_id: str, user: Viewer, desk: DeskDep, store: StoreDep) -> Response:
    return await _page(request, contact_id, user, desk, store, message=request.session.pop("flash", None))


async def _act(request: Request, contact_id: str, user: User, desk: Desk, store: Store, action: str,
               text: str = "", stop_old: bool = False) -> Response:
    clock = desk.clock
    try:
        if action == "move-email":
            moved = await operations.move_contact_email(store, clock, contact_id, text, stop_old, user.name,
                                                        desk.settings.sender_email)
            done = (f"Later messages go to {moved['email']}"
                    f"{'; the old address is on the suppression list' if stop_old else ''}.")
        elif action == "reply":
            await operations.send_as_person(store, clock, contact_id, text, user.name)
            done = "Your message is queued; it goes out in the contact's thread."
        elif action == "take":
            await operations.take_over(store, clock, contact_id, user.name)
            done = "You have taken this conversation over; the agent answers nothing until you give it back."
        elif action == "give-back":
            await operations.give_back(store, clock, contact_id, user.name)
            done = "The conversation is back with the agent."
        elif action == "restart":
            await operations.restart(store, clock, contact_id, by=user.name)
            done = "Restart queued; the agent starts over with this contact."
        else:
            result = await operations.opt_out(store, clock, contact_id, reason=f"opted out by {user.name}",
                                              by=user.name)
            done = f"Opted out: nothing more is sent to this contact ({result.stopped} queued message(s) stopped)."
            if result.cancelled_demo_at is not None:
                contact = await store.contacts.require(contact_id)
                when = result.cancelled_demo_at.astimezone(zone(contact.get("timezone"), desk.settings))
                done += f" The demo booked for {when:%d.%m.%Y %H:%M %Z} is dropped: take it out of the manager's calendar."
    except StoreError as exc:
        return await _page(request, contact_id, user, desk, store, error=str(exc), status=409)
    if request.headers.get("HX-Request"):
        return await _page(request, contact_id, user, desk, store, message=done)
    request.session["flash"] = done  # shown once on the page the redirect leads to
    return RedirectResponse(f"/contacts/{contact_id}", status_code=303)


@router.post("/contacts/{contact_id}/reply", dependencies=[CSRF])
async def reply(request: Request, contact_id: str, user: Operator, desk: DeskDep, store: StoreDep,
                text: Annotated[str, Form(max_length=20_000)] = "") -> Response:
    return await _act(request, contact_id, user, desk, store, "reply", text)


@router.post("/contacts/{contact_id}/move-email", dependencies=[CSRF])
async def move_email(request: Request, contact_id: str, user: Operator, desk: DeskDep, store: StoreDep,
                     email: Annotated[str, Form(max_length=254)] = "",
                     stop_old: Annotated[bool, Form()] = False) -> Response:
    """The client's own new email («мой новый адрес: …»): later messages go there."""
    return await _act(request, contact_id, user, desk, store, "move-email", email, stop_old)


@router.post("/contacts/{contact_id}/{action}", dependencies=[CSRF])
async def act(request: Request, contact_id: str, action: str, user: Operator, desk: DeskDep, store: StoreDep) -> Response:
    if action not in ("take", "give-back", "restart", "opt-out"):
        raise HTTPException(404, "no such action")
    return await _act(request, contact_id, user, desk, store, action)
