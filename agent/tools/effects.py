"""The records nodes return: reply parts, and effects that `deliver` carries out.

Nodes stay pure (state in, update out): every write they want is described by one of the typed
effects below and carried out once, idempotently, by `deliver` (`agent/nodes/deliver.py`), which
has exactly one handler per effect type. The checkpoint keeps effects as plain dicts (the
`effects_reducer` dumps them); `parse_effect` reads them back into these types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

# Reply part order: acknowledgements first, then the answers to what was asked, then the booking and
# the deck, then one closing offer.
ORDER = {"ack": 10, "answer": 15, "demo": 20, "present": 30, "later": 50, "offer": 60, "close": 80}

# Timer priorities: the strongest wins when several nodes ran in one turn.
NO_TIMER, PAUSE, CADENCE = 30, 20, 10


class BaseEffect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UpdateContact(BaseEffect):
    """Set fields on the contact; with several in a turn, higher `order` wins a clash."""

    type: Literal["contact"] = "contact"
    order: int = 0
    set: dict[str, Any]


class ScheduleTimer(BaseEffect):
    """The contact's next timer (the turn's strongest timer effect wins; `kind=None` clears them)."""

    type: Literal["timer"] = "timer"
    kind: str | None
    due_at: datetime | None
    priority: int = CADENCE
    meta: dict[str, Any] = Field(default_factory=dict)


class RecordFact(BaseEffect):
    """An append-only fact in `events` (deck_sent, demo_booked, …), keyed by the inbound event."""

    type: Literal["event"] = "event"
    name: str
    data: dict[str, Any] = Field(default_factory=dict)


class NotifyTeam(BaseEffect):
    """A note to the sales team from a template (hand-off, booked demo)."""

    type: Literal["notify_team"] = "notify_team"
    template: str
    values: dict[str, Any] = Field(default_factory=dict)


class Suppress(BaseEffect):
    """The client opted out: every address of the contact goes on the suppression list now."""

    type: Literal["suppress"] = "suppress"


class MoveAddress(BaseEffect):
    """The client's own new email: the contact's address changes before the reply is sent, the old
    one is kept in `former_emails` (and suppressed when the client asked us to stop writing there)."""

    type: Literal["move_address"] = "move_address"
    email: str
    stop_old: bool = False


class CreateContact(BaseEffect):
    """A referred person becomes a contact, with an outreach timer."""

    type: Literal["create_contact"] = "create_contact"
    fields: dict[str, Any]
    slot: int = 0  # the n-th person of one message (each gets its own id derived from the event)


class Attach(BaseEffect):
    """A file sent with the reply (the deck)."""

    type: Literal["attach"] = "attach"
    path: str


class SetSubject(BaseEffect):
    """The subject of an email reply that starts a thread (outreach)."""

    type: Literal["subject"] = "subject"
    subject: str


class MarkUnreachable(BaseEffect):
    """Nothing more goes to the contact on this channel (a hard bounce, a blocked bot)."""

    type: Literal["unreachable"] = "unreachable"
    channel: str


class IssueTelegramLink(BaseEffect):
    """Store the deep-link token the reply's Telegram invitation carries."""

    type: Literal["telegram_link"] = "telegram_link"
    token: str
    ttl_days: float


class RememberReading(BaseEffect):
    """Cache a model's reading on the inbox event, so a replay reads the message the same way."""

    type: Literal["remember_reading"] = "remember_reading"
    reading: dict[str, Any]
    handoff_reason: str | None = None


Effect = Annotated[
    UpdateContact | ScheduleTimer | RecordFact | NotifyTeam | Suppress | MoveAddress | CreateContact | Attach
    | SetSubject | MarkUnreachable | IssueTelegramLink | RememberReading,
    Field(discriminator="type"),
]
EFFECT_TYPES: tuple[type[BaseEffect], ...] = (UpdateContact, ScheduleTimer, RecordFact, NotifyTeam, Suppress,
                                           MoveAddress, CreateContact, Attach, SetSubject, MarkUnreachable, IssueTelegramLink,
                                           RememberReading)
_ADAPTER: TypeAdapter[Effect] = TypeAdapter(Effect)


def parse_effect(value: BaseEffect | dict[str, Any]) -> BaseEffect:
    """An effect as its type, from the model itself or its checkpointed dict."""
    return value if isinstance(value, BaseEffect) else _ADAPTER.validate_python(value)


def effects_reducer(left: list[dict[str, Any]] | None, right: list[Any] | None) -> list[dict[str, Any]]:
    """Accumulates a turn's effects as plain dicts (checkpoint-safe); `None` starts the next turn."""
    if right is None:
        return []
    dumped = [parse_effect(e).model_dump() for e in right]
    return [*(left or []), *dumped]


# --- builders the nodes use ------------------------------------------------------------------

def part(text: str, slot: str, source: str = "template", closing: int = 0) -> dict[str, Any]:
    """A piece of the reply (compose adds the greeting and, on email, the signature). A `closing`
    part is a closing offer or question: a reply keeps only the highest-ranked one, so parts from
    several nodes never end twice («когда Вам удобно созвониться?» next to «подскажите день и время»)."""
    piece: dict[str, Any] = {"order": ORDER[slot], "text": text.strip(), "source": source}
    if closing:
        piece["closing"] = closing
    return piece


# Closing ranks: the deck's invitation to a call outranks the price answer's, which outranks the
# general offer of the deck or a demo.
CLOSING_OFFER, CLOSING_CALL, CLOSING_DECK = 1, 2, 3


def one_closing(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts with only the highest-ranked closing (the first of equal rank)."""
    closings = [p for p in parts if p.get("closing")]
    if len(closings) <= 1:
        return parts
    keep = max(closings, key=lambda p: p["closing"])
    return [p for p in parts if not p.get("closing") or p is keep]


def contact_update(order: int = 0, **fields: Any) -> UpdateContact:
    return UpdateContact(order=order, set=fields)


def timer(kind: str, due_at: datetime, priority: int = CADENCE, **meta: Any) -> ScheduleTimer:
    return ScheduleTimer(kind=kind, due_at=due_at, priority=priority, meta=meta)


def no_timer() -> ScheduleTimer:
    return ScheduleTimer(kind=None, due_at=None, priority=NO_TIMER)


def fact(name: str, **data: Any) -> RecordFact:
    return RecordFact(name=name, data=data)


def notify_team(template: str, **values: Any) -> NotifyTeam:
    return NotifyTeam(template=template, values=values)


def suppress() -> Suppress:
    return Suppress()


def move_address(email: str, stop_old: bool) -> MoveAddress:
    return MoveAddress(email=email, stop_old=stop_old)


def create_contact(fields: dict[str, Any], slot: int = 0) -> CreateContact:
    return CreateContact(fields=fields, slot=slot)


def attach(path: str) -> Attach:
    return Attach(path=path)


def subject(text: str) -> SetSubject:
    return SetSubject(subject=text)


def unreachable(channel: str) -> MarkUnreachable:
    return MarkUnreachable(channel=channel)


def first_name(contact: dict[str, Any]) -> str:
    name = (contact.get("first_name") or contact.get("name") or "").strip()
    return name.split()[0] if name else ""
