"""Strict loader for recorded dialogs (format: ../shared/DIALOGS.md).

Every problem is a `DialogError` whose message names the file and the key, e.g.
``dialogs/x.yaml: turns[1].expect.intent: unknown intent 'demos' (one of: ...)``. Timestamps are
read as text and parsed here, so a date without an offset or a bad duration never slips through.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from agent.understanding.schema import ACTIONS, INTENTS

Channel = Literal["email", "telegram", "console"]
TurnKind = Literal["client", "client_email", "wait"]

CHANNELS: tuple[str, ...] = ("email", "telegram", "console")

DIALOG_KEYS = ("id", "channel", "now", "contact", "start", "turns")
CONTACT_KEYS = ("name", "company", "email", "telegram", "phone", "timezone")
TURN_KEYS = ("client", "client_email", "wait", "after", "expect")
EXPECT_KEYS = ("intent", "actions", "demo_at", "pause_until", "referral", "reply", "reply_must", "reply_must_not")
REFERRAL_KEYS = ("name", "email", "telegram", "phone")
START_VALUES = ("outreach",)

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^[\w.-]+$")


class DialogError(ValueError):
    """A dialog file that does not follow the format; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}" if key else f"{path}: {problem}")


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration. Years and months are calendar steps in the contact's zone."""

    text: str
    months: int = 0
    delta: timedelta = timedelta(0)

    def after(self, start: datetime, tz: tzinfo) -> datetime:
        """`start` moved forward by this duration (months keep the local wall-clock time)."""
        moved = start
        if self.months:
            local = start.astimezone(tz)
            total = local.month - 1 + self.months
            year, month = local.year + total // 12, total % 12 + 1
            day = min(local.day, calendar.monthrange(year, month)[1])
            moved = local.replace(year=year, month=month, day=day)
        return moved + self.delta


@dataclass(frozen=True)
class ReferralExpect:
    name: str | None = None
    email: str | None = None
    telegram: str | None = None
    phone: str | None = None

    def fields(self) -> dict[str, str]:
        return {k: v for k, v in (("name", self.name), ("email", self.email), ("telegram", self.telegram),
                                  ("phone", self.phone)) if v is not None}


@dataclass(frozen=True)
class Expect:
    """What one turn must produce; None = not checked."""

    intent: str | None = None
    actions: frozenset[str] | None = None
    demo_at: datetime | None = None
    pause_until: date | datetime | None = None
    referral: ReferralExpect | None = None
    reply: bool | None = None
    reply_must: tuple[str, ...] = ()
    reply_must_not: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    index: int  # 1-based, as reported
    kind: TurnKind
    text: str = ""  # client text or the raw RFC 5322 message
    wait: Duration | None = None
    after: Duration | None = None
    expect: Expect = field(default_factory=Expect)


@dataclass(frozen=True)
class ContactSpec:
    name: str | None = None
    company: str | None = None
    email: str | None = None
    telegram: str | None = None
    phone: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Dialog:
    id: str
    path: Path
    channel: Channel
    now: datetime
    contact: ContactSpec
    turns: tuple[Turn, ...]
    start: str | None = None
    set_name: str = ""  # which PATH argument it came from (reports group by it)

    def zone(self, default: str) -> ZoneInfo:
        return ZoneInfo(self.contact.timezone or default)


# --- YAML without implicit timestamps, with duplicate keys refused -----------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text and refuses duplicate keys."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


# --- field parsers -----------------------------------------------------------------------------------


def parse_duration(text: str) -> Duration:
    """`PT2H`, `P3D`, `P1M`, `P1DT2H30M`, `P2W` … (ValueError when not ISO 8601)."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not an ISO 8601 duration: {text!r} (e.g. PT2H, P3D, P1M)")
    parts = {k: float(v) if k == "seconds" else int(v) for k, v in match.groupdict().items() if v}
    months = parts.get("years", 0) * 12 + parts.get("months", 0)
    delta = timedelta(weeks=parts.get("weeks", 0), days=parts.get("days", 0), hours=parts.get("hours", 0),
                      minutes=parts.get("minutes", 0), seconds=parts.get("seconds", 0))
    return Duration(text=text.strip(), months=int(months), delta=delta)


def _as_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value)


def parse_datetime(value: Any, tz: tzinfo | None = None) -> datetime:
    """An ISO 8601 date-time; without an offset it is read in `tz` (an error when `tz` is None)."""
    text = _as_text(value).strip()
    if _DATE_ONLY.match(text):
        raise ValueError(f"expected a date-time, got a date: {text!r}")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {text!r}") from None
    if when.tzinfo is None:
        if tz is None:
            raise ValueError(f"date-time without a UTC offset: {text!r} (e.g. 2026-11-25T10:00:00+03:00)")
        when = when.replace(tzinfo=tz)
    return when


def parse_date_or_datetime(value: Any, tz: tzinfo) -> date | datetime:
    text = _as_text(value).strip()
    if _DATE_ONLY.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a valid date: {text!r}") from None
    return parse_datetime(text, tz)


# --- the loader ---------------------------------------------------------------------------------------


class _Reader:
    """Reads one file; `fail(key, problem)` raises a DialogError naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> DialogError:
        return DialogError(self.path, key, problem)

    def mapping(self, value: Any, key: str, allowed: Iterable[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, f"expected a mapping, got {type(value).__name__}")
        allowed = tuple(allowed)
        for name in value:
            if name not in allowed:
                where = f"{key}.{name}" if key else str(name)
                raise self.fail(where, f"unknown key (allowed: {', '.join(allowed)})")
        return value

    def text(self, value: Any, key: str, *, allow_empty: bool = False) -> str:
        try:
            text = _as_text(value)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None
        if not allow_empty and not text.strip():
            raise self.fail(key, "must not be empty")
        return text

    def choice(self, value: Any, key: str, options: tuple[str, ...], what: str) -> str:
        if not isinstance(value, str) or value not in options:
            raise self.fail(key, f"unknown {what} {value!r} (one of: {', '.join(options)})")
        return value

    def duration(self, value: Any, key: str) -> Duration:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def regexes(self, value: Any, key: str) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.fail(key, "expected a list of regular expressions")
        out = []
        for i, item in enumerate(items):
            pattern = self.text(item, f"{key}[{i}]")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.fail(f"{key}[{i}]", f"bad regular expression: {exc}") from None
            out.append(pattern)
        return tuple(out)


def load_dialog(path: Path | str, set_name: str = "") -> Dialog:
    """One dialog file, validated strictly (DialogError on any problem)."""
    path = Path(path)
    reader = _Reader(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader subclass
    except OSError as exc:
        raise reader.fail("", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise reader.fail("", "not UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise reader.fail("", f"not valid YAML{where}: {problem}") from None
    doc = reader.mapping(raw, "", DIALOG_KEYS)
    for required in ("id", "channel", "now", "contact", "turns"):
        if required not in doc:
            raise reader.fail(required, "missing")

    dialog_id = reader.text(doc["id"], "id").strip()
    if not _ID.match(dialog_id):
        raise reader.fail("id", f"use letters, digits, '-', '_' or '.' only: {dialog_id!r}")
    channel = reader.choice(doc["channel"], "channel", CHANNELS, "channel")
    contact = _contact(reader, doc["contact"], channel)
    tz = ZoneInfo(contact.timezone) if contact.timezone else None
    try:
        now = parse_datetime(doc["now"])
    except ValueError as exc:
        raise reader.fail("now", str(exc)) from None
    start = None
    if "start" in doc:
        start = reader.choice(doc["start"], "start", START_VALUES, "start")
    turns_raw = doc["turns"]
    if not isinstance(turns_raw, list) or not turns_raw:
        raise reader.fail("turns", "expected a non-empty list of turns")
    turns = tuple(_turn(reader, item, i, channel, tz or now.tzinfo) for i, item in enumerate(turns_raw))
    return Dialog(id=dialog_id, path=path, channel=channel, now=now, contact=contact,  # type: ignore[arg-type]
                  turns=turns, start=start, set_name=set_name)


def _contact(reader: _Reader, value: Any, channel: str) -> ContactSpec:
    raw = reader.mapping(value, "contact", CONTACT_KEYS)
    fields = {k: reader.text(v, f"contact.{k}").strip() for k, v in raw.items() if v is not None}
    if tz_name := fields.get("timezone"):
        try:
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise reader.fail("contact.timezone", f"unknown time zone {tz_name!r} (e.g. Europe/Moscow)") from None
    if "email" in fields and "@" not in fields["email"]:
        raise reader.fail("contact.email", f"not an email address: {fields['email']!r}")
    if channel in ("email", "telegram") and channel not in fields:
        raise reader.fail(f"contact.{channel}", f"missing (the dialog's channel is {channel})")
    return ContactSpec(**fields)


def _turn(reader: _Reader, value: Any, i: int, channel: str, tz: tzinfo | None) -> Turn:
    key = f"turns[{i}]"
    raw = reader.mapping(value, key, TURN_KEYS)
    given = [k for k in ("client", "client_email", "wait") if k in raw]
    if not given:
        raise reader.fail(key, "missing client, client_email or wait (one of them is required)")
    if len(given) > 1:
        raise reader.fail(f"{key}.{given[1]}", f"a turn has exactly one of client, client_email, wait (also {given[0]})")
    kind = given[0]
    text, wait, after = "", None, None
    if kind == "wait":
        wait = reader.duration(raw["wait"], f"{key}.wait")
        if "after" in raw:
            raise reader.fail(f"{key}.after", "not allowed with wait (put the whole time in wait)")
    else:
        text = reader.text(raw[kind], f"{key}.{kind}")
        if kind == "client_email" and channel != "email":
            raise reader.fail(f"{key}.client_email", f"only for email dialogs (this one is {channel})")
    if "after" in raw:
        after = reader.duration(raw["after"], f"{key}.after")
    expect = _expect(reader, raw.get("expect"), f"{key}.expect", kind, tz) if "expect" in raw else Expect()
    return Turn(index=i + 1, kind=kind, text=text, wait=wait, after=after, expect=expect)  # type: ignore[arg-type]


def _expect(reader: _Reader, value: Any, key: str, kind: str, tz: tzinfo | None) -> Expect:
    raw = reader.mapping(value, key, EXPECT_KEYS)
    intent = None
    if "intent" in raw:
        if kind == "wait":
            raise reader.fail(f"{key}.intent", "a wait turn has no client message, so no intent")
        intent = reader.choice(raw["intent"], f"{key}.intent", INTENTS, "intent")
    actions = None
    if "actions" in raw:
        items = raw["actions"]
        if not isinstance(items, list):
            raise reader.fail(f"{key}.actions", "expected a list (use [] for 'just answer')")
        seen: set[str] = set()
        for j, item in enumerate(items):
            action = reader.choice(item, f"{key}.actions[{j}]", ACTIONS, "action")
            if action in seen:
                raise reader.fail(f"{key}.actions[{j}]", f"duplicate action {action!r}")
            seen.add(action)
        actions = frozenset(seen)
    demo_at = pause_until = None
    if "demo_at" in raw:
        try:
            demo_at = parse_datetime(raw["demo_at"], tz)
        except ValueError as exc:
            raise reader.fail(f"{key}.demo_at", str(exc)) from None
    if "pause_until" in raw:
        try:
            pause_until = parse_date_or_datetime(raw["pause_until"], tz)  # type: ignore[arg-type]
        except ValueError as exc:
            raise reader.fail(f"{key}.pause_until", str(exc)) from None
    referral = None
    if "referral" in raw:
        ref = reader.mapping(raw["referral"], f"{key}.referral", REFERRAL_KEYS)
        if not ref:
            raise reader.fail(f"{key}.referral", "give at least one of: " + ", ".join(REFERRAL_KEYS))
        referral = ReferralExpect(**{k: reader.text(v, f"{key}.referral.{k}").strip() for k, v in ref.items()})
    reply = None
    if "reply" in raw:
        if not isinstance(raw["reply"], bool):
            raise reader.fail(f"{key}.reply", f"expected true or false, got {raw['reply']!r}")
        reply = raw["reply"]
    must = reader.regexes(raw["reply_must"], f"{key}.reply_must") if "reply_must" in raw else ()
    must_not = reader.regexes(raw["reply_must_not"], f"{key}.reply_must_not") if "reply_must_not" in raw else ()
    return Expect(intent=intent, actions=actions, demo_at=demo_at, pause_until=pause_until, referral=referral,
                  reply=reply, reply_must=must, reply_must_not=must_not)


def dialog_files(path: Path) -> list[Path]:
    """The dialog files a PATH argument stands for: a file, or a directory's *.yaml / *.yml."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if path.is_file():
        return [path]
    raise DialogError(path, "", "no such file or directory")


def load_dialogs(paths: Iterable[Path | str]) -> list[Dialog]:
    """Every dialog under `paths`, strictly validated; ids must be unique across all of them."""
    dialogs: list[Dialog] = []
    seen: dict[str, Path] = {}
    for given in paths:
        root = Path(given)
        files = dialog_files(root)
        if root.is_dir() and not files:
            raise DialogError(root, "", "no *.yaml dialog files in this directory")
        folder = root if root.is_dir() else root.parent
        set_name = "/".join(p for p in (folder.resolve().parent.name, folder.resolve().name) if p)
        for file in files:
            dialog = load_dialog(file, set_name=set_name)
            if dialog.id in seen:
                raise DialogError(file, "id", f"duplicate id {dialog.id!r} (also in {seen[dialog.id]})")
            seen[dialog.id] = file
            dialogs.append(dialog)
    return dialogs
