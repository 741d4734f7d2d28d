"""Queueing outbound messages. The sender re-checks suppressions when it sends; this is the
first gate, not the last."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.contracts import ChannelName, OutboundMessage, message_id_for
from agent.store.suppressions import address_key, contact_addresses

if TYPE_CHECKING:
    from agent.context import AgentContext
    from agent.settings import Settings


def address_for(contact: dict[str, Any], channel: str) -> str | None:
    if channel == "email":
        return contact.get("email")
    if channel == "telegram":
        chat = contact.get("telegram_chat_id")
        return str(chat) if chat else None
    return contact["_id"]


def email_meta(key: str, channel: str, ctx: AgentContext) -> dict[str, Any]:
    """Email's Message-ID is fixed here, when the outbox document is written, before any send."""
    if channel != "email":
        return {}
    return {"message_id": message_id_for(key, ctx.settings.sender_email)}


def reply_subject(contact: dict[str, Any]) -> str | None:
    subject = contact.get("thread_subject")
    if not subject:
        return None
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


Sink = list[OutboundMessage]  # messages a turn writes together (`OutboxRepo.enqueue_many`)


async def queue_message(ctx: AgentContext, *, key: str, contact: dict[str, Any], channel: str, text: str,
                        kind: str, subject: str | None, attachments: list[str], event: dict[str, Any],
                        sink: Sink | None = None, check_suppressions: bool = True) -> bool:
    """Queue a message to the contact (into `sink` when given). False when there is no address, the
    contact opted out or (`check_suppressions`) an address is on the suppression list. A turn's reply
    skips that read: the sender checks the suppression list right before sending, the last gate."""
    to = address_for(contact, channel)
    if to is None or channel in contact.get("unreachable", []) or contact.get("status") == "opted_out":
        return False
    keys = [*contact_addresses(contact), address_key(channel, to)]
    if check_suppressions and await ctx.store.suppressions.any_suppressed(keys):
        return False
    in_reply_to = event.get("meta", {}).get("message_id") if event["kind"] == "message" else None
    meta = {**email_meta(key, channel, ctx), "event": event["key"]}  # the sender holds it if the client wrote since
    if channel == "email" and contact.get("mailbox"):  # the whole thread goes from the campaign's mailbox
        meta["mailbox"] = contact["mailbox"]
    message = OutboundMessage(
        key=key,
        contact_id=contact["_id"],
        channel=channel,
        to=to,
        kind=kind,
        subject=subject or reply_subject(contact),
        text=text,
        attachments=attachments,
        in_reply_to=in_reply_to,
        meta=meta,
    )
    if sink is not None:
        sink.append(message)
        return True
    return await ctx.store.outbox.enqueue(message, ctx.now())


async def queue_team_note(ctx: AgentContext, *, key: str, contact: dict[str, Any], template: str,
                          values: dict[str, Any], sink: Sink | None = None) -> bool:
    text = ctx.prompts.render(
        template,
        contact_name=contact.get("name") or contact["_id"],
        company=contact.get("company") or "—",
        contact_id=contact["_id"],
        **values,
    )
    settings = ctx.settings
    channel, to = team_address(settings)
    meta = email_meta(key, channel, ctx)
    if channel == "telegram":  # buttons under the notice: the team acts from the chat
        draft_id = values.get("draft_id")
        meta["actions"] = [
            {"action": action, "token": await ctx.store.team_actions.offer(
                key, action, contact_id=contact["_id"], draft_id=draft_id, now=ctx.now())}
            for action in TEAM_BUTTONS.get(template, ())]
    message = OutboundMessage(key=key, contact_id=contact["_id"], channel=channel, to=to, kind="team",
                              subject=text.splitlines()[0][:150], text=text, meta=meta)
    if sink is not None:
        sink.append(message)
        return True
    return await ctx.store.outbox.enqueue(message, ctx.now())


# The buttons each team notice offers in a Telegram team chat.
TEAM_BUTTONS: dict[str, tuple[str, ...]] = {
    "draft_team": ("approve", "edit", "reject", "take"),
    "handoff_team": ("take",),
    "possible_opt_out_team": ("take",),
    "opted_out_wrote_again": ("take",),
    "question_team": ("take",),
}


def team_address(settings: Settings) -> tuple[ChannelName, str]:
    """Where team notices go: TEAM_CHANNEL (console, email or a Telegram team chat)."""
    if settings.team_channel == "email":
        return "email", settings.sales_team_email
    if settings.team_channel == "telegram" and settings.team_telegram_chat_id:
        return "telegram", settings.team_telegram_chat_id
    return "console", "team"
