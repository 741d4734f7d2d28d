"""Review mode: which replies wait for a person, and the interrupt they wait in.

The payload and the response follow LangGraph's human-interrupt shape (the one LangChain's Agent
Inbox reads): `{"action_request": {"action", "args"}, "config": {"allow_accept", "allow_edit",
"allow_respond", "allow_ignore"}, "description"}`, answered by `{"type": "accept" | "edit" |
"ignore", "args": ...}`. `ignore` is our reject: nothing is sent and the reason is recorded.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from agent.settings import Settings

SEND_REPLY = "send_reply"


class ActionRequest(TypedDict):
    action: str
    args: dict[str, Any]


class InterruptConfig(TypedDict):
    allow_accept: bool
    allow_edit: bool
    allow_respond: bool
    allow_ignore: bool


class HumanInterrupt(TypedDict):
    action_request: ActionRequest
    config: InterruptConfig
    description: str


class HumanResponse(TypedDict):
    type: Literal["accept", "edit", "ignore", "response"]
    args: Any


def review_reason(settings: Settings, event: dict[str, Any], parts: list[dict[str, Any]]) -> str | None:
    """Why this reply must wait for a person under `APPROVAL`, or None when it goes out now."""
    mode = settings.approval
    event_kind = "outreach" if event.get("timer_kind") == "outreach" else event["kind"]
    if mode == "off" or event_kind in ("operator", "decision"):
        return None
    if mode == "all":
        return "review mode: every message waits for approval"
    if mode == "outreach" and event_kind == "outreach":
        return "review mode: first messages wait for approval"
    if mode == "model" and any(p.get("source") == "llm" for p in parts):
        return "review mode: the model wrote part of this reply"
    return None


def draft_interrupt(draft_id: str, contact: dict[str, Any], channel: str, text: str, subject: str | None,
                    attachments: list[str], reason: str) -> HumanInterrupt:
    name = contact.get("name") or contact["_id"]
    return HumanInterrupt(
        action_request=ActionRequest(action=SEND_REPLY, args={
            "draft_id": draft_id, "contact_id": contact["_id"], "contact_name": name,
            "company": contact.get("company"), "channel": channel, "text": text, "subject": subject,
            "attachments": attachments}),
        config=InterruptConfig(allow_accept=True, allow_edit=True, allow_respond=False, allow_ignore=True),
        description=f"{reason}. Draft to {name} on {channel}.")


def accept() -> HumanResponse:
    return HumanResponse(type="accept", args=None)


def edit(text: str) -> HumanResponse:
    return HumanResponse(type="edit", args=ActionRequest(action=SEND_REPLY, args={"text": text}))


def reject(reason: str) -> HumanResponse:
    return HumanResponse(type="ignore", args=reason)


def edited_text(response: HumanResponse) -> str | None:
    args = response.get("args") or {}
    text = (args.get("args") or {}).get("text") if isinstance(args, dict) else None
    return text.strip() if isinstance(text, str) and text.strip() else None
