"""Scores as ../shared/DIALOGS.md lists them, overall, per set and per intent.

Every check of one turn yields either a pass or a `Failure` (dialog id, turn, what, expected, got),
so the table, the JSON and the HTML all come from the same numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent.tools.reply_rules import violations
from agent.understanding.schema import INTENTS
from evals.grounding import invented
from evals.loader import ReferralExpect
from evals.runner import DialogResult, Sent, TurnResult

RULE_KINDS = ("language", "length", "price", "promise", "leak", "reply_must", "reply_must_not")
INVENTED = ("price", "promise")  # a figure, discount or promise that is not in the product facts
_RULE_PREFIX = {"too long": "length", "not in the client": "language", "names a price": "price",
                "promises what": "promise", "looks like system": "leak"}


@dataclass(frozen=True)
class Failure:
    dialog_id: str
    turn: int
    check: str  # intent | actions | reply | demo_at | pause_until | referral.<field> | rule:<kind> | ...
    expected: str
    got: str
    set_name: str = ""
    intent: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TurnScore:
    """The checks of one turn; `bucket` is the expected intent (or wait / start / none)."""

    dialog_id: str
    set_name: str
    turn: int
    bucket: str
    intent: tuple[int, int] = (0, 0)  # (correct, checked)
    actions: tuple[int, int] = (0, 0)
    reply: tuple[int, int] = (0, 0)
    dates: tuple[int, int] = (0, 0)
    referral: tuple[int, int] = (0, 0)
    opt_out: tuple[int, int] = (0, 0)  # (done, asked); a stop held for a person counts as done
    opt_out_held: int = 0  # an expected opt-out that landed in the possible band (nothing sent)
    ordinary_held: tuple[int, int] = (0, 0)  # (in the possible band, checked): other client messages
    messages: int = 0  # client-facing messages checked against the reply rules
    violations: Counter[str] = field(default_factory=Counter)
    after_opt_out: int = 0
    errors: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    model_s: float = 0.0
    counts_per_turn: bool = True  # dialog turns count for the per-turn averages; the opening does not
    failures: list[Failure] = field(default_factory=list)


def _pct(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[rank]


@dataclass
class Scores:
    """Aggregated over any group of turns."""

    dialogs: int = 0
    turns: int = 0
    intent_correct: int = 0
    intent_checked: int = 0
    actions_correct: int = 0
    actions_checked: int = 0
    reply_correct: int = 0
    reply_checked: int = 0
    dates_correct: int = 0
    dates_checked: int = 0
    referral_correct: int = 0
    referral_checked: int = 0
    opt_out_done: int = 0
    opt_out_asked: int = 0
    opt_out_held: int = 0
    ordinary_held: int = 0
    ordinary_checked: int = 0
    messages_checked: int = 0
    violations: dict[str, int] = field(default_factory=dict)
    messages_after_opt_out: int = 0
    errors: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latencies: list[float] = field(default_factory=list)
    model_s: float = 0.0
    failures: int = 0

    @property
    def intent_accuracy(self) -> float | None:
        return _pct(self.intent_correct, self.intent_checked)

    @property
    def action_match(self) -> float | None:
        return _pct(self.actions_correct, self.actions_checked)

    @property
    def reply_match(self) -> float | None:
        return _pct(self.reply_correct, self.reply_checked)

    @property
    def field_accuracy(self) -> float | None:
        return _pct(self.dates_correct + self.referral_correct, self.dates_checked + self.referral_checked)

    @property
    def opt_out_recall(self) -> float | None:
        return _pct(self.opt_out_done, self.opt_out_asked)

    @property
    def invented_prices(self) -> int:
        return sum(self.violations.get(kind, 0) for kind in INVENTED)

    @property
    def rule_violations(self) -> int:
        return sum(self.violations.values())

    def per_turn(self, total: float) -> float | None:
        return total / self.turns if self.turns else None

    def as_dict(self) -> dict[str, Any]:
        def r(value: float | None, digits: int = 4) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "dialogs": self.dialogs,
            "turns": self.turns,
            "intent_accuracy": r(self.intent_accuracy),
            "intent": [self.intent_correct, self.intent_checked],
            "action_exact_match": r(self.action_match),
            "actions": [self.actions_correct, self.actions_checked],
            "reply_match": r(self.reply_match),
            "reply": [self.reply_correct, self.reply_checked],
            "field_accuracy": r(self.field_accuracy),
            "fields": {"dates": [self.dates_correct, self.dates_checked],
                       "referral": [self.referral_correct, self.referral_checked]},
            "opt_out_recall": r(self.opt_out_recall),
            "opt_out": [self.opt_out_done, self.opt_out_asked],
            "opt_out_possible_band": {"expected_opt_outs_held": self.opt_out_held,
                                      "ordinary_held": [self.ordinary_held, self.ordinary_checked]},
            "messages_after_opt_out": self.messages_after_opt_out,
            "messages_checked": self.messages_checked,
            "rule_violations": self.rule_violations,
            "violations": {k: self.violations.get(k, 0) for k in RULE_KINDS},
            "invented_prices": self.invented_prices,
            "errors": self.errors,
            "failures": self.failures,
            "llm": {
                "calls": self.llm_calls,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "calls_per_turn": r(self.per_turn(self.llm_calls), 3),
                "tokens_per_turn": r(self.per_turn(self.prompt_tokens + self.completion_tokens), 1),
                "model_s": round(self.model_s, 3),
            },
            "latency_s": {
                "mean": r(self.per_turn(sum(self.latencies)), 4),
                "p50": r(_percentile(self.latencies, 0.5), 4),
                "p95": r(_percentile(self.latencies, 0.95), 4),
                "max": r(max(self.latencies) if self.latencies else None, 4),
            },
        }


def aggregate(turns: Iterable[TurnScore]) -> Scores:
    scores = Scores()
    dialogs: set[str] = set()
    violations: Counter[str] = Counter()
    for t in turns:
        dialogs.add(t.dialog_id)
        if t.counts_per_turn:
            scores.turns += 1
            scores.latencies.append(t.latency_s)
        for name in ("intent", "actions", "reply", "dates", "referral"):
            ok, checked = getattr(t, name)
            setattr(scores, f"{name}_correct", getattr(scores, f"{name}_correct") + ok)
            setattr(scores, f"{name}_checked", getattr(scores, f"{name}_checked") + checked)
        scores.opt_out_done += t.opt_out[0]
        scores.opt_out_asked += t.opt_out[1]
        scores.opt_out_held += t.opt_out_held
        scores.ordinary_held += t.ordinary_held[0]
        scores.ordinary_checked += t.ordinary_held[1]
        scores.messages_checked += t.messages
        violations.update(t.violations)
        scores.messages_after_opt_out += t.after_opt_out
        scores.errors += t.errors
        scores.llm_calls += t.llm_calls
        scores.prompt_tokens += t.prompt_tokens
        scores.completion_tokens += t.completion_tokens
        scores.model_s += t.model_s
        scores.failures += len(t.failures)
    scores.dialogs = len(dialogs)
    scores.violations = dict(violations)
    return scores


# --- checking one turn --------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, frozenset | set | list | tuple):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _norm_name(text: str | None) -> str:
    return " ".join((text or "").replace("ё", "е").replace("Ё", "Е").casefold().split())


def _norm_phone(text: str | None) -> str:
    digits = re.sub(r"\D", "", text or "")
    return digits[-10:]


_NORMALISERS: dict[str, Callable[[str | None], str]] = {
    "name": _norm_name,
    "email": lambda v: (v or "").strip().lower(),
    "telegram": lambda v: "@" + (v or "").strip().lstrip("@").lower() if v else "",
    "phone": _norm_phone,
}


def same_pause(expected: date | datetime, got: date | datetime | None, tz: ZoneInfo) -> bool:
    """A date matches the same day (also when the agent kept a time); a datetime the same instant."""
    if got is None:
        return False
    if isinstance(expected, datetime):
        return isinstance(got, datetime) and got == expected
    day = got.astimezone(tz).date() if isinstance(got, datetime) and got.tzinfo else got
    return (day.date() if isinstance(day, datetime) else day) == expected


def referral_checks(expected: ReferralExpect, got: dict[str, Any] | None) -> list[tuple[str, str, str, bool]]:
    """(field, expected, got, ok) for every field the dialog gives."""
    out = []
    for name, want in expected.fields().items():
        have = (got or {}).get(name)
        norm = _NORMALISERS[name]
        out.append((name, want, _fmt(have), have is not None and norm(have) == norm(want)))
    return out


def rule_kind(message: str) -> str:
    return next((kind for prefix, kind in _RULE_PREFIX.items() if message.startswith(prefix)), "other")


class Scorer:
    """Checks turns against their expectations and the rules every dialog checks implicitly."""

    def __init__(self, product_facts: str, max_words: int, default_timezone: str = "Europe/Moscow") -> None:
        self.product_facts = product_facts
        self.max_words = max_words
        self.default_timezone = default_timezone

    def score(self, results: Iterable[DialogResult]) -> list[TurnScore]:
        return [score for result in results for score in self.score_dialog(result)]

    def score_dialog(self, result: DialogResult) -> list[TurnScore]:
        tz = result.dialog.zone(self.default_timezone)
        scores = [self.score_turn(result, turn, tz) for turn in result.all_turns()]
        if result.error and scores:
            last = scores[-1]
            last.errors += 1
            last.failures.append(self._failure(result, last.turn, "error", "the dialog runs", result.error, last.bucket))
        return scores

    def _failure(self, result: DialogResult, turn: int, check: str, expected: Any, got: Any, bucket: str) -> Failure:
        return Failure(result.id, turn, check, _fmt(expected) if not isinstance(expected, str) else expected,
                       _fmt(got) if not isinstance(got, str) else got, result.dialog.set_name, bucket)

    def score_turn(self, result: DialogResult, turn: TurnResult, tz: ZoneInfo) -> TurnScore:
        exp = turn.expect
        bucket = "start" if turn.kind == "start" else "wait" if turn.kind == "wait" else exp.intent or "unlabelled"
        s = TurnScore(result.id, result.dialog.set_name, turn.index, bucket, llm_calls=turn.llm_calls,
                      prompt_tokens=turn.prompt_tokens, completion_tokens=turn.completion_tokens,
                      latency_s=turn.latency_s, model_s=turn.model_s, counts_per_turn=turn.kind != "start")

        def fail(check: str, expected: Any, got: Any) -> None:
            s.failures.append(self._failure(result, turn.index, check, expected, got, bucket))

        for error in turn.errors:
            s.errors += 1
            fail("error", "no error", error)
        got_actions = frozenset(turn.actions)
        if exp.intent is not None:
            ok = turn.ran and turn.intent == exp.intent
            s.intent = (int(ok), 1)
            if not ok:
                fail("intent", exp.intent, turn.intent)
        if exp.actions is not None:
            ok = turn.ran and got_actions == exp.actions
            s.actions = (int(ok), 1)
            if not ok:
                fail("actions", exp.actions, got_actions)
        if exp.reply is not None:
            ok = turn.ran and turn.replied == exp.reply
            s.reply = (int(ok), 1)
            if not ok:
                fail("reply", exp.reply, turn.replied if turn.ran else None)
        self._fields(turn, tz, s, fail)
        if exp.intent == "opt_out" or (exp.actions is not None and "opt_out" in exp.actions):
            held = turn.stop_possible and not turn.replied  # a person decides; nothing was sent
            done = "opt_out" in turn.actions or held
            s.opt_out, s.opt_out_held = (int(done), 1), int(held and "opt_out" not in turn.actions)
            if not done:
                fail("opt_out_recall", "opt_out", got_actions)
        elif turn.kind in ("client", "client_email") and turn.ran:
            s.ordinary_held = (int(turn.stop_possible), 1)
        self._messages(result, turn, s, fail)
        return s

    def _fields(self, turn: TurnResult, tz: ZoneInfo, s: TurnScore, fail: Callable[[str, Any, Any], None]) -> None:
        exp = turn.expect
        ok_dates = checked_dates = 0
        if exp.demo_at is not None:
            checked_dates += 1
            if turn.demo_at is not None and turn.demo_at == exp.demo_at:
                ok_dates += 1
            else:
                fail("demo_at", exp.demo_at, turn.demo_at)
        if exp.pause_until is not None:
            checked_dates += 1
            if same_pause(exp.pause_until, turn.pause_until, tz):
                ok_dates += 1
            else:
                fail("pause_until", exp.pause_until, turn.pause_until)
        s.dates = (ok_dates, checked_dates)
        if exp.referral is not None:
            checks = referral_checks(exp.referral, turn.referral)
            for name, want, have, ok in checks:
                if not ok:
                    fail(f"referral.{name}", want, have)
            s.referral = (sum(ok for *_, ok in checks), len(checks))

    def _messages(self, result: DialogResult, turn: TurnResult, s: TurnScore,
                  fail: Callable[[str, Any, Any], None]) -> None:
        def client_facing(messages: list[Sent]) -> list[Sent]:
            return [m for m in messages if m.kind != "team"]

        for message, background in [(m, True) for m in client_facing(turn.background)] + [
                (m, False) for m in client_facing(turn.sent)]:
            to_contact = message.contact_id == result.contact_id
            s.messages += 1
            language = turn.language if to_contact else "ru"
            # language, length and leaks from the shared rules; invented figures and promises from the
            # eval's own checker (evals/grounding.py), so the guard cannot pass its own mistakes
            problems = violations(message.text, language=language, max_words=self.max_words,
                                  product_facts=self.product_facts, check_figures=False)
            problems += [f"names a price or figure not grounded: {p}" if p.startswith("figure")
                         else f"promises what the product facts do not: {p}"
                         for p in invented(message.text, facts=self.product_facts, client=_client_words(result, turn),
                                           dates=[turn.demo_at, turn.pause_until, *turn.agreed])]
            for problem in problems:
                kind = rule_kind(problem)
                s.violations[kind] += 1
                fail(f"rule:{kind}", "none", f"{problem} — «{_excerpt(message.text)}»")
            after = turn.opted_out_before or (turn.opt_out_turn and not background)
            if to_contact and after:
                s.after_opt_out += 1
                fail("sent_after_opt_out", "nothing sent", f"{message.channel}: «{_excerpt(message.text)}»")
        reply = "\n\n".join(turn.reply_texts)
        for pattern in turn.expect.reply_must:
            if not re.search(pattern, reply, re.IGNORECASE):
                s.violations["reply_must"] += 1
                fail("rule:reply_must", f"/{pattern}/", f"«{_excerpt(reply)}»" if reply else "no reply")
        for pattern in turn.expect.reply_must_not:
            if match := re.search(pattern, reply, re.IGNORECASE):
                s.violations["reply_must_not"] += 1
                fail("rule:reply_must_not", f"not /{pattern}/", f"matched {match.group(0)!r}")


def _excerpt(text: str, limit: int = 90) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass
class Summary:
    """Everything a report shows."""

    overall: Scores
    by_set: dict[str, Scores]
    by_intent: dict[str, Scores]
    failures: list[Failure]
    turn_scores: list[TurnScore]


BUCKET_ORDER = (*INTENTS, "unlabelled", "wait", "start")


def summarise(turn_scores: list[TurnScore]) -> Summary:
    by_set: dict[str, list[TurnScore]] = {}
    by_intent: dict[str, list[TurnScore]] = {}
    for t in turn_scores:
        by_set.setdefault(t.set_name, []).append(t)
        by_intent.setdefault(t.bucket, []).append(t)
    ordered = sorted(by_intent, key=lambda b: BUCKET_ORDER.index(b) if b in BUCKET_ORDER else len(BUCKET_ORDER))
    return Summary(
        overall=aggregate(turn_scores),
        by_set={name: aggregate(group) for name, group in by_set.items()},
        by_intent={name: aggregate(by_intent[name]) for name in ordered},
        failures=[f for t in turn_scores for f in t.failures],
        turn_scores=turn_scores,
    )


def _client_words(result: DialogResult, turn: TurnResult) -> str:
    """What the client supplied: this turn's message and the contact's own name and company (an
    outreach to «Гараж 24» may say 24)."""
    contact = result.dialog.contact
    return "\n".join(part for part in (turn.text, contact.name, contact.company) if part)
