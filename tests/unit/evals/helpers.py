"""Hand-built eval results for the scorer and report tests (no servers)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evals.loader import ContactSpec, Dialog, Expect, Turn
from evals.runner import DialogResult, Sent, TurnResult

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 25, 10, tzinfo=MSK)
CONTACT = "c-00000001"


def reply(text: str, contact: str = CONTACT, kind: str = "message", channel: str = "email") -> Sent:
    return Sent(channel=channel, contact_id=contact, to="ivan@romashka.ru", kind=kind, text=text)


def turn(index: int, expect: Expect, kind: str = "client", **got: Any) -> TurnResult:
    result = TurnResult(index=index, kind=kind, expect=expect, **got)
    if result.sent and not result.reply_texts:
        result.reply_texts = [m.text for m in result.sent if m.kind != "team" and m.contact_id == CONTACT]
        result.replied = bool(result.reply_texts)
    return result


def dialog_result(dialog_id: str, *turns: TurnResult, set_name: str = "evals/dialogs",
                  start: TurnResult | None = None) -> DialogResult:
    dialog = Dialog(id=dialog_id, path=Path(f"{dialog_id}.yaml"), channel="email", now=NOW,
                    contact=ContactSpec(name="Иван Петров", email="ivan@romashka.ru", timezone="Europe/Moscow"),
                    turns=tuple(Turn(index=t.index, kind=t.kind, expect=t.expect) for t in turns),  # type: ignore[arg-type]
                    set_name=set_name)
    return DialogResult(dialog=dialog, start=start, turns=list(turns), contact_id=CONTACT)
