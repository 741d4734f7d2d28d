"""The shared sample dialogs (../shared/dialogs/*.yaml) classify as their `expect` says, rules only.

Plain `client` turns go through `classify`; raw `client_email` turns (auto-reply, bounce) through
`detect_certain` with the flag the email channel would set and the text/plain body.
"""

from __future__ import annotations

import email
import os
import re
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent.understanding.rules import classify, detect_certain
from agent.understanding.schema import Understanding

DIALOGS = Path(
    os.environ.get("SHARED_DIALOGS_DIR", Path(__file__).resolve().parents[4] / "shared" / "dialogs")
)
FILES = sorted(DIALOGS.glob("*.yaml"))
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def iso_duration(text: str) -> timedelta:
    found = _DURATION.match(text)
    assert found, text
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plain_body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    return ""


def channel_flags(message: Message) -> list[str]:
    """What the email channel sets: a delivery report is a bounce, Auto-Submitted an auto-reply."""
    if message.get_content_type() == "multipart/report" or "mailer-daemon" in str(message["From"]).lower():
        return ["bounce"]
    if str(message.get("Auto-Submitted", "no")).lower() != "no":
        return ["auto_reply"]
    return []


def understand(turn: dict[str, Any], clock: datetime, tz: ZoneInfo) -> Understanding:
    if "client" in turn:
        return classify(turn["client"], clock, tz)
    message = email.message_from_bytes(turn["client_email"].encode("utf-8"))
    settled = detect_certain(plain_body(message), channel_flags(message), clock, tz)
    assert settled is not None
    return settled


def test_all_twelve_samples_are_there() -> None:
    if not DIALOGS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI runs with ../shared beside the checkout, but {DIALOGS} is missing")
        pytest.skip(f"no shared dialogs at {DIALOGS}")
    assert len(FILES) == 12


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_sample_dialog(path: Path) -> None:
    dialog = yaml.safe_load(path.read_text(encoding="utf-8"))
    tz = ZoneInfo(dialog["contact"].get("timezone", "Europe/Moscow"))
    clock = aware(dialog["now"])
    checked = 0
    for turn in dialog["turns"]:
        clock += iso_duration(turn.get("after", turn.get("wait", "PT0S")))
        if "client" not in turn and "client_email" not in turn:
            continue
        expect = turn["expect"]
        understood = understand(turn, clock, tz)
        assert understood.intent == expect["intent"], (path.name, turn)
        if "demo_at" in expect:
            assert understood.demo_at == aware(expect["demo_at"])
        if "pause_until" in expect:
            assert understood.pause_until == expect["pause_until"]
            assert isinstance(understood.pause_until, date)
        if "referral" in expect:
            assert understood.referral is not None
            for field, value in expect["referral"].items():
                assert getattr(understood.referral, field) == value
        checked += 1
    assert checked > 0
