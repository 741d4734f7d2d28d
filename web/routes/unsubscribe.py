"""The public one-click unsubscribe link (RFC 8058). No login and no CSRF token: the POST comes
from the mail provider (`List-Unsubscribe=One-Click`) or from the confirmation page. The signed
token names the contact; a forged or altered token is a 404 and changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from agent import operations
from agent.store import Store
from agent.tools.unsubscribe_token import verify_token
from web.deps import Desk, DeskDep, StoreDep, render

router = APIRouter(tags=["unsubscribe"])


async def _contact(token: str, desk: Desk, store: Store) -> dict[str, object]:
    contact_id = verify_token(token, desk.web.unsubscribe_key())
    contact = await store.contacts.get(contact_id) if contact_id else None
    if contact is None:
        raise HTTPException(404, "This link is not valid.")
    return contact


@router.get("/u/{token}")
async def confirm_page(request: Request, token: str, desk: DeskDep, store: StoreDep) -> Response:
    contact = await _contact(token, desk, store)
    return render(request, "unsubscribe.html", {"token": token, "done": contact.get("status") == "opted_out",
                                                "company": desk.settings.sender_company}, partial=False)


@router.post("/u/{token}")
async def one_click(request: Request, token: str, desk: DeskDep, store: StoreDep) -> Response:
    contact = await _contact(token, desk, store)
    if contact.get("status") != "opted_out":
        await operations.opt_out(store, desk.clock, str(contact["_id"]),
                                 reason="one-click unsubscribe link (RFC 8058)", by="unsubscribe link")
    return render(request, "unsubscribe.html", {"token": token, "done": True,
                                                "company": desk.settings.sender_company}, partial=False)
