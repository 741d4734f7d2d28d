"""The dialog loader is strict: every problem names the file and the key."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from evals.loader import ACTIONS, INTENTS, DialogError, load_dialog, load_dialogs, parse_duration

SHARED = Path(__file__).resolve().parents[4] / "shared" / "dialogs"
OWN = Path(__file__).resolve().parents[3] / "evals" / "dialogs"

GOOD = """\
id: t-01
channel: email
now: 2026-11-25T10:00:00+03:00
contact:
  name: Иван Петров
  company: ООО «Ромашка»
  email: ivan@romashka.ru
  timezone: Europe/Moscow
start: outreach
turns:
- client: "Давайте созвонимся в четверг в 15:00."
  after: PT2H
  expect:
    intent: demo
    actions: [book_demo]
    demo_at: 2026-11-26T15:00:00+03:00
    reply: true
    reply_must: ['15:00']
- wait: P14D
  expect: {actions: [], reply: false}
"""


def write(tmp_path: Path, text: str, name: str = "d.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> DialogError:
    path = write(tmp_path, text)
    with pytest.raises(DialogError) as caught:
        load_dialog(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_a_good_dialog_loads_with_typed_fields(tmp_path: Path) -> None:
    dialog = load_dialog(write(tmp_path, GOOD))
    assert (dialog.id, dialog.channel, dialog.start) == ("t-01", "email", "outreach")
    assert dialog.now == datetime(2026, 11, 25, 10, tzinfo=timezone(timedelta(hours=3)))
    first, second = dialog.turns
    assert (first.index, first.kind, first.after.delta) == (1, "client", timedelta(hours=2))
    assert first.expect.actions == frozenset({"book_demo"})
    assert first.expect.demo_at == datetime(2026, 11, 26, 15, tzinfo=ZoneInfo("Europe/Moscow"))
    assert (second.kind, second.wait.delta, second.expect.reply) == ("wait", timedelta(days=14), False)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("start: outreach", "start: outreach\nlanguage: ru", "language"),
        ("    reply: true", "    reply: true\n    replies: 1", "turns[0].expect.replies"),
        ("  timezone: Europe/Moscow", "  timezone: Europe/Moscow\n  city: Москва", "contact.city"),
        ("  after: PT2H", "  after: PT2H\n  note: x", "turns[0].note"),
        ("    intent: demo", "    intent: demos", "turns[0].expect.intent"),
        ("    actions: [book_demo]", "    actions: [book_demo, send_deck]", "turns[0].expect.actions[1]"),
        ("    actions: [book_demo]", "    actions: [book_demo, book_demo]", "turns[0].expect.actions[1]"),
        ("now: 2026-11-25T10:00:00+03:00", "now: 2026-11-25T10:00:00", "now"),
        ("now: 2026-11-25T10:00:00+03:00", "now: 25.11.2026 10:00", "now"),
        ("    demo_at: 2026-11-26T15:00:00+03:00", "    demo_at: 2026-11-31T15:00:00+03:00", "turns[0].expect.demo_at"),
        ("    demo_at: 2026-11-26T15:00:00+03:00", "    demo_at: 2026-11-26", "turns[0].expect.demo_at"),
        ("  after: PT2H", "  after: 2h", "turns[0].after"),
        ("- wait: P14D", "- wait: P14X", "turns[1].wait"),
        ("- wait: P14D", "- wait: P", "turns[1].wait"),
        ("    reply: true", "    reply: maybe", "turns[0].expect.reply"),
        ("    reply_must: ['15:00']", "    reply_must: ['(15']", "turns[0].expect.reply_must[0]"),
        ("channel: email", "channel: sms", "channel"),
        ("start: outreach", "start: later", "start"),
        ("  timezone: Europe/Moscow", "  timezone: Europe/Atlantis", "contact.timezone"),
        ("  email: ivan@romashka.ru\n", "", "contact.email"),
    ],
)
def test_every_problem_names_the_file_and_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in GOOD
    error = error_for(tmp_path, GOOD.replace(old, new, 1))
    assert error.key == key, str(error)
    assert f": {key}: " in str(error)


def test_a_turn_needs_client_client_email_or_wait(tmp_path: Path) -> None:
    text = GOOD.replace('- client: "Давайте созвонимся в четверг в 15:00."\n  after: PT2H', "- after: PT2H")
    error = error_for(tmp_path, text)
    assert error.key == "turns[0]" and "client, client_email or wait" in error.problem


def test_a_turn_has_only_one_of_them(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace("- wait: P14D", "- wait: P14D\n  client: привет"))
    assert error.key == "turns[1].wait" and "exactly one of client, client_email, wait" in error.problem


def test_missing_required_keys(tmp_path: Path) -> None:
    assert error_for(tmp_path, GOOD.replace("id: t-01\n", "")).key == "id"
    assert error_for(tmp_path, GOOD.replace("now: 2026-11-25T10:00:00+03:00\n", "")).key == "now"
    assert error_for(tmp_path, GOOD.split("turns:")[0] + "turns: []\n").key == "turns"


def test_client_email_only_in_email_dialogs_and_wait_has_no_intent(tmp_path: Path) -> None:
    text = GOOD.replace("channel: email", "channel: console").replace('- client: "Давайте', '- client_email: "Давайте')
    assert error_for(tmp_path, text).key == "turns[0].client_email"
    text = GOOD.replace("  expect: {actions: [], reply: false}", "  expect: {intent: pause}")
    assert error_for(tmp_path, text).key == "turns[1].expect.intent"


def test_duplicate_yaml_keys_and_bad_yaml_are_errors(tmp_path: Path) -> None:
    assert "duplicate key" in str(error_for(tmp_path, GOOD.replace("start: outreach", "start: outreach\nid: t-02")))
    assert "not valid YAML" in str(error_for(tmp_path, "id: [unclosed\n"))


def test_ids_are_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(DialogError, match="duplicate id 't-01'"):
        load_dialogs([tmp_path])


def test_naive_expectation_times_are_read_in_the_contact_zone(tmp_path: Path) -> None:
    text = GOOD.replace("2026-11-26T15:00:00+03:00", "2026-11-26T15:00:00").replace("Europe/Moscow", "Asia/Vladivostok")
    dialog = load_dialog(write(tmp_path, text))
    assert dialog.turns[0].expect.demo_at == datetime(2026, 11, 26, 15, tzinfo=ZoneInfo("Asia/Vladivostok"))


def test_pause_until_is_a_date_or_a_datetime(tmp_path: Path) -> None:
    text = GOOD.replace("    demo_at: 2026-11-26T15:00:00+03:00", "    pause_until: 2026-12-07")
    assert load_dialog(write(tmp_path, text)).turns[0].expect.pause_until == date(2026, 12, 7)
    text = GOOD.replace("    demo_at: 2026-11-26T15:00:00+03:00", "    pause_until: 2026-12-07T10:00:00+03:00")
    assert isinstance(load_dialog(write(tmp_path, text)).turns[0].expect.pause_until, datetime)


def test_durations() -> None:
    assert parse_duration("PT2H30M").delta == timedelta(hours=2, minutes=30)
    assert parse_duration("P1DT2H").delta == timedelta(days=1, hours=2)
    assert parse_duration("P2W").delta == timedelta(weeks=2)
    assert parse_duration("PT40S").delta == timedelta(seconds=40)
    month = parse_duration("P1M")
    msk = ZoneInfo("Europe/Moscow")
    assert month.after(datetime(2026, 1, 31, 10, tzinfo=msk), msk) == datetime(2026, 2, 28, 10, tzinfo=msk)
    for bad in ("P", "PT", "2H", "P1.5D", "PT2h", ""):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_the_shared_samples_load_unchanged() -> None:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared samples are missing: {SHARED}")
        pytest.skip("shared/dialogs not present")
    assert len(load_dialogs([SHARED])) == 12


def test_the_own_set_covers_every_intent_and_action() -> None:
    dialogs = load_dialogs([OWN])
    assert len(dialogs) >= 40
    turns = [t for d in dialogs for t in d.turns]
    assert {t.expect.intent for t in turns} >= set(INTENTS)
    assert set().union(*(t.expect.actions or () for t in turns)) >= set(ACTIONS)
    assert {d.channel for d in dialogs} == {"email", "telegram", "console"}
    assert {t.kind for t in turns} == {"client", "client_email", "wait"}
    assert len({d.contact.timezone for d in dialogs}) >= 4
    assert sum(len(d.turns) > 1 for d in dialogs) >= 15
    assert sum(d.id.startswith("injection-") for d in dialogs) >= 4
    assert sum(len(t.expect.actions or ()) > 1 for t in turns) >= 2
